package machine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// conformanceCase is one row of testdata/conformance/*.json: a definition
// and an input, and the expected output or error and history event types.
type conformanceCase struct {
	Name       string          `json:"name"`
	Source     string          `json:"source,omitempty"` // where the example comes from
	Definition json.RawMessage `json:"definition"`
	Input      json.RawMessage `json:"input"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      string          `json:"error,omitempty"`
	Cause      string          `json:"cause,omitempty"` // a substring of the cause
	Status     string          `json:"status,omitempty"`
	Events     []string        `json:"events,omitempty"`
}

func loadConformance(t *testing.T) map[string][]conformanceCase {
	t.Helper()
	files, err := filepath.Glob("testdata/conformance/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance files: %v", err)
	}
	out := map[string][]conformanceCase{}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cases []conformanceCase
		if err := json.Unmarshal(raw, &cases); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out[strings.TrimSuffix(filepath.Base(file), ".json")] = cases
	}
	return out
}

func TestConformance(t *testing.T) {
	for file, cases := range loadConformance(t) {
		for _, c := range cases {
			t.Run(file+"/"+c.Name, func(t *testing.T) {
				f := newFixture(t, "", Integrations{})
				arn := f.create("m", string(c.Definition), Standard)
				input := string(c.Input)
				if input == "" {
					input = "{}"
				}
				got := f.run(arn, input)
				want := c.Status
				if want == "" {
					want = StatusSucceeded
					if c.Error != "" {
						want = StatusFailed
					}
				}
				if got.Status != want {
					t.Fatalf("status %s (error %s: %s), want %s", got.Status, got.Error, got.Cause, want)
				}
				if c.Output != nil {
					wantOut, err := decodeJSON(string(c.Output))
					if err != nil {
						t.Fatal(err)
					}
					gotOut, _ := decodeJSON(got.Output)
					if !jsonEqual(gotOut, wantOut) {
						t.Fatalf("output\n got %s\nwant %s", got.Output, encodeJSON(wantOut))
					}
				}
				if c.Error != "" && got.Error != c.Error {
					t.Fatalf("error %q (%s), want %q", got.Error, got.Cause, c.Error)
				}
				if c.Cause != "" && !strings.Contains(got.Cause, c.Cause) {
					t.Fatalf("cause %q does not contain %q", got.Cause, c.Cause)
				}
				if c.Events != nil {
					if types := f.eventTypes(got.Arn); !sameEvents(types, c.Events) {
						t.Fatalf("events\n got %v\nwant %v", types, c.Events)
					}
				}
			})
		}
	}
}

// sameEvents compares history event types. Branches of a Parallel state and
// iterations of a Map run concurrently, so their events interleave in any
// order (on AWS as here): when the history has such a section, the types
// must be the same multiset with the same first and last events; otherwise
// the same sequence.
func sameEvents(got, want []string) bool {
	if strings.Join(got, ",") == strings.Join(want, ",") {
		return true
	}
	concurrent := false
	for _, w := range want {
		if w == "ParallelStateStarted" || w == "MapStateStarted" {
			concurrent = true
		}
	}
	if !concurrent || len(got) != len(want) || len(got) == 0 || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
		return false
	}
	a, b := slices.Clone(got), slices.Clone(want)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
