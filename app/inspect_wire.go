package app

import (
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// wireInspector connects the inspector's actions to the main window: the
// message and record browsers open as center tabs and an execution that
// Start execution started opens in its machine's editor tab. The main
// window calls it once its tabs exist (in build, after newInspector).
func (m *MainWindow) wireInspector() {
	m.inspector.openTab = m.openTab
	m.inspector.openExecution = m.openExecution
}

// openTab adds a tab to the center, with a button that closes it, and
// selects it. A tab with the same title is replaced rather than doubled.
func (m *MainWindow) openTab(ti *container.TabItem) {
	for _, cur := range m.tabs.Items {
		if cur.Text == ti.Text {
			m.tabs.Remove(cur)
			break
		}
	}
	closeBtn := widget.NewButtonWithIcon("Close", theme.CancelIcon(), func() { m.tabs.Remove(ti) })
	closeBtn.Importance = widget.LowImportance
	ti.Content = container.NewBorder(container.NewHBox(layout.NewSpacer(), closeBtn), nil, nil, nil, ti.Content)
	m.tabs.Append(ti)
	m.tabs.Select(ti)
}

// openExecution opens (or brings forward) the editor of state machine
// name and shows execution arn in it: its history and highlights.
func (m *MainWindow) openExecution(name, arn string) {
	ed, ok := m.editors[name]
	if ok {
		m.tabs.Select(ed.tab)
	} else {
		ed = openMachineEditor(m.tabs, m.core, name)
		if m.editors == nil {
			m.editors = map[string]*machineEditor{}
		}
		m.editors[name] = ed
	}
	ed.run.watchSteps()
	ed.run.show(arn)
	ed.run.refreshExecutions()
}
