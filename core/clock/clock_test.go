package clock

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestFrozenClockMovesOnlyWhenAdvanced(t *testing.T) {
	c := NewFrozen(t0)
	if !c.Now().Equal(t0) || !c.Frozen() {
		t.Fatalf("Now = %v, want %v", c.Now(), t0)
	}
	c.Advance(90 * time.Second)
	if got := c.Since(t0); got != 90*time.Second {
		t.Fatalf("Since = %v", got)
	}
	c.Advance(-time.Hour)
	if got := c.Since(t0); got != 90*time.Second {
		t.Fatalf("negative advance moved the clock: %v", got)
	}
	if c.Advanced() != 90*time.Second {
		t.Fatalf("Advanced = %v", c.Advanced())
	}
}

func TestTimersFireInDeadlineOrderOnAdvance(t *testing.T) {
	c := NewFrozen(t0)
	late := c.NewTimer(10 * time.Minute)
	early := c.NewTimer(time.Minute)
	fired := make(chan string, 2)
	c.AfterFunc(5*time.Minute, func() { fired <- "func" })

	c.Advance(59 * time.Second)
	select {
	case <-early.C:
		t.Fatal("timer fired before its deadline")
	default:
	}
	c.Advance(time.Second)
	if got := <-early.C; !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("early fired with %v", got)
	}
	c.Advance(time.Hour)
	if got := <-fired; got != "func" {
		t.Fatal(got)
	}
	<-late.C
	if c.Pending() != 0 {
		t.Fatalf("%d timers still pending", c.Pending())
	}
}

func TestStopAndReset(t *testing.T) {
	c := NewFrozen(t0)
	tm := c.NewTimer(time.Minute)
	if !tm.Stop() || tm.Stop() {
		t.Fatal("Stop should report pending once")
	}
	c.Advance(time.Hour)
	select {
	case <-tm.C:
		t.Fatal("stopped timer fired")
	default:
	}
	if tm.Reset(time.Second) {
		t.Fatal("Reset of a stopped timer reported pending")
	}
	if d, ok := c.NextDeadline(); !ok || !d.Equal(t0.Add(time.Hour+time.Second)) {
		t.Fatalf("NextDeadline = %v %v", d, ok)
	}
	c.Advance(time.Second)
	<-tm.C
}

func TestZeroDurationFiresAtOnce(t *testing.T) {
	c := NewFrozen(t0)
	select {
	case <-c.After(0):
	case <-time.After(time.Second):
		t.Fatal("zero timer did not fire")
	}
}

func TestRunningClockFollowsRealTimeAndAdvances(t *testing.T) {
	c := New()
	if c.Frozen() {
		t.Fatal("New clock is frozen")
	}
	if d := c.Now().Sub(time.Now()); d > time.Second || d < -time.Second {
		t.Fatalf("running clock is %v off real time", d)
	}
	// A real-time timer fires without any Advance.
	select {
	case <-c.After(10 * time.Millisecond):
	case <-time.After(5 * time.Second):
		t.Fatal("running-clock timer did not fire")
	}
	// A long timer fires at once when the clock is pushed past it.
	long := c.NewTimer(time.Hour)
	c.Advance(time.Hour + time.Second)
	select {
	case <-long.C:
	case <-time.After(5 * time.Second):
		t.Fatal("advanced running clock did not fire the timer")
	}
	if off := c.Offset(); off != time.Hour+time.Second {
		t.Fatalf("Offset = %v", off)
	}
	if d := c.Now().Sub(time.Now()); d < time.Hour {
		t.Fatalf("advanced clock only %v ahead", d)
	}
}
