package app

import (
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/assets"
	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/event"
)

// eventBuffer is how many core events may wait for the bridge before the
// core starts dropping them for the GUI.
const eventBuffer = 256

// MainWindow is Skyport's main window: toolbar on top, resource tree on the
// left, tabs in the center, inspector on the right, activity log at the
// bottom. Its methods must be called on the Fyne UI thread (in fyne.Do when
// coming from another goroutine).
type MainWindow struct {
	app      fyne.App
	win      fyne.Window
	core     *core.Core
	endpoint string
	dark     bool

	toolbar   *toolbar
	resources *resourceTree
	tabs      *container.AppTabs
	flow      *flowView
	inspector *inspector
	log       *activityLog
	banner    *faultBanner
	listener  credentialTarget // the AWS endpoint, for the signature setting; nil until AttachListener
	settings  *settingsForm    // the open settings dialog's form (tests)

	splitLog, splitTree, splitInspector *container.Split

	do      func(func()) // runs a function on the UI thread: fyne.Do
	bridge  *bridge
	rolls   *time.Ticker // the bridge's traffic rollups
	sampler *time.Ticker // feeds the nodes' sparklines; nil in tests

	// Message traffic re-reads the queues at most every queueSyncEvery
	// while the sampler runs (it picks up what is left); creations,
	// changes and deletions sync at once. Tests, without a sampler, sync
	// on every event.
	queuesSynced time.Time
	queuesDirty  bool
	editors      map[string]*machineEditor // open state-machine editor tabs by name
	finder       *finder                   // the last Find resource dialog (tests)
	copyDone     *time.Timer               // restores the copy button's icon
	files        *workspaceFiles           // the File menu and the open workspace
}

// NewMainWindow builds the main window of a, showing core c whose AWS
// endpoint is reachable at endpoint (a URL such as http://127.0.0.1:4566).
// The window restores its size, split offsets and theme from a's
// preferences, saves them when it closes, and follows c's event stream until
// then. It is not shown.
func NewMainWindow(a fyne.App, c *core.Core, endpoint string) *MainWindow {
	m := newMainWindow(a, c, endpoint, fyne.Do)
	m.startSampling(500 * time.Millisecond) // the issue asks for two updates a second
	return m
}

// startSampling records the queues' counts for the canvas's sparklines
// every interval until the window closes.
func (m *MainWindow) startSampling(every time.Duration) {
	m.sampler = time.NewTicker(every)
	done := m.bridge.done
	go func() {
		for {
			select {
			case <-m.sampler.C:
				m.do(m.sampleTick)
			case <-done:
				return
			}
		}
	}()
}

// sampleTick is one tick of the sampler, on the UI thread.
func (m *MainWindow) sampleTick() {
	// Traffic the last sync came too early for, or that the bridge rolled
	// up: the counts moved.
	if m.bridge.takeQueueTraffic() || m.queuesDirty {
		m.syncQueuesNow()
	}
	m.flow.sample(m.core.Queues().List())
	m.banner.reconcile(m.core.StorageFault())
}

// newMainWindow is NewMainWindow with do in place of fyne.Do for everything
// other goroutines hand to the UI thread (tests run that work themselves).
func newMainWindow(a fyne.App, c *core.Core, endpoint string, do func(func())) *MainWindow {
	sub := c.Events(eventBuffer) // first, so nothing emitted while building is lost
	st := loadWindowState(a.Preferences())
	m := &MainWindow{app: a, core: c, endpoint: endpoint, dark: st.dark, do: do}
	a.Settings().SetTheme(newSkyTheme(m.dark))

	m.win = a.NewWindow(windowTitle(c))
	m.win.SetIcon(assets.Icon)
	m.win.SetContent(m.build())
	m.win.Resize(st.size)
	m.splitLog.SetOffset(st.splitLog)
	m.splitTree.SetOffset(st.splitTree)
	m.splitInspector.SetOffset(st.splitInspector)
	m.win.SetMaster()
	m.files = newWorkspaceFiles(m)
	menu := m.files.menu
	menu.Items = append(menu.Items,
		fyne.NewMenu("Edit", withShortcut(fyne.NewMenuItem("Find resource…", m.showFind), fyne.KeyF, 0)),
		fyne.NewMenu("Settings", fyne.NewMenuItem("Signature verification…", m.showSettings)), m.helpMenu())
	m.win.SetMainMenu(menu)
	registerMenuShortcuts(m.win.Canvas(), menu)
	m.win.SetOnClosed(m.closed)
	m.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { m.app.Quit() })

	m.syncQueues() // queues restored from the store
	m.syncServices()
	m.rolls = time.NewTicker(trafficRollup)
	m.bridge = startBridge(sub, maxLogLines, m.rolls.C, do, m.apply)
	return m
}

func windowTitle(c *core.Core) string {
	return "Skyport — " + filepath.Base(c.DataLabel())
}

func (m *MainWindow) build() fyne.CanvasObject {
	m.toolbar = newToolbar(toolbarActions{advance: m.advanceClock, copyURL: m.copyEndpoint, toggleTheme: m.toggleTheme})
	m.toolbar.showClock(m.core.Clock())
	m.toolbar.showEndpoint(m.endpoint)
	m.toolbar.showTheme(m.dark)
	m.inspector = newInspector(m.core, m.endpoint, func(text string) { m.app.Clipboard().SetContent(text) })
	m.inspector.win = m.win
	defer m.wireInspector() // once m.tabs exists: browsers and executions open as tabs
	m.resources = newResourceTree(m.selectResource)
	m.flow = newFlowView(m.core, m.win, m.app.Preferences())
	m.flow.actions = m.inspector.resourceActions
	m.flow.onSelect = func(k ResourceKind, name string) { m.resources.tree.Select(leafUID(k, name)) }
	m.tabs = container.NewAppTabs(m.flow.tab())
	m.log = newActivityLog(maxLogLines)

	panel := func(content fyne.CanvasObject) fyne.CanvasObject {
		return container.NewStack(newSurface(theme.ColorNameHeaderBackground), content)
	}
	inspector := panel(container.NewVScroll(container.NewPadded(m.inspector.content)))
	m.splitInspector = container.NewHSplit(m.tabs, inspector)
	m.splitTree = container.NewHSplit(panel(m.resources.tree), m.splitInspector)
	m.splitLog = container.NewVSplit(m.splitTree, panel(m.log.content))
	m.banner = newFaultBanner()
	m.banner.reconcile(m.core.StorageFault()) // faulted before the window opened
	top := container.NewVBox(m.banner.content, m.toolbar.content, widget.NewSeparator())
	return container.NewBorder(top, nil, nil, nil, m.splitLog)
}

// apply takes a batch of core events on the UI thread.
func (m *MainWindow) apply(evs []event.Event) {
	m.log.append(evs)
	m.banner.apply(evs)
	if touchesQueues(evs) {
		if m.sampler == nil || queueStructure(evs) || time.Since(m.queuesSynced) >= queueSyncEvery {
			m.syncQueuesNow()
		} else {
			m.queuesDirty = true
		}
	}
	if touchesServices(evs) {
		m.syncServices()
	}
	for _, e := range evs {
		if e.Kind == event.ClockAdvanced {
			m.toolbar.showClock(m.core.Clock())
			break
		}
	}
}

func (m *MainWindow) advanceClock(d time.Duration) {
	// The toolbar's clock badge follows from the clock.advanced event.
	if err := m.core.AdvanceClock(d); err != nil {
		dialog.ShowError(err, m.win)
	}
}

func (m *MainWindow) copyEndpoint() {
	m.app.Clipboard().SetContent(m.endpoint)
	b := m.toolbar.copyURL
	b.SetIcon(theme.ConfirmIcon())
	if m.copyDone != nil {
		m.copyDone.Stop()
	}
	m.copyDone = time.AfterFunc(1500*time.Millisecond, func() {
		m.do(func() { b.SetIcon(theme.ContentCopyIcon()) })
	})
}

func (m *MainWindow) toggleTheme() {
	m.dark = !m.dark
	m.app.Settings().SetTheme(newSkyTheme(m.dark))
	m.toolbar.showTheme(m.dark)
	m.app.Preferences().SetBool(prefDarkTheme, m.dark)
}

func (m *MainWindow) closed() {
	if m.sampler != nil {
		m.sampler.Stop()
	}
	m.closeEditors()
	if t := m.files.traffic; t != nil { // the window is gone: no menu to update
		t.Stop()
		m.files.traffic = nil
	}
	m.bridge.stop()
	m.rolls.Stop()
	if m.copyDone != nil {
		m.copyDone.Stop()
	}
	m.SaveState()
}

// Window returns the Fyne window.
func (m *MainWindow) Window() fyne.Window { return m.win }

// SetEndpoint changes the AWS endpoint URL the window shows and copies.
func (m *MainWindow) SetEndpoint(url string) {
	m.endpoint = url
	m.toolbar.showEndpoint(url)
	m.inspector.setEndpoint(url)
}

// SetResources replaces the resources of one kind in the tree, which shows
// them sorted and counts them.
func (m *MainWindow) SetResources(kind ResourceKind, names []string) {
	m.resources.set(kind, names)
}

// SaveState writes the window size, split offsets and theme to the app's
// preferences (it runs when the window closes).
func (m *MainWindow) SaveState() {
	windowState{
		size:           m.win.Canvas().Size(),
		splitLog:       m.splitLog.Offset,
		splitTree:      m.splitTree.Offset,
		splitInspector: m.splitInspector.Offset,
		dark:           m.dark,
	}.save(m.app.Preferences())
}

// LogLines returns the activity log as text, oldest line first, e.g.
// "08:41:07.214 INFO  core     clock advanced by 1h0m0s (now 1h0m0s ahead)".
func (m *MainWindow) LogLines() []string { return m.log.lines() }

// queueSyncEvery is how often, at most, message traffic re-reads every
// queue's counts (one query per queue): under load the UI thread would
// otherwise do nothing else.
const queueSyncEvery = 250 * time.Millisecond

// syncQueuesNow re-reads the queues and notes when.
func (m *MainWindow) syncQueuesNow() {
	m.syncQueues()
	m.queuesSynced, m.queuesDirty = time.Now(), false
}

// queueStructure reports whether evs create, change or delete a queue,
// which the tree and canvas show at once, rather than only move messages.
func queueStructure(evs []event.Event) bool {
	for _, e := range evs {
		if e.Service != "queue" {
			continue
		}
		switch e.Kind {
		case event.MessageSent, event.MessageReceived, event.MessageDeleted:
		default:
			return true
		}
	}
	return false
}
