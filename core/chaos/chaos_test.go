package chaos

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateRefusesOutOfRangeAndMeaninglessKnobs(t *testing.T) {
	cases := []struct {
		p      Policy
		reason string
	}{
		{Policy{Kind: "bucket", Name: "x", Fail: 0.1}, `kind "bucket"`},
		{Policy{Kind: Queue, Fail: 0.1}, "name is required"},
		{Policy{Kind: Queue, Name: "q", Drop: 1.5}, "drop must be a fraction"},
		{Policy{Kind: Queue, Name: "q", Fail: -0.1}, "fail must be a fraction"},
		{Policy{Kind: Queue, Name: "q", Throttle: -1}, "throttle must be"},
		{Policy{Kind: Stream, Name: "s", Drop: 0.5}, "drop does not apply to a stream"},
		{Policy{Kind: Route, Name: "a GET /", Duplicate: 0.5}, "duplicate does not apply to a route"},
		{Policy{Kind: Queue, Name: "q", Delay: Delay{Min: time.Second, Max: time.Millisecond}}, "ends before it starts"},
	}
	for _, c := range cases {
		err := c.p.Validate()
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Reason, c.reason) {
			t.Errorf("%+v: got %v, want a reason containing %q", c.p, err, c.reason)
		}
	}
	if err := (Policy{Kind: Queue, Name: "q", Drop: 0.1, Duplicate: 0.1, Delay: Delay{Min: 5}, Throttle: 10, Fail: 1}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDelayJSON(t *testing.T) {
	for in, want := range map[string]Delay{
		`250`:          {Min: 250 * time.Millisecond},
		`"1s"`:         {Min: time.Second},
		`"100-500"`:    {Min: 100 * time.Millisecond, Max: 500 * time.Millisecond},
		`"100ms-2s"`:   {Min: 100 * time.Millisecond, Max: 2 * time.Second},
		`"250ms"`:      {Min: 250 * time.Millisecond},
		`"  40 - 60 "`: {Min: 40 * time.Millisecond, Max: 60 * time.Millisecond},
	} {
		var d Delay
		if err := json.Unmarshal([]byte(in), &d); err != nil || d != want {
			t.Errorf("%s: got %v %v, want %v", in, d, err, want)
		}
	}
	for _, bad := range []string{`-5`, `"soon"`, `"5-1"`, `true`, `"1h"`} {
		var d Delay
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s: accepted as %v", bad, d)
		}
	}
	b, _ := json.Marshal(Policy{Kind: Queue, Name: "q", Delay: Delay{Min: 100 * time.Millisecond, Max: 500 * time.Millisecond}})
	if !strings.Contains(string(b), `"delay":"100-500"`) {
		t.Errorf("range written as %s", b)
	}
	b, _ = json.Marshal(Policy{Kind: Queue, Name: "q", Fail: 0.5})
	if strings.Contains(string(b), "delay") {
		t.Errorf("zero delay written: %s", b)
	}
}

func TestSetGetListClear(t *testing.T) {
	var events []Event
	r := New(Options{Seed: 1, Events: func(e Event) { events = append(events, e) },
		Exists: func(k Kind, n string) bool { return n != "ghost" }})
	if r.For(Queue, "a") != nil {
		t.Fatal("policy before Set")
	}
	if err := r.Set(Policy{Kind: Queue, Name: "ghost", Fail: 1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown resource: %v", err)
	}
	must(t, r.Set(Policy{Kind: Topic, Name: "b", Drop: 0.5}))
	must(t, r.Set(Policy{Kind: Queue, Name: "a", Fail: 1}))
	must(t, r.Set(Policy{Kind: Queue, Name: "a", Fail: 0.25})) // replaces
	list := r.List()
	if len(list) != 2 || list[0].Kind != Queue || list[0].Fail != 0.25 || list[1].Name != "b" {
		t.Fatalf("list %+v", list)
	}
	if p, ok := r.Get(Queue, "a"); !ok || p.Fail != 0.25 {
		t.Fatalf("get %+v %v", p, ok)
	}
	must(t, r.Set(Policy{Kind: Queue, Name: "a"})) // empty clears
	if _, ok := r.Get(Queue, "a"); ok {
		t.Fatal("empty policy did not clear")
	}
	if n := r.ClearAll(); n != 1 || r.For(Topic, "b") != nil {
		t.Fatalf("ClearAll %d", n)
	}
	var msgs []string
	for _, e := range events {
		if !e.Changed {
			t.Errorf("unexpected act event %+v", e)
		}
		msgs = append(msgs, e.Message)
	}
	want := []string{"chaos on topic b: drop 50%", "chaos on queue a: fail 100%", "chaos on queue a: fail 25%",
		"chaos on queue a cleared", "chaos on topic b cleared"}
	if strings.Join(msgs, "|") != strings.Join(want, "|") {
		t.Fatalf("events\n%q\nwant\n%q", msgs, want)
	}
}

func TestDecideIsSeededAndHonoursFractions(t *testing.T) {
	draw := func(seed uint64) (drops, dups int, seq []bool) {
		r := New(Options{Seed: seed})
		must(t, r.Set(Policy{Kind: Queue, Name: "q", Drop: 0.3, Duplicate: 0.5}))
		for range 10000 {
			d := r.Decide(Queue, "q")
			if d.Drop && d.Duplicate {
				t.Fatal("dropped and duplicated at once")
			}
			if d.Drop {
				drops++
			}
			if d.Duplicate {
				dups++
			}
			seq = append(seq, d.Drop)
		}
		return
	}
	d1, u1, s1 := draw(42)
	d2, u2, s2 := draw(42)
	if d1 != d2 || u1 != u2 || len(s1) != len(s2) {
		t.Fatal("same seed, different draws")
	}
	for i := range s1 {
		if s1[i] != s2[i] {
			t.Fatalf("same seed diverged at %d", i)
		}
	}
	// drop 30%; duplicate 50% of the 70% not dropped = 35%.
	if d1 < 2800 || d1 > 3200 || u1 < 3300 || u1 > 3700 {
		t.Fatalf("drops %d dups %d of 10000", d1, u1)
	}
}

func TestThrottleBucketAndDelayRange(t *testing.T) {
	now := time.Unix(1000, 0)
	r := New(Options{Seed: 7, Now: func() time.Time { return now }})
	must(t, r.Set(Policy{Kind: Stream, Name: "s", Throttle: 5, Delay: Delay{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}}))
	allowed := 0
	for range 20 {
		d := r.Decide(Stream, "s")
		if !d.Throttle {
			allowed++
			if d.Delay < 10*time.Millisecond || d.Delay > 20*time.Millisecond {
				t.Fatalf("delay %s outside the range", d.Delay)
			}
		} else if d.Delay != 0 {
			t.Fatal("a throttled call was also delayed")
		}
	}
	if allowed != 5 {
		t.Fatalf("burst allowed %d of 20, want 5", allowed)
	}
	now = now.Add(400 * time.Millisecond) // refills 2 tokens
	allowed = 0
	for range 5 {
		if !r.Decide(Stream, "s").Throttle {
			allowed++
		}
	}
	if allowed != 2 {
		t.Fatalf("after 400ms allowed %d, want 2", allowed)
	}
}

func TestActEventsAreRateLimited(t *testing.T) {
	now := time.Unix(1000, 0)
	var acts []string
	r := New(Options{Seed: 3, Wall: func() time.Time { return now }, Events: func(e Event) {
		if !e.Changed {
			acts = append(acts, e.Message)
		}
	}})
	must(t, r.Set(Policy{Kind: Queue, Name: "q", Fail: 1}))
	for range 100 {
		r.Decide(Queue, "q")
	}
	if len(acts) != 1 || acts[0] != "chaos on queue q: failed 1" {
		t.Fatalf("the first act should be told at once, the rest held: %q", acts)
	}
	now = now.Add(time.Second)
	r.Decide(Queue, "q")
	for range 50 {
		r.Decide(Queue, "q")
	}
	if len(acts) != 2 || acts[1] != "chaos on queue q: failed 100" {
		t.Fatalf("acts %q", acts)
	}
}

func TestNilRegistryHasNoPolicies(t *testing.T) {
	var r *Registry
	if r.For(Queue, "q") != nil || r.Decide(Queue, "q").Acted() || r.List() != nil {
		t.Fatal("nil registry acted")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkNoPolicy is the cost every request pays while chaos is off.
func BenchmarkNoPolicy(b *testing.B) {
	r := New(Options{})
	b.ReportAllocs()
	for b.Loop() {
		if r.Decide(Queue, "orders").Acted() {
			b.Fatal("acted")
		}
	}
}

// BenchmarkOtherResource is the cost on a resource without a policy while
// another resource has one (a map look-up under a read lock).
func BenchmarkOtherResource(b *testing.B) {
	r := New(Options{})
	if err := r.Set(Policy{Kind: Queue, Name: "other", Fail: 1}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r.Decide(Queue, "orders").Acted() {
			b.Fatal("acted")
		}
	}
}

// BenchmarkPolicy is the cost of a decision on a resource with chaos.
func BenchmarkPolicy(b *testing.B) {
	r := New(Options{})
	if err := r.Set(Policy{Kind: Queue, Name: "orders", Drop: 0.1, Delay: Delay{Min: 1, Max: 5}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Decide(Queue, "orders")
	}
}
