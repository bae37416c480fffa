package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/mapping"
)

// Layout. Narrow (80 columns): head, field list, then options and the
// selected field (or the editor) below. Wide (150+): the list on the left,
// options and details (or the editor) in a panel on the right.

// wideAt is the body width from which the panel sits beside the list.
const wideAt = 150

func (s *mappingScreen) wide() bool { return s.w >= wideAt }

// widths returns the list's and the panel's widths.
func (s *mappingScreen) widths() (list, panel int) {
	if !s.wide() {
		return s.w, s.w
	}
	panel = min(max(s.w*2/5, 56), 90)
	return s.w - panel - 3, panel
}

// suggRows is how many suggestions show at once.
func (s *mappingScreen) suggRows() int {
	n := s.input.Shown()
	if n == 0 {
		return 1
	}
	if s.wide() {
		return min(n, max(s.h-len(s.headLines())-6, 3))
	}
	return min(n, max(min(s.h/4, 8), 3))
}

// headLines are the lines above the list: action and account, schema
// state, required-field state.
func (s *mappingScreen) headLines() []string {
	st := s.c.Styles
	step := s.stepRef()
	var out []string
	acct := st.WarnText.Render("no account")
	switch {
	case s.act.Traits().Connector == action.ConnectorNone:
		acct = st.Faint.Render("needs no account")
	case s.account != nil:
		acct = "account " + st.Bold.Render(s.account.Name) + st.Faint.Render(" · "+s.account.OrgURL)
	}
	out = append(out, truncate(st.Title.Render(s.act.Title())+st.Faint.Render(" ("+s.act.ID()+")")+st.Faint.Render(" · ")+acct, s.w))
	switch {
	case s.busy.Active():
		out = append(out, s.busy.View())
	case s.accountErr != "":
		out = append(out, st.WarnText.Render(truncate("⚠ "+s.accountErr, s.w)))
	case s.act.Traits().Connector == action.ConnectorNone:
		// its fields are its own: no org schema to read
	case !s.fetched:
		out = append(out, truncate(st.WarnText.Render("⚠ schema not fetched: ctrl+f to read the org's fields")+
			st.Faint.Render(" · showing Okta's base profile"), s.w))
	default:
		note := "fields from the org's schema, read " + ago(s.schema.FetchedAt)
		if s.lastNote != "" {
			note = "fields refreshed: " + s.lastNote
		}
		out = append(out, st.Faint.Render(truncate(note+" · ctrl+f refreshes", s.w)))
	}
	switch {
	case s.d.sample == nil:
		out = append(out, st.WarnText.Render(truncate("⚠ no sample yet: ctrl+l loads the trigger's latest event", s.w)))
	default:
		hint := " · ctrl+l loads the latest"
		if s.d.starter {
			hint = " · ctrl+l loads the real one"
		}
		out = append(out, st.Faint.Render(truncate("sample: "+s.d.sampleSource+hint, s.w)))
	}
	if ok, why := s.c.can(engine.OpEditIntegration); !ok {
		out = append(out, st.WarnText.Render(truncate("⚠ "+why, s.w)))
	}
	if n := s.errorCount(); n > 0 {
		verb := " does not compile: see ✗ beside it"
		if n > 1 {
			verb = " do not compile: see ✗ beside them"
		}
		out = append(out, st.ErrorText.Render(truncate("✗ "+plural(n, "mapping", "mappings")+verb, s.w)))
	} else if missing := s.unmappedRequired(); len(missing) > 0 {
		word := "fields"
		if len(missing) == 1 {
			word = "field"
		}
		out = append(out, st.ErrorText.Render(truncate(fmt.Sprintf("✗ %d required %s unmapped: %s", len(missing), word, strings.Join(missing, ", ")), s.w)))
	} else if step != nil {
		var mapped []string
		for name, src := range step.Fields {
			if strings.TrimSpace(src) != "" {
				mapped = append(mapped, name)
			}
		}
		if err := s.act.Check(mapped, step.Options); err != nil {
			out = append(out, st.WarnText.Render(truncate("⚠ "+err.Error(), s.w)))
		} else {
			out = append(out, st.OKText.Render("✓ every required field is mapped"))
		}
	}
	return out
}

// panelLines are the options and the selected field's details, or the
// editing panel, for a panel w wide.
func (s *mappingScreen) panelLines(w int) []string {
	if s.groups != nil {
		return s.groupLines(w)
	}
	if s.editing {
		return s.editorView(w)
	}
	st := s.c.Styles
	var out []string
	if len(s.opts) > 0 {
		out = append(out, st.Section.Render("Options"))
		for i, o := range s.opts {
			idx := len(s.rows) + i
			marker := "  "
			if idx == s.list.Cursor() {
				marker = st.Cursor.Render("▸ ")
			}
			var val string
			switch o.Type {
			case "boolean":
				box := "[ ]"
				if truthy(s.optionValue(o)) {
					box = "[x]"
				}
				val = box + " " + o.Title
			default:
				val = o.Title + ": ‹" + fmt.Sprint(s.optionValue(o)) + "›"
			}
			if idx == s.list.Cursor() {
				val = st.Selected.Render(val)
			} else {
				val = st.Bold.Render(val)
			}
			line := marker + val
			if !s.wide() {
				line += st.Faint.Render("  " + o.Description)
			}
			out = append(out, truncate(line, w))
		}
		out = append(out, "")
	}
	return append(out, s.detailLines(w)...)
}

// block wraps text to w (the whole of it on a wide panel, its first line
// on a narrow screen) in a style.
func (s *mappingScreen) block(style lipgloss.Style, text string, w int) []string {
	if !s.wide() {
		return []string{style.Render(truncate(text, w))}
	}
	var out []string
	for _, l := range strings.Split(wrap(text, w), "\n") {
		out = append(out, style.Render(strings.TrimRight(l, " ")))
	}
	return out
}

// detailLines describe the selected field or option.
func (s *mappingScreen) detailLines(w int) []string {
	st := s.c.Styles
	if o, ok := s.selectedOption(); ok {
		hint := "space toggles"
		if o.Type == "enum" {
			hint = "space cycles: " + strings.Join(o.Values, ", ")
		}
		return append([]string{truncate(st.Bold.Render(o.Title)+st.Faint.Render(" · "+hint), w)}, s.block(st.Faint, o.Description, w)...)
	}
	row, ok := s.selectedRow()
	if !ok {
		return nil
	}
	f := row.f
	head := st.Bold.Render(f.Name)
	if f.Title != "" && f.Title != f.Name {
		head += " · " + f.Title
	}
	meta := []string{string(f.Type)}
	if f.Required {
		meta = append(meta, "required")
	}
	if f.Custom {
		meta = append(meta, "custom attribute")
	}
	head += st.Faint.Render(" · " + strings.Join(meta, " · "))
	lines := []string{truncate(head, w)}
	desc := f.Description
	if len(f.Enum) > 0 {
		desc = strings.TrimSpace(desc + " · one of: " + strings.Join(f.Enum, ", "))
	}
	if row.orphan {
		lines = append(lines, s.block(st.WarnText, "⚠ the schema has no such field any more: refresh (ctrl+f), or clear this mapping (x)", w)...)
	} else if desc != "" {
		lines = append(lines, s.block(st.Faint, desc, w)...)
	}
	if f.Pick != action.PickNone {
		lines = append(lines, st.Faint.Render(truncate("ctrl+o picks a group by name", w)))
	}
	if err := s.errs[f.Name]; err != nil {
		lines = append(lines, s.block(st.ErrorText, "✗ "+err.Error(), w)...)
	} else if src, ok := s.stepRef().Fields[f.Name]; ok && !(f.Secret && !s.revealed) {
		lines = append(lines, s.block(st.Code, src, w)...)
	}
	if s.wide() {
		if ok, _ := s.c.can(engine.OpEditIntegration); ok {
			lines = append(lines, "", st.Faint.Render("enter edits · x clears"))
		}
	}
	return lines
}

func (s *mappingScreen) editorView(w int) []string {
	st := s.c.Styles
	row, _ := s.selectedRow()
	head := "Editing " + st.Bold.Render(row.f.Name)
	if row.f.Required {
		head += st.Required.Render(" *")
	}
	if row.f.Description != "" {
		head += st.Faint.Render(" · " + row.f.Description)
	}
	out := []string{truncate(head, w), truncate(s.input.InputView(), w)}
	switch v := s.input.Value(); {
	case s.input.Err() != nil:
		out = append(out, st.ErrorText.Render(truncate("✗ "+s.input.Err().Error(), w)))
	case strings.TrimSpace(v) == "":
		out = append(out, st.Faint.Render(truncate("empty: enter removes the mapping", w)))
	case isLiteral(v): // what the text becomes for the field's type (fieldnote.go)
		note, style := literalNote(row.f, v), st.OKText
		if note.bad {
			style = st.ErrorText
		}
		out = append(out, style.Render(truncate(note.text, w)))
	default:
		out = append(out, st.OKText.Render("✓ compiles"))
	}
	switch {
	case s.live != "" && s.liveBad:
		out = append(out, st.WarnText.Render(truncate(s.live, w)))
	case s.live != "":
		out = append(out, st.Code.Render(truncate(s.live, w)))
	}
	out = append(out, st.Faint.Render(truncate(`text as typed · {{ trigger.email }} reads the event · {{ x ?? "none" }} a default · {{ lower(x) }} · esc, ? lists more`, w)))
	if row.f.Pick != action.PickNone {
		out = append(out, st.Faint.Render(truncate("ctrl+o picks a group by name", w)))
	}
	if !s.input.HasSuggestions() || s.input.Shown() == 0 {
		out = append(out, st.Section.Render("Suggestions"))
		if !s.input.HasSuggestions() {
			return append(out, st.Faint.Render(truncate("  no sample yet: load or write one on the Test screen (ctrl+l / ctrl+e) to see the trigger's fields", w)))
		}
		return append(out, st.Faint.Render(truncate("  no path matches \""+s.input.Query()+"\"", w)))
	}
	label := "Suggestions · ↑/↓ choose · tab inserts"
	if s.d.sample == nil {
		label += " · no trigger sample yet (Test screen: ctrl+l)"
	}
	out = append(out, st.Section.Render(truncate(label, w)))
	return append(out, s.input.SuggestionLines(w, "known after a test run")...)
}

// isLiteral reports whether a mapping is plain text (no {{ }}).
func isLiteral(src string) bool {
	t, err := mapping.Parse(src)
	return err == nil && t.IsLiteral()
}

// listHeight is how many field rows fit.
func (s *mappingScreen) listHeight() int {
	if s.act == nil || !s.loaded {
		return 1
	}
	used := len(s.headLines()) + 2 // blank + column header
	if !s.wide() {
		used += len(s.panelLines(s.w))
	}
	return max(s.h-used, 1)
}

func (s *mappingScreen) View() string {
	st := s.c.Styles
	step := s.stepRef()
	switch {
	case step == nil:
		return st.ErrorText.Render("This step no longer exists.")
	case s.act == nil:
		return st.ErrorText.Render(fmt.Sprintf("Step %s has the unknown action %q: pick an action for it first.", step.ID, step.Action))
	case !s.loaded:
		return st.Faint.Render("Loading the account's fields…")
	}
	listW, panelW := s.widths()
	head := s.headLines()
	panel := s.panelLines(panelW)
	rows := s.listHeight()
	list := s.listLines(listW, rows)
	body := list
	if s.wide() {
		left := lipgloss.NewStyle().Width(listW).Render(strings.Join(list, "\n"))
		rule := lipgloss.NewStyle().Foreground(st.Subtle).Render(strings.Repeat("│\n", max(len(list), len(panel))))
		right := strings.Join(panel, "\n")
		body = []string{lipgloss.JoinHorizontal(lipgloss.Top, left, " ", strings.TrimSuffix(rule, "\n"), " ", right)}
	} else {
		body = append(body, panel...)
	}
	return strings.Join(append(append(head, ""), body...), "\n")
}
