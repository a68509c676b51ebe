package app

import (
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
)

func TestFormatOffset(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{time.Minute, "+1m"},
		{time.Hour, "+1h 0m"},
		{2*time.Hour + 10*time.Minute, "+2h 10m"},
		{24 * time.Hour, "+1d 0h 0m"},
		{50*time.Hour + 30*time.Second, "+2d 2h 1m"},
	}
	for _, tt := range tests {
		if got := formatOffset(tt.d); got != tt.want {
			t.Errorf("formatOffset(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestClockState(t *testing.T) {
	c := clock.New()
	if got, virtual := clockState(c); got != "clock: real" || virtual {
		t.Errorf("real clock: %q, %v", got, virtual)
	}
	c.Advance(time.Hour)
	if got, virtual := clockState(c); got != "clock +1h 0m" || !virtual {
		t.Errorf("advanced clock: %q, %v", got, virtual)
	}
}

func TestEndpointBadge(t *testing.T) {
	tests := []struct {
		url   string
		want  string
		local bool
	}{
		{"http://127.0.0.1:4566", "● LOCAL ONLY · 127.0.0.1:4566", true},
		{"http://localhost:4566", "● LOCAL ONLY · localhost:4566", true},
		{"http://[::1]:4566", "● LOCAL ONLY · [::1]:4566", true},
		{"http://0.0.0.0:4566", "● NETWORK · 0.0.0.0:4566", false},
		{"http://192.168.1.20:4566", "● NETWORK · 192.168.1.20:4566", false},
	}
	for _, tt := range tests {
		got, local := endpointBadge(tt.url)
		if got != tt.want || local != tt.local {
			t.Errorf("endpointBadge(%q) = %q, %v; want %q, %v", tt.url, got, local, tt.want, tt.local)
		}
	}
}
