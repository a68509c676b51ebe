package flow

import (
	"context"
	"errors"
	"path/filepath"
	"slices"

	"github.com/skyport-dev/skyport/core"
)

// ErrNoPath is returned by Save for a document that has never been saved.
var ErrNoPath = errors.New("the workspace has no file yet: use Save as")

// Document is the workspace open in the GUI: its file (empty until saved)
// and its design. Opening a file that cannot be read leaves the document
// as it was, so nothing the user had open is lost.
type Document struct {
	Path      string
	Workspace *Workspace
}

// NewDocument is an empty, untitled workspace.
func NewDocument() *Document {
	return &Document{Workspace: &Workspace{Version: FormatVersion}}
}

// DemoDocument is the built-in demo, untitled so Save asks for a file.
func DemoDocument() *Document { return &Document{Workspace: Demo()} }

// Title names the document for a window title.
func (d *Document) Title() string {
	switch {
	case d.Path != "":
		return filepath.Base(d.Path)
	case d.Workspace != nil && d.Workspace.Name != "":
		return d.Workspace.Name
	}
	return "Untitled workspace"
}

// Open loads path into the document and applies it to c. On any error the
// document keeps what it had.
func (d *Document) Open(ctx context.Context, c *core.Core, path string) (*Report, error) {
	w, err := Load(path)
	if err != nil {
		return nil, err
	}
	rep, err := Apply(ctx, c, w)
	if err != nil {
		return rep, err
	}
	d.Path, d.Workspace = path, w
	return rep, nil
}

// Save snapshots c into the document (keeping its layout and samples) and
// writes it to the document's file.
func (d *Document) Save(c *core.Core) error {
	if d.Path == "" {
		return ErrNoPath
	}
	return d.SaveAs(c, d.Path)
}

// SaveAs is Save to path, which becomes the document's file.
func (d *Document) SaveAs(c *core.Core, path string) error {
	w, err := Snapshot(c)
	if err != nil {
		return err
	}
	w.Merge(d.Workspace)
	if err := w.Save(path); err != nil {
		return err
	}
	d.Path, d.Workspace = path, w
	return nil
}

// MaxRecent is how many recent files the File menu lists.
const MaxRecent = 8

// AddRecent puts path first in a most-recent-first list of at most
// MaxRecent files.
func AddRecent(list []string, path string) []string {
	out := append([]string{path}, slices.DeleteFunc(slices.Clone(list), func(p string) bool { return p == path })...)
	return out[:min(len(out), MaxRecent)]
}
