// Package widgets holds Skyport's reusable Fyne widgets: the flow canvas that
// draws resources and the links between them, the time-series chart and its
// ring buffer, the JSON editor and the message table.
//
// The package knows nothing about the core: callers feed it plain values and
// listen to its callbacks. Every widget must be used from the UI goroutine
// (wrap updates from other goroutines in fyne.Do); only Ring is safe to feed
// from any goroutine. Colours and sizes come from the current theme, so light
// and dark themes just work.
package widgets
