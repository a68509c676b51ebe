package app

import (
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/assets"
	"github.com/skyport-dev/skyport/core"
)

// AppName and Website are the Name and Website of FyneApp.toml (a test
// keeps them equal); the version and build number come from core.Version
// and core.Build, which the build stamps from the same file.
const (
	AppName = "Skyport"
	Website = "https://github.com/skyport-dev/skyport"
)

// aboutIconSize is the side of the icon at the top of the About dialog.
const aboutIconSize = 96

// helpMenu is the main menu's Help menu.
func (m *MainWindow) helpMenu() *fyne.Menu {
	return fyne.NewMenu("Help", fyne.NewMenuItem("About "+AppName, m.showAbout))
}

// showAbout opens the About dialog: name, version, build number, the AWS
// endpoint this window's core serves and the website.
func (m *MainWindow) showAbout() {
	dialog.NewCustom("About "+AppName, "Close", aboutContent(m.endpoint), m.win).Show()
}

// aboutRow is one labelled line of the About dialog.
type aboutRow struct{ key, value string }

// aboutRows are the About dialog's lines for a core served at endpoint.
func aboutRows(endpoint string) []aboutRow {
	return []aboutRow{
		{"Version", core.Version},
		{"Build", core.Build},
		{"Endpoint", endpoint},
		{"Website", Website},
	}
}

func aboutContent(endpoint string) fyne.CanvasObject {
	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(aboutIconSize))
	title := widget.NewLabelWithStyle(AppName, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})

	form := container.New(layout.NewFormLayout())
	for _, r := range aboutRows(endpoint) {
		var value fyne.CanvasObject = widget.NewLabel(r.value)
		if r.key == "Website" {
			if u, err := url.Parse(r.value); err == nil {
				value = widget.NewHyperlink(r.value, u)
			}
		}
		form.Add(widget.NewLabelWithStyle(r.key, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(value)
	}
	return container.NewVBox(container.NewCenter(icon), title, form)
}
