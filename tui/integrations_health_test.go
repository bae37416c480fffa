package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// homeWith opens the home list over integrations whose trigger health is
// set, with the row of the ON one selected.
func homeWith(t *testing.T, health func(in storage.Integration) storage.TriggerHealth) string {
	t.Helper()
	c, _ := newTestCommon(t)
	on := seedIntegrations(t, c)[0] // the webhook, ON
	if _, err := eng(c).Store().SetTriggerHealth(on.ID, health(on)); err != nil {
		t.Fatal(err)
	}
	s := newIntegrations(c)
	s.SetSize(120, 30)
	sc, _ := runCmd(t, s, s.load())
	for i, r := range sc.(*integrations).rows {
		if r.in.ID == on.ID {
			sc.(*integrations).cursor = i
		}
	}
	return plain(sc)
}

// A working trigger that skipped rows says so on the home list, with where
// to see which: the list is where an admin looks first.
func TestHomeListSaysATriggerSkippedRows(t *testing.T) {
	v := homeWith(t, func(in storage.Integration) storage.TriggerHealth {
		return storage.TriggerHealth{State: storage.HealthOK, LastOKAt: time.Now(), Warnings: []storage.TriggerWarning{
			{Integration: in.ID, Reason: "bad_row", File: "hires.csv", Line: 3, Message: "hires.csv line 3: 1 field", At: time.Now()},
			{Integration: in.ID, Reason: "bad_row", File: "hires.csv", Line: 9, Message: "hires.csv line 9: 1 field", At: time.Now()}}}
	})
	if !strings.Contains(v, "⚠ The trigger skipped or waits for 2 items") || !strings.Contains(v, "enter") {
		t.Errorf("the home list does not say the trigger skipped rows:\n%s", v)
	}
}

// A failing trigger's line says since when it fails, not only its latest
// failure.
func TestHomeListSaysSinceWhenATriggerFails(t *testing.T) {
	since := time.Now().Add(-2 * time.Hour)
	v := homeWith(t, func(storage.Integration) storage.TriggerHealth {
		return storage.TriggerHealth{State: storage.HealthFailing, Failures: 40, LastError: "connection refused",
			LastErrorAt: time.Now(), FailingSince: since}
	})
	if want := "failing since " + since.Local().Format("15:04"); !strings.Contains(v, want) {
		t.Errorf("the home list lacks %q:\n%s", want, v)
	}
}
