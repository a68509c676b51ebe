package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/event"
)

// faultBanner is the red strip across the top of the main window while the
// database cannot be written (a full disk, a read-only device …). It shows
// the core's message and hides again when writes succeed.
type faultBanner struct {
	content *fyne.Container
	message *widget.Label
}

func newFaultBanner() *faultBanner {
	b := &faultBanner{message: widget.NewLabel("")}
	b.message.Wrapping = fyne.TextWrapWord
	b.message.TextStyle = fyne.TextStyle{Bold: true}
	icon := widget.NewIcon(theme.NewColoredResource(theme.ErrorIcon(), theme.ColorNameForegroundOnError))
	row := container.NewBorder(nil, nil, container.NewPadded(icon), nil, b.message)
	b.content = container.NewStack(newSurface(theme.ColorNameError), container.NewThemeOverride(row, onErrorTheme{}))
	b.content.Hide()
	return b
}

// show displays msg in the banner.
func (b *faultBanner) show(msg string) {
	b.message.SetText(msg)
	b.content.Show()
	b.content.Refresh()
}

func (b *faultBanner) hide() { b.content.Hide() }

// visible reports whether the banner shows.
func (b *faultBanner) visible() bool { return b.content.Visible() }

// apply follows the storage events of a batch: the last one wins.
func (b *faultBanner) apply(evs []event.Event) {
	for _, e := range evs {
		switch e.Kind {
		case event.StorageFault:
			b.show(e.Message)
		case event.StorageRecovered:
			b.hide()
		}
	}
}

// reconcile brings the banner in line with the store's state, fault (nil:
// writes succeed), in case the GUI fell behind the event stream and the
// core dropped a storage event for it. A banner already up keeps its
// message.
func (b *faultBanner) reconcile(fault error) {
	switch {
	case fault == nil && b.visible():
		b.hide()
	case fault != nil && !b.visible():
		b.show(core.StorageFaultMessage(fault))
	}
}

// onErrorTheme writes in the colour meant for text on the error colour and
// takes everything else from the app's current theme.
type onErrorTheme struct{}

var _ fyne.Theme = onErrorTheme{}

func (onErrorTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameForeground {
		return current().Color(theme.ColorNameForegroundOnError, v)
	}
	return current().Color(n, v)
}

func (onErrorTheme) Font(s fyne.TextStyle) fyne.Resource { return current().Font(s) }

func (onErrorTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return current().Icon(n) }

func (onErrorTheme) Size(n fyne.ThemeSizeName) float32 { return current().Size(n) }
