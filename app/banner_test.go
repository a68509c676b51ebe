package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// The core's storage events raise the red banner above the toolbar with
// their message, and take it down again, through the event stream.
func TestFaultBannerFollowsStorageEvents(t *testing.T) {
	pinVersion(t)
	_, c, m, q := newTestWindow(t)
	m.Window().Resize(fyne.NewSize(1280, 800))
	waitApplied(t, m, q, 0)
	if m.banner.visible() {
		t.Fatal("banner shows while writes succeed")
	}
	toolbarY := m.toolbar.content.Position().Y

	msg := core.StorageFaultMessage(errors.New("database or disk is full"))
	c.Emit(event.Event{Kind: event.StorageFault, Level: event.Error, Service: "store", Resource: "skyport.db", Message: msg})
	q.runUntil(t, "the banner to show", m.banner.visible)
	if got := m.banner.message.Text; got != msg {
		t.Errorf("banner says %q, want %q", got, msg)
	}
	if !strings.Contains(m.banner.message.Text, "disk is full") {
		t.Errorf("banner message %q does not carry the cause", m.banner.message.Text)
	}
	m.Window().Content().Refresh()
	if m.banner.content.Position().Y > toolbarY || m.toolbar.content.Position().Y <= toolbarY {
		t.Errorf("banner at y=%v, toolbar at y=%v (was %v): the banner must sit above the toolbar",
			m.banner.content.Position().Y, m.toolbar.content.Position().Y, toolbarY)
	}
	test.AssertImageMatches(t, "main_window_fault.png", m.Window().Canvas().Capture())

	c.Emit(event.Event{Kind: event.StorageRecovered, Level: event.Info, Service: "store", Resource: "skyport.db", Message: "Writes succeed again."})
	q.runUntil(t, "the banner to hide", func() bool { return !m.banner.visible() })
	m.Window().Content().Refresh()
	if y := m.toolbar.content.Position().Y; y != toolbarY {
		t.Errorf("toolbar at y=%v after recovery, want %v", y, toolbarY)
	}
}

// A real write failure (injected under the store, as a full disk fails a
// commit) raises the banner, including for a window opened while the store
// is already failing; the next successful write takes it down.
func TestFaultBannerOnInjectedDiskFull(t *testing.T) {
	faults := &store.Faults{}
	c, err := core.Open(core.Config{DataPath: filepath.Join(t.TempDir(), "full.db"), Clock: clock.NewFrozen(t0), StoreFaults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	faults.Fail(nil)
	if err := c.Queues().CreateQueue(ctx, "orders", nil, nil); err == nil {
		t.Fatal("CreateQueue succeeded on a full disk")
	}

	a := test.NewTempApp(t)
	q := newUIQueue()
	m := newMainWindow(a, c, testEndpoint, q.do)
	t.Cleanup(m.Window().Close)
	if !m.banner.visible() || !strings.Contains(m.banner.message.Text, "no space left on device") {
		t.Fatalf("window opened on a failing store: banner visible %v, %q", m.banner.visible(), m.banner.message.Text)
	}

	faults.Heal()
	if err := c.Queues().CreateQueue(ctx, "orders", nil, nil); err != nil {
		t.Fatal(err)
	}
	q.runUntil(t, "the banner to hide on recovery", func() bool { return !m.banner.visible() })

	faults.Fail(errors.New("disk I/O error"))
	if err := c.Queues().CreateQueue(ctx, "refunds", nil, nil); err == nil {
		t.Fatal("CreateQueue succeeded while writes fail")
	}
	q.runUntil(t, "the banner to show again", m.banner.visible)
	if !strings.Contains(m.banner.message.Text, "disk I/O error") {
		t.Errorf("banner says %q", m.banner.message.Text)
	}
}

// reconcile catches up with the store when storage events were dropped.
func TestFaultBannerReconciles(t *testing.T) {
	test.NewTempApp(t)
	b := newFaultBanner()
	b.reconcile(nil)
	if b.visible() {
		t.Fatal("banner shown for a healthy store")
	}
	b.reconcile(errors.New("disk full"))
	if !b.visible() || b.message.Text != core.StorageFaultMessage(errors.New("disk full")) {
		t.Fatalf("after a missed fault: visible %v, %q", b.visible(), b.message.Text)
	}
	b.show("the event's own message")
	b.reconcile(errors.New("disk full"))
	if b.message.Text != "the event's own message" {
		t.Fatalf("reconcile replaced the message with %q", b.message.Text)
	}
	b.reconcile(nil)
	if b.visible() {
		t.Fatal("banner still up after a missed recovery")
	}
}
