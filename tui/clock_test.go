package tui

import (
	"strings"
	"testing"
	"time"
)

// Relative times in an idle app must not go stale: their words are coarse
// enough for the app's clock (clockEvery) to keep them true.
func TestRelativeTimesStayTrueBetweenClockTicks(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(-9 * time.Second), "<1m ago"},
		{now.Add(-59 * time.Second), "<1m ago"},
		{now.Add(-61 * time.Second), "1m ago"},
		{now.Add(-3 * time.Hour), "3h ago"},
	} {
		if got := ago(c.at); got != c.want {
			t.Errorf("ago(now%v) = %q, want %q", c.at.Sub(now).Round(time.Second), got, c.want)
		}
	}
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{11 * time.Second, "(in <1m)"},
		{61 * time.Second, "(in 2m)"},
		{90 * time.Minute, "(in 1h30m)"},
		{-time.Second, "(due now)"},
	} {
		if got := runWhen(now.Add(c.in)); !strings.HasSuffix(got, c.want) {
			t.Errorf("runWhen(now+%v) = %q, want it to end %q", c.in, got, c.want)
		}
	}
}

// The app redraws on its own clock, so an idle screen's "in 2m" counts down.
func TestAppClockIsArmedAndRearms(t *testing.T) {
	a := New(emptyCommon(t))
	if a.Init() == nil {
		t.Fatal("Init returned no commands")
	}
	_, cmd := a.Update(clockMsg{})
	if cmd == nil {
		t.Fatal("a clock tick did not arm the next one")
	}
	if d := untilNextClock(time.Date(2026, 1, 1, 10, 0, 10, 0, time.UTC)); d != 20*time.Second {
		t.Fatalf("next clock tick in %v, want 20s (on the half minute)", d)
	}
}
