package app

import (
	"fmt"
	"net"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/clock"
)

// clockStep is one of the toolbar's fast-forward buttons.
type clockStep struct {
	label string
	by    time.Duration
}

var clockSteps = []clockStep{
	{"+1 min", time.Minute},
	{"+1 h", time.Hour},
	{"+1 day", 24 * time.Hour},
}

// toolbar is the top row: the clock controls and state on the left; the
// endpoint badge, copy-URL and theme toggle on the right.
type toolbar struct {
	advance  map[string]*widget.Button // by label: "+1 min", "+1 h", "+1 day"
	clock    *pill
	endpoint *pill
	copyURL  *widget.Button
	theme    *widget.Button
	content  fyne.CanvasObject
}

type toolbarActions struct {
	advance     func(time.Duration)
	copyURL     func()
	toggleTheme func()
}

func newToolbar(act toolbarActions) *toolbar {
	tb := &toolbar{
		advance:  map[string]*widget.Button{},
		clock:    newPill("", theme.ColorNameButton, theme.ColorNameForeground),
		endpoint: newPill("", theme.ColorNameSuccess, theme.ColorNameForegroundOnSuccess),
	}
	name := widget.NewLabelWithStyle("Skyport", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	left := container.NewHBox(name, widget.NewSeparator(), widget.NewLabel("Clock"))
	for _, s := range clockSteps {
		by := s.by
		b := widget.NewButton(s.label, func() { act.advance(by) })
		tb.advance[s.label] = b
		left.Add(b)
	}
	left.Add(container.NewCenter(tb.clock))

	tb.copyURL = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), act.copyURL)
	tb.theme = widget.NewButtonWithIcon("", theme.ColorPaletteIcon(), act.toggleTheme)
	right := container.NewHBox(container.NewCenter(tb.endpoint), tb.copyURL, widget.NewSeparator(), tb.theme)
	tb.content = container.NewBorder(nil, nil, left, right, layout.NewSpacer())
	return tb
}

// showClock shows the state of the core clock.
func (tb *toolbar) showClock(c *clock.Clock) {
	text, virtual := clockState(c)
	if virtual {
		tb.clock.set(text, theme.ColorNameWarning, theme.ColorNameForegroundOnWarning)
		return
	}
	tb.clock.set(text, theme.ColorNameButton, theme.ColorNameForeground)
}

// showEndpoint shows where the AWS endpoint listens, and whether only this
// machine can reach it.
func (tb *toolbar) showEndpoint(endpoint string) {
	text, local := endpointBadge(endpoint)
	if local {
		tb.endpoint.set(text, theme.ColorNameSuccess, theme.ColorNameForegroundOnSuccess)
		return
	}
	tb.endpoint.set(text, theme.ColorNameWarning, theme.ColorNameForegroundOnWarning)
}

// showTheme labels the toggle with the theme it switches to.
func (tb *toolbar) showTheme(dark bool) {
	if dark {
		tb.theme.SetText("Light theme")
	} else {
		tb.theme.SetText("Dark theme")
	}
}

// clockState describes the core clock for the toolbar: "clock: real" while it
// follows real time, "clock +1h 0m" once pushed ahead, and the time it shows
// when frozen (tests). virtual is true unless the clock follows real time.
func clockState(c *clock.Clock) (text string, virtual bool) {
	if c.Frozen() {
		return "clock: frozen at " + c.Now().Local().Format("2006-01-02 15:04:05"), true
	}
	off := c.Offset()
	if off <= 0 {
		return "clock: real", false
	}
	return "clock " + formatOffset(off), true
}

// formatOffset renders a positive clock offset as "+2h 10m" or "+1d 0h 0m".
func formatOffset(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := d/(24*time.Hour), d%(24*time.Hour)/time.Hour, d%time.Hour/time.Minute
	switch {
	case days > 0:
		return fmt.Sprintf("+%dd %dh %dm", days, hours, mins)
	case hours > 0:
		return fmt.Sprintf("+%dh %dm", hours, mins)
	}
	return fmt.Sprintf("+%dm", mins)
}

// endpointBadge returns the badge text for an endpoint URL and whether the
// endpoint is reachable from this machine only.
func endpointBadge(endpoint string) (text string, local bool) {
	hostport := endpoint
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		hostport = u.Host
	}
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	ip := net.ParseIP(host)
	if host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return "● LOCAL ONLY · " + hostport, true
	}
	return "● NETWORK · " + hostport, false
}
