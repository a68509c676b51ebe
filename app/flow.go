package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// newFlowTab returns the Flow tab. The flow canvas does not exist yet, so the
// tab says plainly that there is nothing to draw.
func newFlowTab() *container.TabItem {
	heading := widget.NewLabelWithStyle("No resources yet", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	kinds := newMuted("Queues · Topics · Streams · APIs · State machines · Functions", fyne.TextAlignCenter)
	hint := newMuted("The flow between your resources is drawn here once some exist.", fyne.TextAlignCenter)
	empty := container.NewCenter(container.NewVBox(heading, kinds, hint))
	return container.NewTabItem("Flow", empty)
}
