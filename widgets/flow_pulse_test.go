package widgets

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestPulseTravelsTheEdge(t *testing.T) {
	test.NewTempApp(t)
	f, _ := demoFlow(t)
	id := "topic→orders"
	v := f.rend.edges[f.edges[f.edgeIndex(id)]]
	if !v.dot.Hidden {
		t.Fatal("dot shown before any pulse")
	}

	// The test driver runs an animation to its end at once.
	f.Pulse(id)
	if _, on := f.Pulsing(id); on || !v.dot.Hidden {
		t.Fatal("pulse still on after its animation ended")
	}

	// Step a pulse by hand, as the animation's frames would.
	f.pulses = map[string]float32{id: 0}
	center := func() fyne.Position { return v.dot.Position().AddXY(v.dot.Size().Width/2, v.dot.Size().Height/2) }
	for _, p := range []float32{0.1, 0.5, 0.9} {
		f.pulseAt(id, p)
		want := bezier(v.curve, p)
		if got := center(); v.dot.Hidden || abs32(got.X-want.X) > 0.01 || abs32(got.Y-want.Y) > 0.01 {
			t.Fatalf("at %v the dot is at %v (hidden %v), the curve at %v", p, got, v.dot.Hidden, want)
		}
	}
	if c := center(); c.X <= bezier(v.curve, 0.1).X {
		t.Error("the dot did not move towards the target")
	}
	f.Pulse(id) // already travelling: carries on
	if p, on := f.Pulsing(id); !on || p != 0.9 {
		t.Errorf("a second Pulse restarted the first: %v %v", p, on)
	}
	f.pulseAt(id, 1)
	if _, on := f.Pulsing(id); on || !v.dot.Hidden {
		t.Error("pulse still shown at its end")
	}

	f.Pulse("no-such-edge")
	if _, on := f.Pulsing("no-such-edge"); on {
		t.Error("an unknown edge pulses")
	}

	// An edge removed mid-pulse ends it.
	f.pulses[id] = 0.3
	f.RemoveEdge(id)
	f.pulseAt(id, 0.4)
	if _, on := f.Pulsing(id); on {
		t.Error("a removed edge still pulses")
	}
}

func TestPulseImage(t *testing.T) {
	test.NewTempApp(t)
	useDarkTheme(t)
	f, win := demoFlow(t)
	f.pulses = map[string]float32{"topic→orders": 0, "orders→dlq": 0}
	f.pulseAt("topic→orders", 0.45)
	f.pulseAt("orders→dlq", 0.7)
	test.AssertImageMatches(t, "flow/pulse.png", win.Canvas().Capture())
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

// BenchmarkPulseFrame is one animation frame of 300 edges all pulsing at
// once: each moves its dot.
func BenchmarkPulseFrame(b *testing.B) {
	test.NewTempApp(b)
	f := NewFlowCanvas()
	w := test.NewTempWindow(b, f)
	w.Resize(fyne.NewSize(1600, 1000))
	f.Batch(func() {
		for i := range 200 {
			f.PutNode(Node{ID: fmt.Sprint(i), Name: fmt.Sprint("n", i), Pos: fyne.NewPos(float32(i%20)*180, float32(i/20)*90)})
		}
		for i := range 300 {
			_ = f.PutEdge(Edge{ID: fmt.Sprint("e", i), From: fmt.Sprint(i % 200), To: fmt.Sprint((i*7 + 1) % 200)})
		}
	})
	f.pulses = map[string]float32{}
	var ids []string
	for i := range 300 {
		ids = append(ids, fmt.Sprint("e", i))
		f.pulses[ids[i]] = 0
	}
	for i := 0; b.Loop(); i++ {
		p := float32(i%100) / 100 * 0.99 // stays below 1: no pulse ends
		for _, id := range ids {
			f.pulseAt(id, p)
		}
	}
}
