package widgets

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// darkTheme is Fyne's default theme pinned to its dark variant, for golden
// images that look like the app.
type darkTheme struct{ fyne.Theme }

func (t darkTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, theme.VariantDark)
}

// showIn puts an object alone in an unpadded test window of the given size.
func showIn(t *testing.T, o fyne.CanvasObject, w, h float32) fyne.Window {
	t.Helper()
	win := test.NewTempWindow(t, o)
	win.SetPadded(false)
	win.Resize(fyne.NewSize(w, h))
	return win
}

// useDarkTheme switches the current test app to the dark default theme.
func useDarkTheme(t *testing.T) {
	t.Helper()
	test.ApplyTheme(t, darkTheme{theme.DefaultTheme()})
}
