package tui

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// countingApp counts the messages the app gets.
type countingApp struct {
	*App
	n *atomic.Int64
}

func (c countingApp) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	c.n.Add(1)
	_, cmd := c.App.Update(msg)
	return c, cmd
}

// An app that shows something and is not used gets no messages at all: no
// periodic tick (issue 12), no blinking cursor, no spinner at rest; on the
// home list, the runs list and an open form alike.
func TestIdleAppSchedulesNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		keys  []string
		shown string
	}{
		{"home", nil, "Offboard leavers"},
		{"runs", []string{"down", "r"}, "1 of 3"},
		{"account form", []string{"a", "a", "wait:What do you connect?", "enter"}, "Connect an Okta org"},
		{"wizard name", []string{"n"}, "Name your integration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCommon(t)
			seedAll(&gdrive{t: t, c: c})
			var n atomic.Int64
			a := New(c)
			tm := teatest.NewTestModel(t, countingApp{a, &n}, teatest.WithInitialTermSize(100, 30),
				teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ANSI256)))
			ta := &testApp{TestModel: tm, app: a}
			waitScreen(t, ta, "Offboard leavers")
			for _, k := range tc.keys {
				if shown, ok := strings.CutPrefix(k, "wait:"); ok { // a screen that must be up before the next key
					waitScreen(t, ta, shown)
					continue
				}
				tm.Send(keyMsg(k))
				time.Sleep(50 * time.Millisecond)
			}
			waitScreen(t, ta, tc.shown)
			time.Sleep(300 * time.Millisecond) // loads and timers of the last key settle
			before := n.Load()
			time.Sleep(1500 * time.Millisecond)
			if got := n.Load() - before; got != 0 {
				t.Errorf("%d messages in 1.5 s of an idle %s:\n%s", got, tc.name, ansi.Strip(a.LastFrame()))
			}
			tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		})
	}
}
