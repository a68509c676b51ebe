package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"

	"github.com/skyport-dev/skyport/core/flow"
)

// prefRecentWorkspaces holds the File menu's recent workspace files.
const prefRecentWorkspaces = "workspace.recent"

// workspaceFiles is the File menu: the workspace document open in the
// window and the actions on it. A file that fails to open or save is
// reported in a dialog and the open document stays as it was.
type workspaceFiles struct {
	m      *MainWindow
	doc    *flow.Document
	recent *fyne.MenuItem
	menu   *fyne.MainMenu

	traffic     *flow.DemoTraffic // running demo traffic, nil when none
	trafficItem *fyne.MenuItem    // File → Demo traffic, checked while it runs
}

// newWorkspaceFiles builds the File menu of m's window.
func newWorkspaceFiles(m *MainWindow) *workspaceFiles {
	f := &workspaceFiles{m: m, doc: flow.NewDocument()}
	f.recent = fyne.NewMenuItem("Open recent", nil)
	f.trafficItem = fyne.NewMenuItem("Demo traffic", f.toggleTraffic)
	file := fyne.NewMenu("File",
		withShortcut(fyne.NewMenuItem("New workspace", f.newDocument), fyne.KeyN, 0),
		withShortcut(fyne.NewMenuItem("Open…", f.showOpen), fyne.KeyO, 0),
		f.recent,
		fyne.NewMenuItem("Open demo", f.openDemo),
		f.trafficItem,
		withShortcut(fyne.NewMenuItem("Import template or ASL…", f.showImport), fyne.KeyI, 0),
		fyne.NewMenuItemSeparator(),
		withShortcut(fyne.NewMenuItem("Save", f.save), fyne.KeyS, 0),
		withShortcut(fyne.NewMenuItem("Save as…", f.showSaveAs), fyne.KeyS, fyne.KeyModifierShift),
	)
	f.menu = fyne.NewMainMenu(file)
	f.refreshRecent()
	return f
}

func (f *workspaceFiles) recentList() []string {
	return f.m.app.Preferences().StringList(prefRecentWorkspaces)
}

func (f *workspaceFiles) refreshRecent() {
	var items []*fyne.MenuItem
	for _, p := range f.recentList() {
		items = append(items, fyne.NewMenuItem(p, func() { f.open(p) }))
	}
	if len(items) == 0 {
		none := fyne.NewMenuItem("No recent workspaces", nil)
		none.Disabled = true
		items = append(items, none)
	}
	f.recent.ChildMenu = fyne.NewMenu("", items...)
	f.menu.Refresh()
}

func (f *workspaceFiles) remember(path string) {
	f.m.app.Preferences().SetStringList(prefRecentWorkspaces, flow.AddRecent(f.recentList(), path))
	f.refreshRecent()
}

func (f *workspaceFiles) showTitle() {
	f.m.win.SetTitle(windowTitle(f.m.core) + " — " + f.doc.Title())
}

func (f *workspaceFiles) newDocument() {
	f.stopTraffic()
	f.doc = flow.NewDocument()
	f.showTitle()
}

// toggleTraffic starts or stops the demo's traffic (File → Demo traffic).
func (f *workspaceFiles) toggleTraffic() {
	if f.traffic != nil {
		f.stopTraffic()
		return
	}
	f.startTraffic()
}

// startTraffic drives the demo's API, stream and queues five times a
// second, so its nodes, edges and charts show messages flowing.
func (f *workspaceFiles) startTraffic() {
	if f.traffic != nil {
		return
	}
	f.traffic = flow.StartDemoTraffic(f.m.core, 200*time.Millisecond)
	f.trafficItem.Checked = true
	f.menu.Refresh()
}

// stopTraffic ends the demo traffic if it runs.
func (f *workspaceFiles) stopTraffic() {
	if f.traffic == nil {
		return
	}
	f.traffic.Stop()
	f.traffic = nil
	f.trafficItem.Checked = false
	f.menu.Refresh()
}

// open loads a workspace file and applies it to the core.
func (f *workspaceFiles) open(path string) error {
	f.stopTraffic()
	if _, err := f.doc.Open(context.Background(), f.m.core, path); err != nil {
		f.fail("Open", err)
		return err
	}
	f.remember(path)
	f.showTitle()
	return nil
}

func (f *workspaceFiles) openDemo() {
	doc := flow.DemoDocument()
	if _, err := flow.Apply(context.Background(), f.m.core, doc.Workspace); err != nil {
		f.fail("Open demo", err)
		return
	}
	f.doc = doc
	f.showTitle()
	f.startTraffic() // a first-time user opens the demo to watch it work
}

// importFile reads a CloudFormation/SAM template or an ASL file, applies
// it and says what it could not carry over.
func (f *workspaceFiles) importFile(path string) (*flow.ImportReport, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		f.fail("Import", err)
		return nil, err
	}
	w, rep, err := flow.Import(path, data)
	if err == nil {
		_, err = flow.Apply(context.Background(), f.m.core, w)
	}
	if err != nil {
		f.fail("Import", err)
		return nil, err
	}
	var lines []string
	for _, u := range rep.Unsupported {
		lines = append(lines, "unsupported resource "+u.String())
	}
	lines = append(lines, rep.Skipped...)
	if len(lines) > 0 {
		dialog.ShowInformation("Imported with omissions", strings.Join(lines, "\n"), f.m.win)
	}
	return rep, nil
}

// save writes the document to its file, asking for one the first time.
func (f *workspaceFiles) save() {
	err := f.doc.Save(f.m.core)
	if errors.Is(err, flow.ErrNoPath) {
		f.showSaveAs()
		return
	}
	if err != nil {
		f.fail("Save", err)
		return
	}
	f.remember(f.doc.Path)
}

func (f *workspaceFiles) saveAs(path string) error {
	if err := f.doc.SaveAs(f.m.core, path); err != nil {
		f.fail("Save as", err)
		return err
	}
	f.remember(path)
	f.showTitle()
	return nil
}

func (f *workspaceFiles) fail(action string, err error) {
	dialog.ShowError(fmt.Errorf("%s: %w", action, err), f.m.win)
}

var workspaceFilter = storage.NewExtensionFileFilter([]string{".yaml", ".yml"})

func (f *workspaceFiles) showOpen() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		f.open(r.URI().Path())
	}, f.m.win)
	d.SetFilter(workspaceFilter)
	d.Show()
}

func (f *workspaceFiles) showImport() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		f.importFile(r.URI().Path())
	}, f.m.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".yaml", ".yml", ".json", ".template"}))
	d.Show()
}

func (f *workspaceFiles) showSaveAs() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		w.Close() // the workspace is written by temporary file and rename
		f.saveAs(w.URI().Path())
	}, f.m.win)
	d.SetFileName("workspace.skyport.yaml")
	d.Show()
}

// withShortcut gives item the shortcut Ctrl (⌘ on macOS) + extra + key,
// shown in the menu; registerMenuShortcuts makes the window obey it.
func withShortcut(item *fyne.MenuItem, key fyne.KeyName, extra fyne.KeyModifier) *fyne.MenuItem {
	item.Shortcut = &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault | extra}
	return item
}

// registerMenuShortcuts adds every menu item's shortcut to c. Only macOS's
// native menus handle shortcuts by themselves; elsewhere the window must.
func registerMenuShortcuts(c fyne.Canvas, menu *fyne.MainMenu) {
	var walk func(items []*fyne.MenuItem)
	walk = func(items []*fyne.MenuItem) {
		for _, it := range items {
			if it.ChildMenu != nil {
				walk(it.ChildMenu.Items)
			}
			if it.Shortcut == nil || it.Action == nil {
				continue
			}
			action := it.Action
			c.AddShortcut(it.Shortcut, func(fyne.Shortcut) { action() })
		}
	}
	for _, m := range menu.Items {
		walk(m.Items)
	}
}
