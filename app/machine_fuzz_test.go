package app

import (
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/widgets"
)

// FuzzASLDoc feeds arbitrary text to the JSON view's decoder and the
// diagram conversion, layout and editing operations behind it: none may
// panic, and what lays out has no overlapping boxes or edges through boxes.
func FuzzASLDoc(f *testing.F) {
	for _, t := range machineTemplates {
		f.Add(t.asl)
	}
	f.Add(`{"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Next": "A"}], "Default": "A"}}}`)
	f.Add(`{"States": {"A": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}]}}}`)
	f.Fuzz(func(t *testing.T, src string) {
		doc, err := parseDoc(src)
		if err != nil {
			return
		}
		g := doc.graph()
		l := widgets.LayoutDiagram(g)
		if p := l.Problems(); len(p) > 0 && uniqueNames(doc) {
			t.Fatalf("layout problems %v for %s", p, src)
		}
		for _, name := range doc.names() {
			doc.rename(name, name+"x")
			doc.insertOnEdge("Pass", widgets.DiagramEdge{From: name + "x", To: "^end:", Kind: "end"})
			doc.connect(name+"x", "Pass1")
			doc.remove(name + "x")
		}
		_ = doc.text()
	})
}

// uniqueNames reports whether every state name occurs once and is not
// empty (as ASL requires; the layout keys boxes and their scopes by name,
// and names its Start/End markers "^start:SCOPE").
func uniqueNames(d aslDoc) bool {
	seen := map[string]bool{}
	for _, n := range d.names() {
		if seen[n] || n == "" || strings.HasPrefix(n, "^") {
			return false
		}
		seen[n] = true
	}
	return true
}
