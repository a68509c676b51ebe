package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
)

// inspector is the right panel: what is selected, then facts about the
// running core. Use it from the UI thread only.
type inspector struct {
	kind     *widget.RichText
	title    *widget.Label
	endpoint *widget.Label
	content  fyne.CanvasObject
}

func newInspector(c *core.Core, endpoint string) *inspector {
	in := &inspector{
		kind:     newMuted("", fyne.TextAlignLeading),
		title:    widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		endpoint: infoValue(endpoint),
	}
	in.title.SizeName = theme.SizeNameSubHeadingText
	in.title.Truncation = fyne.TextTruncateEllipsis

	coreHeading := widget.NewLabelWithStyle("Skyport core", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	facts := container.New(layout.NewFormLayout(),
		infoKey("Version"), infoValue(core.Version),
		infoKey("Data"), infoValue(c.DataLabel()),
		infoKey("Durability"), infoValue(c.Durability().String()),
		infoKey("Endpoint"), in.endpoint,
		infoKey("Region"), infoValue(c.Region()),
		infoKey("Account"), infoValue(c.Account()),
	)
	in.content = container.NewVBox(in.kind, in.title, widget.NewSeparator(), coreHeading, facts)
	in.show(0, "")
	return in
}

func infoKey(s string) *widget.RichText { return newMuted(s, fyne.TextAlignLeading) }

func infoValue(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Truncation = fyne.TextTruncateEllipsis
	l.Selectable = true
	return l
}

// show presents the selected resource, or "Nothing selected" when name is "".
func (in *inspector) show(k ResourceKind, name string) {
	if name == "" {
		setMuted(in.kind, "Nothing selected")
		in.title.Hide()
		return
	}
	setMuted(in.kind, strings.ToUpper(k.Singular()))
	in.title.SetText(name)
	in.title.Show()
}

func (in *inspector) setEndpoint(url string) { in.endpoint.SetText(url) }
