// Package assets holds Skyport's embedded resources: the application icon
// and, later, anything else the GUI ships inside the binary.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:generate go run gen_icon.go

//go:embed icon.png
var iconPNG []byte

// Icon is the 256×256 application icon (also named in FyneApp.toml).
var Icon fyne.Resource = fyne.NewStaticResource("icon.png", iconPNG)
