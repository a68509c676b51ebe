package app

import (
	"sort"

	"fyne.io/fyne/v2"

	"github.com/skyport-dev/skyport/core"
)

// inspectorSection adds a titled part to the inspector for a selected
// resource: live charts, chaos toggles, a filter playground. build returns
// nil when the section has nothing to say about this resource. Sections are
// registered from init functions of the files that implement them, so each
// feature lives in its own file and the inspector itself stays small.
type inspectorSection struct {
	order int    // position among sections, lowest first
	title string // heading shown above the section
	build func(sc sectionContext) fyne.CanvasObject
}

// sectionContext is what a section may use: the core, the selection, the
// window for dialogs, and the clipboard. Use it on the UI thread only.
type sectionContext struct {
	core     *core.Core
	kind     ResourceKind
	name     string
	win      fyne.Window
	copyText func(string)
	endpoint string
}

var inspectorSections []inspectorSection

// registerInspectorSection adds s; call it from an init function.
func registerInspectorSection(s inspectorSection) {
	inspectorSections = append(inspectorSections, s)
	sort.SliceStable(inspectorSections, func(i, j int) bool { return inspectorSections[i].order < inspectorSections[j].order })
}
