package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
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
}

// newWorkspaceFiles builds the File menu of m's window.
func newWorkspaceFiles(m *MainWindow) *workspaceFiles {
	f := &workspaceFiles{m: m, doc: flow.NewDocument()}
	f.recent = fyne.NewMenuItem("Open recent", nil)
	file := fyne.NewMenu("File",
		fyne.NewMenuItem("New workspace", f.newDocument),
		fyne.NewMenuItem("Open…", f.showOpen),
		f.recent,
		fyne.NewMenuItem("Open demo", f.openDemo),
		fyne.NewMenuItem("Import template or ASL…", f.showImport),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Save", f.save),
		fyne.NewMenuItem("Save as…", f.showSaveAs),
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
	f.doc = flow.NewDocument()
	f.showTitle()
}

// open loads a workspace file and applies it to the core.
func (f *workspaceFiles) open(path string) error {
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
