package function

import (
	"strings"
	"testing"
	"time"
)

func TestInvokeAsyncRetriesTwiceThenGivesUp(t *testing.T) {
	f := newFixture(t)
	sub := f.bus.Subscribe(256)
	defer sub.Close()
	f.create(shell("flaky", `cat >/dev/null; echo "attempt" >&2; exit 1`))
	id, err := f.svc.InvokeAsync("flaky", []byte(`{"n":1}`))
	if err != nil || id == "" {
		t.Fatalf("InvokeAsync: %q, %v", id, err)
	}
	count := func(n int) func() bool {
		return func() bool {
			invs, _ := f.svc.Invocations("flaky")
			return len(invs) == n
		}
	}
	retryArmed := func() bool { return f.clock.Pending() == 1 } // the retry's timer, nothing else
	eventually(t, count(1), "the first attempt")
	eventually(t, retryArmed, "the first retry to be scheduled")
	f.clock.Advance(time.Minute)
	eventually(t, count(2), "the first retry a minute later")
	eventually(t, retryArmed, "the second retry to be scheduled")
	f.clock.Advance(2 * time.Minute)
	eventually(t, count(3), "the second retry two minutes later")
	for {
		select {
		case e := <-sub.C:
			if e.Kind == AsyncFailed {
				if !strings.Contains(e.Message, id) || !strings.Contains(e.Message, "3 attempts") {
					t.Fatalf("give-up event %q", e.Message)
				}
				invs, _ := f.svc.Invocations("flaky")
				for _, inv := range invs {
					if inv.RequestID != id {
						t.Fatalf("attempt ran as %s, want the accepted request id %s", inv.RequestID, id)
					}
				}
				return
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no give-up event after three attempts")
		}
	}
}

func TestInvokeAsyncBadInput(t *testing.T) {
	f := newFixture(t)
	f.create(shell("ok", `cat`))
	if _, err := f.svc.InvokeAsync("missing", []byte(`{}`)); !isCode(err, ResourceNotFound) {
		t.Fatalf("missing function: %v", err)
	}
	if _, err := f.svc.InvokeAsync("ok", []byte(`nope`)); !isCode(err, InvalidRequestContent) {
		t.Fatalf("not JSON: %v", err)
	}
	if _, err := f.svc.InvokeAsync("ok", []byte(`"`+strings.Repeat("x", MaxAsyncPayloadBytes)+`"`)); !isCode(err, RequestTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if _, err := f.svc.InvokeAsync("ok", []byte(`{"fine":true}`)); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { invs, _ := f.svc.Invocations("ok"); return len(invs) == 1 && invs[0].FunctionError == "" }, "the accepted event to run")
}
