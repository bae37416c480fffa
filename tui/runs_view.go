package tui

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// runsColumns are the widths of the table's columns for a body width.
type runsColumns struct{ id, name, state, attempt, created, result int }

func (s *runs) columns() runsColumns {
	c := runsColumns{id: 7, state: 12, attempt: 7, created: 12}
	if s.integrationID == "" {
		c.name = min(max(s.w/5, 12), 30)
	}
	used := 2 + c.id + 1 + c.state + 1 + c.attempt + 1 + c.created + 1
	if c.name > 0 {
		used += c.name + 1
	}
	c.result = max(s.w-used, 10)
	return c
}

func (s *runs) View() string {
	st := s.c.Styles
	lines := []string{s.filterLine()}
	if !s.loaded {
		lines = append(lines, "", st.Faint.Render("Loading runs…"))
		return strings.Join(lines, "\n")
	}
	if len(s.rows) == 0 {
		lines = append(lines, "", st.Title.Render(s.emptyTitle()), "", wrap(s.emptyHint(), min(s.w, 76)))
		return strings.Join(lines, "\n")
	}
	cols := s.columns()
	head := "  " + pad("RUN", cols.id) + " "
	if cols.name > 0 {
		head += pad("INTEGRATION", cols.name) + " "
	}
	head += pad("STATE", cols.state) + " " + pad("ATTEMPT", cols.attempt) + " " + pad("CREATED", cols.created) + " " + "RESULT"
	lines = append(lines, st.Label.Render(truncate(head, s.w)))
	n := s.tableRows()
	from, to := s.list.Window()
	for i := from; i < to; i++ {
		lines = append(lines, s.rowView(i, cols))
	}
	for len(lines) < n+2 {
		lines = append(lines, "")
	}
	lines = append(lines, s.bottomLine())
	return strings.Join(lines, "\n")
}

func (s *runs) rowView(i int, cols runsColumns) string {
	st := s.c.Styles
	r := s.rows[i]
	marker := "  "
	id := pad(r.ID.String(), cols.id)
	if i == s.list.Cursor() {
		marker = st.Cursor.Render("▸ ")
		id = st.Selected.Render(id)
	}
	line := marker + id + " "
	if cols.name > 0 {
		name, ok := s.names[r.IntegrationID]
		if !ok {
			name = st.Faint.Render(pad(r.IntegrationID, cols.name))
		} else {
			name = pad(name, cols.name)
		}
		line += name + " "
	}
	attempt := "—"
	if r.Attempt > 0 {
		attempt = itoa(r.Attempt)
	}
	line += runStateCell(st, s.spin.Spinner(), r.State, cols.state) + " " + pad(attempt, cols.attempt) + " " +
		st.Faint.Render(pad(ago(r.CreatedAt), cols.created)) + " " + runResultCell(st, r, cols.result)
	return truncate(line, s.w)
}

// runStateCell is a run's state, coloured, with a mark (a spinner while it
// runs), padded to w.
func runStateCell(st *Styles, spin string, state storage.RunState, w int) string {
	text := string(state)
	switch state {
	case storage.RunSucceeded:
		return st.OKText.Render(pad("✓ "+text, w))
	case storage.RunFailed:
		return st.ErrorText.Render(pad("✗ "+text, w))
	case storage.RunWaiting, storage.RunRetrying:
		return st.WarnText.Render(pad("⏸ "+text, w))
	case storage.RunRunning:
		return spin + " " + st.Badge.Render(pad(text, w-2))
	case storage.RunCancelled:
		return st.Faint.Render(pad("⊘ "+text, w))
	}
	return st.Faint.Render(pad("· "+text, w))
}

// runResultCell sums a run up: the error that ended or delays it, else each
// step's outcome.
func runResultCell(st *Styles, r storage.Run, w int) string {
	switch {
	case r.State == storage.RunWaiting && !r.NextDue.IsZero():
		return st.WarnText.Render(truncate("rate limit: waiting until "+r.NextDue.Local().Format("15:04:05"), w))
	case r.Error != nil && r.State != storage.RunSucceeded:
		text := r.Error.Message
		if r.Error.Code != "" && !strings.Contains(text, r.Error.Code) {
			text = r.Error.Code + " " + text
		}
		style := st.ErrorText
		if r.State == storage.RunRetrying {
			style = st.WarnText
		} else if r.State == storage.RunCancelled {
			style = st.Faint
		}
		return style.Render(truncate(runOneLine(text), w))
	}
	var outcomes []string
	for _, step := range r.Steps {
		if step.Error != nil {
			outcomes = append(outcomes, step.StepID+": "+step.Error.Message)
			continue
		}
		var out struct {
			Outcome string `json:"outcome"`
		}
		if json.Unmarshal(step.Output, &out) == nil && out.Outcome != "" {
			outcomes = append(outcomes, out.Outcome)
		}
	}
	if len(outcomes) == 0 {
		return ""
	}
	return truncate(runOneLine(strings.Join(outcomes, " · ")), w)
}

// runOneLine folds newlines so a message fits on a table row.
func runOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// filterLine shows the state filter and where the cursor is.
func (s *runs) filterLine() string {
	st := s.c.Styles
	var chips []string
	for _, f := range runsFilters {
		name := string(f)
		if f == "" {
			name = "all"
		}
		if f == s.filter {
			chips = append(chips, st.Selected.Render("["+name+"]"))
		} else {
			chips = append(chips, st.Faint.Render(name))
		}
	}
	left := st.Label.Render("State ") + strings.Join(chips, " ")
	pos := s.position()
	if lipgloss.Width(left)+lipgloss.Width(pos)+2 > s.w {
		cur := "all"
		if s.filter != "" {
			cur = string(s.filter)
		}
		left = st.Label.Render("State: ") + st.Selected.Render(cur) + st.Faint.Render("  (f: next)")
	}
	gap := max(s.w-lipgloss.Width(left)-lipgloss.Width(pos), 1)
	return truncate(left+strings.Repeat(" ", gap)+pos, s.w)
}

// position is "run 12 of 600" (or "of 200+" while older pages are not
// loaded and the total is unknown).
func (s *runs) position() string {
	st := s.c.Styles
	if !s.loaded || len(s.rows) == 0 {
		return ""
	}
	of := itoa(len(s.rows))
	switch {
	case s.total >= len(s.rows):
		of = itoa(s.total)
	case !s.exhausted:
		of += "+"
	}
	return st.Faint.Render(fmt.Sprintf("%d of %s", s.list.Cursor()+1, of))
}

func (s *runs) bottomLine() string {
	st := s.c.Styles
	var parts []string
	if s.fresh > 0 {
		parts = append(parts, st.Badge.Render(fmt.Sprintf("↑ %d new (g)", s.fresh)))
	}
	if s.loading {
		parts = append(parts, st.Faint.Render("loading older runs…"))
	}
	if r, ok := s.selected(); ok {
		switch {
		case r.State == storage.RunWaiting && !r.NextDue.IsZero():
			parts = append(parts, st.WarnText.Render("Okta rate limit: waiting until "+r.NextDue.Local().Format("15:04:05")))
		case r.State == storage.RunRetrying && !r.NextDue.IsZero():
			parts = append(parts, st.WarnText.Render("next try "+runWhen(r.NextDue)))
		case runRetryable(r.State):
			if ok, _ := s.c.can(engine.OpRetry); ok {
				parts = append(parts, st.Faint.Render("ctrl+r retries this run"))
			}
		}
	}
	return truncate(strings.Join(parts, st.Faint.Render(" · ")), s.w)
}

func (s *runs) emptyTitle() string {
	if s.filter != "" {
		return fmt.Sprintf("No %s runs.", s.filter)
	}
	return "No runs yet."
}

func (s *runs) emptyHint() string {
	switch {
	case s.filter != "":
		return "Press f to show runs in another state."
	case s.integrationID != "":
		return "Switch the integration ON and fire its trigger (for a webhook, POST a JSON body to its URL); each event becomes a run here."
	}
	return "Switch an integration ON and fire its trigger; each event becomes a run here, live."
}
