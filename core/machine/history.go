package machine

import (
	"strings"
	"sync"
	"time"
)

// HistoryEvent is one event of an execution's history, named as AWS names
// them (ExecutionStarted, TaskStateEntered, TaskSucceeded, …). Details is
// the content of the type's details member, whose JSON name is DetailsKey
// (e.g. "stateEnteredEventDetails").
type HistoryEvent struct {
	ID         int64
	PreviousID int64
	Time       time.Time
	Type       string
	DetailsKey string
	Details    map[string]any
}

// maxHistoryEvents is the history quota of a Standard execution.
const maxHistoryEvents = 25000

// detailsKey gives the details member of each event type.
func detailsKey(typ string) string {
	switch typ {
	case "ExecutionStarted":
		return "executionStartedEventDetails"
	case "ExecutionSucceeded":
		return "executionSucceededEventDetails"
	case "ExecutionFailed":
		return "executionFailedEventDetails"
	case "ExecutionAborted":
		return "executionAbortedEventDetails"
	case "ExecutionTimedOut":
		return "executionTimedOutEventDetails"
	case "TaskScheduled":
		return "taskScheduledEventDetails"
	case "TaskStarted":
		return "taskStartedEventDetails"
	case "TaskSubmitted":
		return "taskSubmittedEventDetails"
	case "TaskSucceeded":
		return "taskSucceededEventDetails"
	case "TaskFailed":
		return "taskFailedEventDetails"
	case "TaskTimedOut":
		return "taskTimedOutEventDetails"
	case "LambdaFunctionScheduled":
		return "lambdaFunctionScheduledEventDetails"
	case "LambdaFunctionSucceeded":
		return "lambdaFunctionSucceededEventDetails"
	case "LambdaFunctionFailed":
		return "lambdaFunctionFailedEventDetails"
	case "LambdaFunctionTimedOut":
		return "lambdaFunctionTimedOutEventDetails"
	case "MapStateStarted":
		return "mapStateStartedEventDetails"
	case "MapIterationStarted":
		return "mapIterationStartedEventDetails"
	case "MapIterationSucceeded":
		return "mapIterationSucceededEventDetails"
	case "MapIterationFailed":
		return "mapIterationFailedEventDetails"
	case "MapIterationAborted":
		return "mapIterationAbortedEventDetails"
	}
	if len(typ) > 12 && typ[len(typ)-12:] == "StateEntered" {
		return "stateEnteredEventDetails"
	}
	if len(typ) > 11 && typ[len(typ)-11:] == "StateExited" {
		return "stateExitedEventDetails"
	}
	return ""
}

// history is a Standard execution's event log: all of it in memory while
// the execution runs, the part not yet persisted in pending.
type history struct {
	limit     int // maxHistoryEvents unless configured
	mu        sync.Mutex
	events    []HistoryEvent
	persisted int // events[:persisted] are in the store
	overflow  bool
}

// add appends an event and returns its id; false when the quota is used up.
func (h *history) add(now time.Time, typ string, details map[string]any) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) >= h.limit && !strings.HasPrefix(typ, "Execution") { // the end of the execution is always recorded
		h.overflow = true
		return false
	}
	id := int64(len(h.events) + 1)
	h.events = append(h.events, HistoryEvent{ID: id, PreviousID: id - 1, Time: now, Type: typ, DetailsKey: detailsKey(typ), Details: details})
	return true
}

// unpersisted returns the events not yet stored and marks them stored.
func (h *history) unpersisted() []HistoryEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]HistoryEvent(nil), h.events[h.persisted:]...)
	h.persisted = len(h.events)
	return out
}

func (h *history) snapshot() []HistoryEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]HistoryEvent(nil), h.events...)
}

func (h *history) full() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.overflow
}
