package app

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/machine"
)

func openBenchCore(b *testing.B) *core.Core {
	b.Helper()
	c, err := core.Open(core.Config{Memory: true, Clock: clock.NewFrozen(t0)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// passChain is an Express-style machine of n Pass states.
func passChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt": "P0", "States": {`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"P%d": {"Type": "Pass", "End": true}`, i)
		} else {
			fmt.Fprintf(&b, `"P%d": {"Type": "Pass", "Next": "P%d"}`, i, i+1)
		}
	}
	b.WriteString("}}")
	return b.String()
}

// BenchmarkMachineEditorLiveExpress runs Express executions of a 20-state
// Pass chain while an editor watches and highlights them live (its UI work
// drained as fast as it comes), reporting the engine's transitions/s and
// how many UI updates that cost. Compare with -bench 'Express$' below for
// the engine alone.
func BenchmarkMachineEditorLiveExpress(b *testing.B) {
	benchExpress(b, true)
}

// BenchmarkMachineExpress is the same engine work with no editor watching.
func BenchmarkMachineExpress(b *testing.B) {
	benchExpress(b, false)
}

func benchExpress(b *testing.B, watched bool) {
	test.NewTempApp(b)
	c := openBenchCore(b)
	const states = 20
	m, err := c.Machines().CreateStateMachine(context.Background(), machine.CreateInput{Name: "chain", Type: machine.Express,
		Definition: passChain(states), RoleArn: "arn:aws:iam::000000000000:role/x"})
	if err != nil {
		b.Fatal(err)
	}
	var flushes atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	if watched {
		q := newUIQueue()
		e := newMachineEditor(c, "chain", q.do)
		e.run.watchSteps()
		go func() { // the UI thread
			defer close(done)
			for {
				select {
				case f := <-q:
					f()
					flushes.Add(1)
				case <-stop:
					return
				}
			}
		}()
		defer e.close()
	} else {
		close(done)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Machines().StartSyncExecution(context.Background(), machine.StartInput{StateMachineArn: m.Arn}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(stop)
	<-done
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*states)/sec, "transitions/s")
	if watched {
		b.ReportMetric(float64(flushes.Load())/sec, "ui-updates/s")
	}
}
