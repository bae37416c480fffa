package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// space switches an integration: ON at once, OFF at once when nothing
// waits to run; OFF with queued runs (which switching OFF cancels) asks
// first, on the home list and in the editor (QA: a stray space switched
// one OFF).
func TestSwitchingOffWithQueuedRunsAsksFirst(t *testing.T) {
	for _, where := range []string{"home", "editor"} {
		t.Run(where, func(t *testing.T) {
			c, _ := newTestCommon(t)
			ctx := context.Background()
			res, err := eng(c).SaveIntegration(ctx, storage.Integration{Name: "Onboard", Trigger: storage.Trigger{Type: "webhook"},
				Steps: []storage.Step{{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.email }}"}}}})
			if err != nil {
				t.Fatal(err)
			}
			id := res.ID
			if _, err := eng(c).SetEnabled(ctx, id, true, time.Time{}); err != nil {
				t.Fatal(err)
			}
			open := func() Screen {
				in, _ := eng(c).Store().Integration(id)
				var s Screen = newIntegrations(c)
				if where == "editor" {
					s = newEditor(c, in)
				}
				s.SetSize(78, 20)
				s, _ = runCmd(t, s, s.Init())
				return s
			}
			enabled := func() bool {
				in, _ := eng(c).Store().Integration(id)
				return in.Enabled
			}

			// Nothing waits: OFF at once, and ON again at once.
			s, _ := press(t, open(), "space")
			if enabled() || asked(s) != "" {
				t.Fatalf("OFF with nothing queued: enabled %v, asked %q", enabled(), asked(s))
			}
			s, _ = press(t, open(), "space")
			if !enabled() || asked(s) != "" {
				t.Fatalf("ON: enabled %v, asked %q", enabled(), asked(s))
			}

			// Two queued runs: OFF asks; n keeps it ON and the runs queued.
			runsSeed(t, c, id, 2)
			s, _ = press(t, open(), "space")
			if q := flat(asked(s)); !enabled() || !strings.Contains(q, `Switch "Onboard" OFF?`) || !strings.Contains(q, "cancelled") {
				t.Fatalf("OFF with queued runs: enabled %v, asked %q", enabled(), q)
			}
			s, _ = press(t, s, "n")
			if !enabled() {
				t.Fatal("n switched it OFF")
			}
			s, _ = press(t, open(), "space")
			_, msgs := press(t, s, "y")
			if enabled() {
				t.Fatal("y did not switch it OFF")
			}
			if tm, ok := hasMsg[toastMsg](msgs); !ok || !strings.Contains(tm.text, "cancelled 2 queued runs") {
				t.Errorf("the toast does not say what was cancelled: %v", msgs)
			}
		})
	}
}
