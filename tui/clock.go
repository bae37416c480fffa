package tui

import (
	"fmt"
	"math"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The app's clock keeps relative times ("3m ago", "in 2m") true on a
// screen nobody touches. Nothing else ticks in an idle app (issue 12), so
// the words are coarse enough for one redraw each half minute: under a
// minute is "<1m", minutes are whole. A tick only redraws: an SSH session
// whose view does not change stays parked (console/idle.go).

// clockEvery is the clock's period; ticks fall on the minute and the half.
const clockEvery = 30 * time.Second

type clockMsg struct{}

// untilNextClock is how long from now to the next tick.
func untilNextClock(now time.Time) time.Duration {
	return now.Truncate(clockEvery).Add(clockEvery).Sub(now)
}

func clockTick() tea.Cmd {
	return tea.Tick(untilNextClock(time.Now()), func(time.Time) tea.Msg { return clockMsg{} })
}

// ago renders a past time relative to now: "3m ago", or a date when older.
func ago(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := time.Since(t)
	switch {
	case d < 0:
		return t.Local().Format("15:04:05")
	case d < time.Minute:
		return "<1m ago"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return t.Local().Format("Jan 2 15:04")
}

// runWhen renders a time to come: "at 15:04:05 (in 2m)", rounded up to
// the minute, so that it is never later than said.
func runWhen(t time.Time) string {
	at := "at " + t.Local().Format("15:04:05")
	d := time.Until(t)
	switch {
	case d <= 0:
		return at + " (due now)"
	case d < time.Minute:
		return at + " (in <1m)"
	}
	m := time.Duration(math.Ceil(d.Minutes())) * time.Minute
	return at + " (in " + shortDuration(m) + ")"
}

// shortDuration is 2m or 1h30m (time.Duration's String says 1h30m0s).
func shortDuration(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}
