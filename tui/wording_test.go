package tui

import (
	"errors"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// Words people read: plurals, articles, names for people (QA bug 11).
func TestWording(t *testing.T) {
	t.Run("a description of one character", func(t *testing.T) {
		c, _ := newTestCommon(t)
		var s Screen = newWizard(c)
		s.SetSize(78, 20)
		s = typeText(t, s, "Onboard")
		s, _ = press(t, s, "tab")
		s = typeText(t, s, "x")
		if v := plain(s); !strings.Contains(v, "1 character · shown under the name") {
			t.Errorf("want “1 character”:\n%s", v)
		}
	})
	t.Run("starter samples name the trigger", func(t *testing.T) {
		for typ, want := range map[string]string{
			trigger.OktaEvent: "a starter sample of an Okta event", trigger.Webhook: "a starter sample of a webhook call",
			trigger.CSV: "a starter sample of a CSV row", trigger.Kissflow: "a starter sample of a Kissflow item",
			trigger.HTTPPoll: "a starter sample of an item of the JSON API", trigger.Manual: "a starter sample of a run's event",
		} {
			d := newDraft(storage.Integration{Trigger: storage.Trigger{Type: typ}})
			d.setStarter(map[string]any{})
			if d.sampleSource != want {
				t.Errorf("%s: %q, want %q", typ, d.sampleSource, want)
			}
		}
	})
	t.Run("test summaries", func(t *testing.T) {
		for _, tc := range []struct {
			ok, steps int
			nothing   bool
			want      string
		}{
			{1, 1, false, "the step succeeded"}, {0, 1, false, "the step failed"},
			{3, 3, false, "all 3 steps succeeded"}, {1, 3, false, "1 of 3 steps succeeded"},
			{0, 2, true, "nothing ran"},
		} {
			if got := testSummary(tc.ok, tc.steps, tc.nothing); got != tc.want {
				t.Errorf("%d of %d (nothing ran %v): %q, want %q", tc.ok, tc.steps, tc.nothing, got, tc.want)
			}
		}
	})
	t.Run("a problem of the whole integration", func(t *testing.T) {
		in := storage.Integration{Name: "x"}
		for path, want := range map[string]string{
			"steps": "Steps: add at least one action step", "name": "Name: add at least one action step",
			"steps[0].fields.email": "Step 1 · email: add at least one action step",
		} {
			if got := problemText(in, &engine.Problem{Path: path, Msg: "add at least one action step"}); got != want {
				t.Errorf("%s: %q, want %q", path, got, want)
			}
		}
	})
	t.Run("no sample: the app's keys, not the CLI's flag", func(t *testing.T) {
		c, _ := newTestCommon(t)
		d := testDraft("ada@acme.com")
		d.sample, d.sampleSource = nil, ""
		s := openTest(t, c, d, 78, 20)
		s, _ = press(t, s, "ctrl+l")
		v := flat(plain(s))
		if strings.Contains(v, "--event") || !strings.Contains(v, "ctrl+e") {
			t.Errorf("want the app's way to give an event, not the CLI's --event:\n%s", plain(s))
		}
		_, err := eng(c).Sample(c.Ctx, d.in)
		var none *engine.NoSampleError
		if !errors.As(err, &none) || strings.Contains(err.Error(), "--event") {
			t.Errorf("the engine's error is not a typed NoSampleError free of CLI flags: %v", err)
		}
	})
}
