package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// skyTheme is Fyne's default theme pinned to one variant, so the toolbar's
// light/dark toggle wins over the desktop's preference.
type skyTheme struct {
	variant fyne.ThemeVariant
}

var _ fyne.Theme = skyTheme{}

func newSkyTheme(dark bool) skyTheme {
	if dark {
		return skyTheme{variant: theme.VariantDark}
	}
	return skyTheme{variant: theme.VariantLight}
}

func (t skyTheme) dark() bool { return t.variant == theme.VariantDark }

func (t skyTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return theme.DefaultTheme().Color(n, t.variant)
}

func (t skyTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (t skyTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t skyTheme) Size(n fyne.ThemeSizeName) float32 { return theme.DefaultTheme().Size(n) }

// compactTheme tightens the padding of dense views (the activity log) and
// takes everything else from the app's current theme, so it follows the
// light/dark toggle.
type compactTheme struct {
	padding float32
}

var _ fyne.Theme = compactTheme{}

func current() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (t compactTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return current().Color(n, v)
}

func (t compactTheme) Font(s fyne.TextStyle) fyne.Resource { return current().Font(s) }

func (t compactTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return current().Icon(n) }

func (t compactTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNamePadding {
		return t.padding
	}
	return current().Size(n)
}
