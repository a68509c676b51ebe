// Package app is Skyport's desktop GUI: the Fyne application around the
// embedded core. Run starts everything; NewMainWindow builds the main window
// against any fyne.App (tests use fyne.io/fyne/v2/test). Screens are one file
// each; bridge.go turns core events into widget updates through fyne.Do.
package app

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/skyport-dev/skyport/assets"
	"github.com/skyport-dev/skyport/cli"
	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
)

// AppID is the Fyne application ID; preferences are stored under it.
const AppID = "dev.skyport.app"

// shutdownGrace bounds how long in-flight requests may take after quit.
const shutdownGrace = 5 * time.Second

// Options configure the GUI's core and endpoint: Addr (host:port of the AWS
// endpoint), DataPath (database file; the core's default when empty), Memory
// and Durability. They are the command line's options, so that main can hand
// Run to cli.Main as its GUI.
type Options = cli.Options

// Run opens the core and its AWS endpoint the way `skyport serve` does,
// shows the main window and blocks until the user quits; then it stops the
// endpoint and closes the core, flushing its writer. Failures to start
// (data path, port in use) keep cli's startup-error status.
func Run(opts Options) error {
	if err := checkDisplay(); err != nil {
		return err
	}
	if opts.Addr == "" {
		opts.Addr = core.DefaultAddr // never every interface by accident
	}
	c, srv, err := cli.Start(opts)
	if err != nil {
		return startError(err)
	}
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.Icon)
	stopSignals := quitOnSignal(a)
	m := NewMainWindow(a, c, srv.URL())
	m.AttachListener(srv, opts.Credentials != "")
	if opts.Demo {
		m.files.openDemo()
	}
	stopDump := func() {}
	if opts.StateDump != "" {
		stopDump = m.dumpStateOnSignal(opts.StateDump)
	}
	m.Window().ShowAndRun()
	stopDump()
	stopSignals()
	return cli.Stop(c, srv, shutdownGrace)
}

// quitOnSignal makes SIGINT and SIGTERM quit the app the way Ctrl+Q does, so
// that the window state is saved and the core closes cleanly. The returned
// function stops listening.
func quitOnSignal(a fyne.App) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		if _, ok := <-sigs; ok {
			fyne.Do(a.Quit)
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(sigs)
	}
}

// checkDisplay reports, instead of a GLFW panic, that there is no display to
// open a window on (X11 and Wayland systems only).
func checkDisplay() error {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return errors.New("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); run 'skyport serve' for the core without a GUI")
		}
	}
	return nil
}

// startError adds a hint to a port already in use; it still wraps err.
func startError(err error) error {
	if errors.Is(err, wire.ErrAddrInUse) {
		return fmt.Errorf("%w (another Skyport or AWS emulator may be running there; choose another address with --addr)", err)
	}
	return err
}
