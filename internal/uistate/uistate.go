// Package uistate is the main window's account of what it shows, written
// by the app (`skyport --state-dump FILE`, on SIGUSR1) and read by the
// real-window test's checker (scripts/statecheck), which cannot read pixels
// for meaning. It holds plain data only, so the checker builds without Fyne.
package uistate

// Dump is what the window shows.
type Dump struct {
	Title     string         `json:"title"`
	Nodes     []Node         `json:"nodes"`
	Edges     []string       `json:"edges"`     // "from → to" node ids
	Kinds     map[string]int `json:"kinds"`     // node count per kind
	Sparkline int            `json:"sparkline"` // nodes whose sparkline has 2+ samples
	Inspector Inspector      `json:"inspector"`
	LogLines  int            `json:"logLines"`
	Traffic   *Traffic       `json:"traffic,omitempty"` // the demo's, while it runs
}

// Node is one canvas node and where its centre is on the screen (window
// coordinates), so a script can click it.
type Node struct {
	ID    string  `json:"id"`
	X     float32 `json:"x"`
	Y     float32 `json:"y"`
	Spark int     `json:"spark"` // sparkline samples
}

// Inspector is the selection and its live charts.
type Inspector struct {
	Kind   string  `json:"kind,omitempty"` // "queue", "state machine", …
	Name   string  `json:"name,omitempty"`
	Charts []Chart `json:"charts,omitempty"`
}

// Chart is one chart: its title and, per metric, the samples it holds.
type Chart struct {
	Title   string         `json:"title"`
	Samples map[string]int `json:"samples"`
}

// Traffic counts what the demo traffic has done.
type Traffic struct {
	Orders   int `json:"orders"`
	Clicks   int `json:"clicks"`
	Shipped  int `json:"shipped"`
	Failures int `json:"failures"`
}
