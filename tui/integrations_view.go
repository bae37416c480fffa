package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// The home screen's drawing: the table of integrations, the selected one's
// webhook address, and a failing trigger's health.

func onOff(on bool) string {
	if on {
		return "ON"
	}
	return "OFF"
}

func (s *integrations) View() string {
	st := s.c.Styles
	if !s.loaded {
		return st.Faint.Render("Loading integrations…")
	}
	if len(s.rows) == 0 {
		next := st.Selected.Render("Press n to create your first integration.")
		if editable, why := s.c.can(engine.OpEditIntegration); !editable {
			next = st.Faint.Render("An admin can create one (" + why + ").")
		}
		return lipgloss.JoinVertical(lipgloss.Left, "",
			st.Title.Render("No integrations yet."), "",
			wrap("An integration is a trigger followed by Okta actions — for example: when a webhook is called with a new hire, add the user to Okta.", min(s.w, 76)),
			"", next)
	}
	// Column widths: the name takes what is left; narrow terminals drop
	// the day's counts before the name gets too short.
	stateW, trigW, lastW, resW, numW := 5, 10, 9, 14, 6
	counts := s.w >= 70
	fixed := 2 + stateW + trigW + lastW + resW + 4
	if counts {
		fixed += 2*numW + 2
	}
	nameW := min(max(s.w-fixed, 12), 48)
	var b strings.Builder
	head := "  " + pad("STATE", stateW) + " " + pad("NAME", nameW) + " " + pad("TRIGGER", trigW) + " " +
		pad("LAST RUN", lastW) + " " + pad("RESULT", resW)
	if counts {
		head += " " + pad("TODAY", numW) + " " + pad("FAILED", numW)
	}
	b.WriteString(st.Label.Render(truncate(head, s.w)) + "\n")
	rows := max(s.h-3, 1)
	start := 0
	if s.cursor >= rows {
		start = s.cursor - rows + 1
	}
	for i := start; i < len(s.rows) && i < start+rows; i++ {
		r := s.rows[i]
		marker := "  "
		if i == s.cursor {
			marker = st.Cursor.Render("▸ ")
		}
		state := st.Off.Render(pad("OFF", stateW))
		if r.in.Enabled {
			state = st.On.Render(pad("ON", stateW))
		}
		name := pad(r.in.Name, nameW)
		if i == s.cursor {
			name = st.Selected.Render(name)
		}
		if failing(r) {
			name = st.WarnText.Render("⚠ ") + pad(r.in.Name, nameW-2)
		}
		last, result := pad("—", lastW), pad("", resW)
		if r.last != nil {
			last = pad(ago(r.last.CreatedAt), lastW)
			result = s.resultCell(r, resW)
		}
		line := marker + state + " " + name + " " + pad(r.in.Trigger.Type, trigW) + " " + last + " " + result
		if counts {
			failed := pad(itoa(r.failed), numW)
			if r.failed > 0 {
				failed = st.ErrorText.Render(failed)
			}
			line += " " + pad(itoa(r.today), numW) + " " + failed
		}
		b.WriteString(truncate(line, s.w) + "\n")
	}
	if s.confirm != nil { // the app draws the question (prompter)
		return b.String()
	}
	if s.cursor < len(s.rows) && failing(s.rows[s.cursor]) {
		b.WriteString("\n" + st.WarnText.Render(strings.TrimRight(wrap(healthLine(s.rows[s.cursor].health), s.w), " \n")))
	} else if n := skippedCount(s.rows, s.cursor); n > 0 {
		b.WriteString("\n" + st.WarnText.Render(truncate(fmt.Sprintf("⚠ The trigger skipped or waits for %s · enter: its page lists them", plural(n, "item", "items")), s.w)))
	} else if sel, ok := s.selected(); ok && sel.Trigger.Type == "webhook" {
		b.WriteString("\n" + st.Faint.Render(truncate("Webhook: POST "+hookURL(s.c, sel.ID), s.w)))
	}
	return b.String()
}

func (s *integrations) resultCell(r integrationRow, w int) string {
	st := s.c.Styles
	if r.inFlight {
		return s.spin.View() + " " + pad("running", w-2)
	}
	text := string(r.last.State)
	switch r.last.State {
	case storage.RunSucceeded:
		return st.OKText.Render(pad("✓ "+text, w))
	case storage.RunFailed:
		return st.ErrorText.Render(pad("✗ "+text, w))
	case storage.RunWaiting, storage.RunRetrying:
		return st.WarnText.Render(pad("… "+text, w))
	}
	return pad(text, w)
}

// hookURL is an integration's webhook address.
func hookURL(c *Common, id string) string {
	base := c.HookBase
	if base == "" {
		switch addr, err := c.listen.addr, c.listen.err; {
		case err != nil:
			return "/hooks/" + id + " (the webhook listener is off: its port is busy; restart with --http-addr)"
		case addr != "":
			base = "http://" + addr
		default: // not listening in this process: serve's default address
			base = "http://127.0.0.1:8780"
		}
	}
	return base + "/hooks/" + id
}

// failing reports whether a row's trigger cannot poll now.
func failing(r integrationRow) bool {
	return r.in.Enabled && r.health.State == storage.HealthFailing
}

// skippedCount is how many items the selected row's working trigger
// skipped or waits for (0 when it is OFF, failing, or has none).
func skippedCount(rows []integrationRow, cursor int) int {
	if cursor >= len(rows) || !rows[cursor].in.Enabled {
		return 0
	}
	current, more := rows[cursor].health.CurrentWarnings(time.Now())
	return len(current) + more
}

// clockOrDay is a time as 15:04 today, or with its day before today.
func clockOrDay(t time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y == time.Now().Year() && m == time.Now().Month() && d == time.Now().Day() {
		return t.Format("15:04")
	}
	return t.Format("Jan 2 15:04")
}

// healthLine says why a trigger fails, since when, how often, and when it
// tries again.
func healthLine(h storage.TriggerHealth) string {
	times := "once"
	if h.Failures > 1 {
		times = fmt.Sprintf("%d times in a row", h.Failures)
	}
	line := fmt.Sprintf("⚠ The trigger failed %s, last at %s: %s", times, h.LastErrorAt.Local().Format("15:04:05"), h.LastError)
	if since := h.FailingSince; !since.IsZero() && h.Failures > 1 && since.Before(h.LastErrorAt) {
		line = fmt.Sprintf("⚠ The trigger is failing since %s (%s), last at %s: %s", clockOrDay(since), times, h.LastErrorAt.Local().Format("15:04:05"), h.LastError)
	}
	if !h.NextPollAt.IsZero() {
		line += " · next try " + runWhen(h.NextPollAt)
	}
	if !h.LastOKAt.IsZero() {
		line += " · last worked " + ago(h.LastOKAt)
	}
	return line
}
