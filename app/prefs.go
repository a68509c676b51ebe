package app

import "fyne.io/fyne/v2"

// Preference keys under which the main window remembers its state in the
// Fyne app's Preferences (stored per app ID, dev.skyport.app).
const (
	prefWidth          = "window.width"           // float: content width
	prefHeight         = "window.height"          // float: content height
	prefSplitLog       = "window.split.log"       // float 0–1: top area | activity log
	prefSplitTree      = "window.split.tree"      // float 0–1: resource tree | center and inspector
	prefSplitInspector = "window.split.inspector" // float 0–1: center tabs | inspector
	prefDarkTheme      = "theme.dark"             // bool: dark (default) or light theme
)

// Defaults for a first start.
var (
	defaultSize              = fyne.NewSize(1280, 800)
	minRestoredSize          = fyne.NewSize(640, 400)
	defaultSplitLog  float64 = 0.76
	defaultSplitTree float64 = 0.18
	defaultSplitInsp float64 = 0.72
)

// windowState is what the main window remembers between runs.
type windowState struct {
	size                fyne.Size
	splitLog, splitTree float64
	splitInspector      float64
	dark                bool
}

func loadWindowState(p fyne.Preferences) windowState {
	s := windowState{
		size: fyne.NewSize(
			float32(p.FloatWithFallback(prefWidth, float64(defaultSize.Width))),
			float32(p.FloatWithFallback(prefHeight, float64(defaultSize.Height)))),
		splitLog:       offsetPref(p, prefSplitLog, defaultSplitLog),
		splitTree:      offsetPref(p, prefSplitTree, defaultSplitTree),
		splitInspector: offsetPref(p, prefSplitInspector, defaultSplitInsp),
		dark:           p.BoolWithFallback(prefDarkTheme, true),
	}
	if s.size.Width < minRestoredSize.Width || s.size.Height < minRestoredSize.Height {
		s.size = defaultSize
	}
	return s
}

// offsetPref reads a split offset, ignoring values a Split cannot take.
func offsetPref(p fyne.Preferences, key string, fallback float64) float64 {
	v := p.FloatWithFallback(key, fallback)
	if v <= 0 || v >= 1 {
		return fallback
	}
	return v
}

func (s windowState) save(p fyne.Preferences) {
	p.SetFloat(prefWidth, float64(s.size.Width))
	p.SetFloat(prefHeight, float64(s.size.Height))
	p.SetFloat(prefSplitLog, s.splitLog)
	p.SetFloat(prefSplitTree, s.splitTree)
	p.SetFloat(prefSplitInspector, s.splitInspector)
	p.SetBool(prefDarkTheme, s.dark)
}
