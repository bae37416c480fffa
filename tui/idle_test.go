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
	if _, clock := msg.(clockMsg); !clock { // twice a minute, by design (clock.go)
		c.n.Add(1)
	}
	_, cmd := c.App.Update(msg)
	return c, cmd
}

// An app that shows something and is not used gets no messages at all: no
// periodic tick (issue 12) but the half-minute clock, no blinking cursor, no spinner at rest; on the
// home list, the runs list and an open form alike.
func TestIdleAppSchedulesNothing(t *testing.T) {
	type step struct{ key, shown string } // a key (or text to type: "type:…"), and what it opens
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"home", nil},
		{"runs", []step{{"down", "Webhook: POST"}, {"r", "1 of 3"}}},
		{"account form", []step{{"a", "VERIFIED"}, {"a", "What do you connect?"}, {"enter", "┃ Okta domain"}}},
		{"wizard name", []step{{"n", "Name your integration"}}},
		// The OAuth service app's private key: a multi-line field.
		{"account form private key", []step{{"a", "VERIFIED"}, {"a", "What do you connect?"}, {"down", "What do you connect?"},
			{"enter", "Client ID"}, {"type:acme.okta.com", "acme.okta.com"}, {"tab", "┃ Client ID"}, {"type:0oa1app", "0oa1app"},
			{"tab", "PKCS#1"}}},
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
			for _, st := range tc.steps {
				if text, ok := strings.CutPrefix(st.key, "type:"); ok {
					tm.Type(text)
				} else {
					tm.Send(keyMsg(st.key))
				}
				waitScreen(t, ta, st.shown)
			}
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
