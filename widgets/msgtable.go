package widgets

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

var _ fyne.Widget = (*MessageTable)(nil)

// Message is one row of a message table: a queue message, a stream record
// or a delivery, as the caller maps it.
type Message struct {
	ID       string
	Sent     time.Time // shown as given; pass local time for local display
	Receives int
	Group    string
	Body     string
}

// Column is a message table column.
type Column int

// The message table's columns, left to right.
const (
	ColumnID Column = iota
	ColumnSent
	ColumnReceives
	ColumnGroup
	ColumnBody
	columnCount
)

var columnTitles = [columnCount]string{"Message ID", "Sent", "Receives", "Group", "Body"}

// columnChars is each column's width in digits of the theme's text size.
var columnChars = [columnCount]float32{14, 10, 6, 8, 26}

func (c Column) String() string {
	if c >= 0 && c < columnCount {
		return columnTitles[c]
	}
	return "Column(" + strconv.Itoa(int(c)) + ")"
}

// MessageTable lists messages in rows with a header that sorts by the
// tapped column (tap again to reverse). Tapping a row selects it and
// reports it through OnSelected. An empty table says so.
type MessageTable struct {
	widget.BaseWidget

	OnSelected func(Message)

	msgs    []Message
	sortBy  Column
	desc    bool
	sel     int // index into msgs, -1 for none
	table   *widget.Table
	empty   *widget.Label
	headers map[Column]*widget.Button
	digit   float32 // the text width the columns were sized for
}

// NewMessageTable returns an empty table sorted by sending time.
func NewMessageTable() *MessageTable {
	m := &MessageTable{sortBy: ColumnSent, sel: -1, headers: map[Column]*widget.Button{},
		empty: widget.NewLabelWithStyle("No messages", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})}
	m.table = widget.NewTableWithHeaders(m.size, m.newCell, m.updateCell)
	m.table.ShowHeaderColumn = false
	m.table.CreateHeader = func() fyne.CanvasObject { return widget.NewButton("", nil) }
	m.table.UpdateHeader = m.updateHeader
	m.table.OnSelected = m.selected
	m.ExtendBaseWidget(m)
	m.sizeColumns()
	return m
}

// SetMessages replaces the rows, keeping the sort order and, when it is
// still there, the selected message.
func (m *MessageTable) SetMessages(msgs []Message) {
	var keep string
	if m.sel >= 0 {
		keep = m.msgs[m.sel].ID
	}
	m.msgs = slices.Clone(msgs)
	m.sortRows()
	m.sel = slices.IndexFunc(m.msgs, func(x Message) bool { return keep != "" && x.ID == keep })
	if m.sel < 0 {
		m.table.UnselectAll()
	}
	m.empty.Hidden = len(m.msgs) > 0
	m.Refresh()
}

// Rows returns the messages in the order shown.
func (m *MessageTable) Rows() []Message { return slices.Clone(m.msgs) }

// Selected returns the selected message.
func (m *MessageTable) Selected() (Message, bool) {
	if m.sel < 0 {
		return Message{}, false
	}
	return m.msgs[m.sel], true
}

// SortBy sorts by a column; sorting by the current column again reverses.
func (m *MessageTable) SortBy(c Column) {
	if c == m.sortBy {
		m.desc = !m.desc
	} else {
		m.sortBy, m.desc = c, false
	}
	var keep string
	if m.sel >= 0 {
		keep = m.msgs[m.sel].ID
	}
	m.sortRows()
	if keep != "" {
		m.sel = slices.IndexFunc(m.msgs, func(x Message) bool { return x.ID == keep })
		m.table.Select(widget.TableCellID{Row: m.sel, Col: 0})
	}
	m.Refresh()
}

// Sorting returns the sort column and whether it is descending.
func (m *MessageTable) Sorting() (Column, bool) { return m.sortBy, m.desc }

// HeaderButton returns the button heading a column, once the table showed.
func (m *MessageTable) HeaderButton(c Column) *widget.Button { return m.headers[c] }

func (m *MessageTable) sortRows() {
	by := m.sortBy
	slices.SortStableFunc(m.msgs, func(a, b Message) int {
		var r int
		switch by {
		case ColumnID:
			r = strings.Compare(a.ID, b.ID)
		case ColumnSent:
			r = a.Sent.Compare(b.Sent)
		case ColumnReceives:
			r = cmp.Compare(a.Receives, b.Receives)
		case ColumnGroup:
			r = strings.Compare(a.Group, b.Group)
		case ColumnBody:
			r = strings.Compare(a.Body, b.Body)
		}
		if m.desc {
			r = -r
		}
		return cmp.Or(r, strings.Compare(a.ID, b.ID))
	})
}

func (m *MessageTable) size() (int, int) { return len(m.msgs), int(columnCount) }

func (m *MessageTable) newCell() fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func (m *MessageTable) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Row < 0 || id.Row >= len(m.msgs) {
		l.SetText("")
		return
	}
	l.TextStyle = fyne.TextStyle{Monospace: Column(id.Col) == ColumnID || Column(id.Col) == ColumnBody}
	l.SetText(CellText(m.msgs[id.Row], Column(id.Col)))
}

// CellText is how a message shows in a column: the body on one line, the
// sending time to the millisecond.
func CellText(msg Message, c Column) string {
	switch c {
	case ColumnID:
		return msg.ID
	case ColumnSent:
		if msg.Sent.IsZero() {
			return ""
		}
		return msg.Sent.Format("15:04:05.000")
	case ColumnReceives:
		return strconv.Itoa(msg.Receives)
	case ColumnGroup:
		return msg.Group
	case ColumnBody:
		return strings.NewReplacer("\r\n", " ⏎ ", "\n", " ⏎ ", "\t", " ").Replace(msg.Body)
	}
	return ""
}

func (m *MessageTable) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	b := o.(*widget.Button)
	if id.Col < 0 {
		return
	}
	c := Column(id.Col)
	m.headers[c] = b
	b.Importance = widget.LowImportance
	b.Alignment = widget.ButtonAlignLeading
	b.Icon = nil
	if c == m.sortBy {
		b.Icon = theme.MenuDropDownIcon()
		if m.desc {
			b.Icon = theme.MenuDropUpIcon()
		}
	}
	b.OnTapped = func() { m.SortBy(c) }
	b.SetText(c.String())
}

func (m *MessageTable) selected(id widget.TableCellID) {
	if id.Row < 0 || id.Row >= len(m.msgs) {
		return
	}
	m.sel = id.Row
	if m.OnSelected != nil {
		m.OnSelected(m.msgs[id.Row])
	}
}

func (m *MessageTable) sizeColumns() {
	digit := fyne.MeasureText("0", theme.TextSize(), fyne.TextStyle{}).Width
	if digit == m.digit {
		return
	}
	m.digit = digit
	for c := range columnCount {
		m.table.SetColumnWidth(int(c), columnChars[c]*digit+theme.Padding()*4+theme.IconInlineSize())
	}
}

// Refresh re-reads the theme's sizes for the column widths.
func (m *MessageTable) Refresh() {
	m.sizeColumns()
	m.BaseWidget.Refresh()
}

// CreateRenderer is part of fyne.Widget.
func (m *MessageTable) CreateRenderer() fyne.WidgetRenderer {
	m.empty.Hidden = len(m.msgs) > 0
	return widget.NewSimpleRenderer(container.NewStack(m.table, container.NewCenter(m.empty)))
}
