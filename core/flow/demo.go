package flow

import (
	_ "embed"
)

//go:embed demo.yaml
var demoYAML []byte

// DemoFile is the name the built-in demo workspace goes by.
const DemoFile = "demo.yaml"

// Demo returns the built-in demo workspace: an API route publishes orders
// to a topic that fans out to two queues (high-priority orders by a filter
// policy, the rest by another) sharing a dead-letter queue, both consumed
// by a function; a second route starts a state machine that hands the
// order to a shipping queue; a click stream feeds a counting function.
func Demo() *Workspace {
	w, err := Parse(DemoFile, demoYAML)
	if err != nil {
		panic("flow: the built-in demo workspace does not parse: " + err.Error())
	}
	return w
}

// DemoYAML returns the demo workspace file as shipped.
func DemoYAML() []byte { return append([]byte(nil), demoYAML...) }
