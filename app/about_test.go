package app

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
)

// menuItem finds the item labelled item in the main menu labelled menu.
func menuItem(t *testing.T, mm *fyne.MainMenu, menu, item string) *fyne.MenuItem {
	t.Helper()
	if mm == nil {
		t.Fatal("the window has no main menu")
	}
	for _, m := range mm.Items {
		if m.Label != menu {
			continue
		}
		for _, it := range m.Items {
			if it.Label == item {
				return it
			}
		}
	}
	t.Fatalf("no %s → %s in the main menu", menu, item)
	return nil
}

// texts lists the text of every label and hyperlink under o.
func texts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Hyperlink:
			out = append(out, w.Text)
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func TestHelpAboutShowsVersion(t *testing.T) {
	pinVersion(t)
	oldBuild := core.Build
	core.Build = "7"
	t.Cleanup(func() { core.Build = oldBuild })
	_, _, m, _ := newTestWindow(t)
	m.Window().Resize(fyne.NewSize(800, 600))

	menuItem(t, m.Window().MainMenu(), "Help", "About Skyport").Action()
	top := m.Window().Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Help → About opened nothing")
	}
	got := strings.Join(texts(top), "|")
	for _, want := range []string{"About Skyport", "Skyport", "Version|0.1.0", "Build|7", "Endpoint|" + testEndpoint, "Website|" + Website} {
		if !strings.Contains("|"+got+"|", "|"+want+"|") {
			t.Errorf("About shows %q, lacks %q", got, want)
		}
	}
	test.AssertImageMatches(t, "about.png", m.Window().Canvas().Capture())

	top.Hide()
	core.Version = "2.3.4"
	menuItem(t, m.Window().MainMenu(), "Help", "About Skyport").Action()
	if got := texts(m.Window().Canvas().Overlays().Top()); !strings.Contains(strings.Join(got, "|"), "Version|2.3.4|") {
		t.Errorf("About after a new stamp shows %q, want version 2.3.4", got)
	}
}

// TestFyneAppTomlMatchesTheApp keeps the packaging metadata and the
// constants the GUI shows in step.
func TestFyneAppTomlMatchesTheApp(t *testing.T) {
	raw, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	field := func(key string) string {
		m := regexp.MustCompile(`(?m)^` + key + ` *= *"?([^"\n]*)"?\s*$`).FindSubmatch(raw)
		if m == nil {
			t.Fatalf("FyneApp.toml has no %s", key)
		}
		return string(m[1])
	}
	for key, want := range map[string]string{"ID": AppID, "Name": AppName, "Website": Website, "Icon": "assets/icon.png"} {
		if got := field(key); got != want {
			t.Errorf("FyneApp.toml %s = %q, the app uses %q", key, got, want)
		}
	}
	if v := field("Version"); !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Errorf("FyneApp.toml Version %q is not x.y.z", v)
	}
	if b := field("Build"); !regexp.MustCompile(`^[1-9]\d*$`).MatchString(b) {
		t.Errorf("FyneApp.toml Build %q is not a positive integer", b)
	}
}
