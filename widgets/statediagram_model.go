package widgets

// The state diagram's model: the app converts ASL to these types, so the
// widget knows nothing of the core.

// DiagramGraph is a state machine (or one Parallel branch or Map item
// processor) as the state diagram draws it.
type DiagramGraph struct {
	StartAt string
	States  []DiagramState
	Edges   []DiagramEdge
}

// DiagramState is one state. Names are unique across the whole machine,
// nested graphs included (as the States Language requires).
type DiagramState struct {
	Name     string
	Type     string // Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map
	Detail   string // a short second word, e.g. the task's resource
	End      bool   // ends its graph (End, Succeed or Fail)
	Children []DiagramGraph
}

// DiagramEdge is one transition.
type DiagramEdge struct {
	From, To string
	Kind     string // EdgeNext, EdgeChoice, EdgeDefault or EdgeCatch
	Label    string // the rule of a choice, the errors of a catch
}

// Edge kinds.
const (
	EdgeNext    = "next"
	EdgeChoice  = "choice"
	EdgeDefault = "default"
	EdgeCatch   = "catch"
	edgeStart   = "start"
	edgeEnd     = "end"
)

// StateStatus is how far an execution got with a state.
type StateStatus int

// Statuses a state can be highlighted with.
const (
	StatusNotStarted StateStatus = iota
	StatusRunning
	StatusSucceeded
	StatusFailed
	StatusCaught
	StatusRetrying
)

func (s StateStatus) String() string {
	switch s {
	case StatusRunning:
		return "running"
	case StatusSucceeded:
		return "succeeded"
	case StatusFailed:
		return "failed"
	case StatusCaught:
		return "caught"
	case StatusRetrying:
		return "retrying"
	}
	return "not started"
}

// typeGlyph is the symbol drawn before a state's name.
func typeGlyph(typ string) string {
	switch typ {
	case "Pass":
		return "→"
	case "Task":
		return "λ"
	case "Choice":
		return "◆"
	case "Wait":
		return "◷"
	case "Succeed":
		return "✓"
	case "Fail":
		return "✕"
	case "Parallel":
		return "∥"
	case "Map":
		return "⟳"
	}
	return "•"
}
