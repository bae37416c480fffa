package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/mapping"
)

// refresh re-reads the org's user schema; mappings live in the draft and
// are not touched.
func (s *mappingScreen) refresh() tea.Cmd {
	if cmd := s.c.disabled(engine.OpAccounts); cmd != nil {
		return cmd
	}
	if s.busy.Active() {
		return nil
	}
	if s.account == nil {
		if s.accountErr != "" {
			return toast("Cannot refresh: " + s.accountErr)
		}
		return toast("Cannot refresh: the step has no account")
	}
	start := s.busy.Start("Reading the org's user schema…")
	b, ctx, a := s.c.Backend, s.c.Ctx, *s.account
	return tea.Batch(start, func() tea.Msg {
		sc, err := b.RefreshSchema(ctx, a.ID)
		fail, warn := outcome(err)
		return schemaRefreshedMsg{schema: sc, err: fail, warn: warn}
	})
}

func (s *mappingScreen) startEdit() tea.Cmd {
	row, ok := s.selectedRow()
	st := s.stepRef()
	if !ok || st == nil {
		return nil
	}
	if cmd := s.c.disabled(engine.OpEditIntegration); cmd != nil {
		return cmd
	}
	s.editing = true
	return s.input.Start(st.Fields[row.f.Name], mappingSuggestions(s.d, s.step), row.f.Secret && !s.revealed, s.check)
}

func (s *mappingScreen) onEditKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		s.stopEdit()
		return nil
	case key.Matches(msg, k.Enter):
		s.save(s.input.Value())
		s.stopEdit()
		return nil
	case key.Matches(msg, k.PickGroup):
		return s.openGroups()
	case key.Matches(msg, k.Reveal):
		if row, ok := s.selectedRow(); ok && row.f.Secret {
			s.revealed = !s.revealed
			s.input.SetSecret(!s.revealed)
		}
		return nil
	}
	return s.input.Update(msg)
}

func (s *mappingScreen) stopEdit() {
	s.editing = false
	s.input.Stop()
}

// save stores a field's mapping in the draft (an empty one removes it).
func (s *mappingScreen) save(v string) {
	row, ok := s.selectedRow()
	st := s.stepRef()
	if !ok || st == nil {
		return
	}
	name := row.f.Name
	old, had := st.Fields[name]
	if strings.TrimSpace(v) == "" {
		if had {
			delete(st.Fields, name)
			s.d.dirty = true
		}
	} else if !had || old != v {
		if st.Fields == nil {
			st.Fields = map[string]string{}
		}
		st.Fields[name] = v
		s.d.dirty = true
	}
	if row.orphan && strings.TrimSpace(v) == "" {
		s.rebuild() // an orphan without a mapping is gone
		return
	}
	s.recheck()
}

func (s *mappingScreen) clearField() tea.Cmd {
	row, ok := s.selectedRow()
	st := s.stepRef()
	if !ok || st == nil {
		return nil
	}
	if _, had := st.Fields[row.f.Name]; !had {
		return nil
	}
	if cmd := s.c.disabled(engine.OpEditIntegration); cmd != nil {
		return cmd
	}
	s.save("")
	return toast("Cleared the mapping of " + row.f.Name)
}

// optionValue is an option's current value: the step's, or its default.
func (s *mappingScreen) optionValue(o action.Option) any {
	if st := s.stepRef(); st != nil {
		if v, ok := st.Options[o.Name]; ok {
			return v
		}
	}
	return o.Default
}

func (s *mappingScreen) toggleOption() tea.Cmd {
	o, ok := s.selectedOption()
	st := s.stepRef()
	if !ok || st == nil {
		return nil
	}
	if cmd := s.c.disabled(engine.OpEditIntegration); cmd != nil {
		return cmd
	}
	var next any
	switch o.Type {
	case "boolean":
		next = !truthy(s.optionValue(o))
	case "enum":
		if len(o.Values) == 0 {
			return nil
		}
		cur := fmt.Sprint(s.optionValue(o))
		i := slices.Index(o.Values, cur)
		next = o.Values[(i+1)%len(o.Values)]
	default:
		return nil
	}
	if st.Options == nil {
		st.Options = map[string]any{}
	}
	st.Options[o.Name] = next
	s.d.dirty = true
	return nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true" || x == "yes" || x == "1"
	}
	return false
}

// refreshLive resolves the mapping being edited against the sample.
func (s *mappingScreen) refreshLive() {
	s.live, s.liveBad = liveValue(s.input.Value(), s.d)
}

// liveValue is what src gives for the draft's sample and the outputs of
// earlier steps' tests, in a line: the value, a path the sample lacks, or
// that only a test run knows it (it reads an earlier step).
func liveValue(src string, d *draft) (string, bool) {
	if strings.TrimSpace(src) == "" {
		return "", false
	}
	t, err := mapping.Parse(src)
	if err != nil {
		return "", false // the compile error shows already
	}
	if d.sample == nil {
		return "no sample to resolve it against: press esc, then ctrl+l to load the trigger's latest item", false
	}
	steps := make(map[string]any, len(d.outputs))
	for id, o := range d.outputs {
		steps[id] = o
	}
	v, err := t.Eval(mapping.Env{Trigger: d.sample, Steps: steps})
	if paths, ok := mapping.Deferred(err); ok {
		return "known in a test run: it reads " + strings.Join(paths, ", "), false
	}
	var missing *mapping.MissingError
	if errors.As(err, &missing) {
		return "⚠ the sample has no " + strings.Join(missing.Paths, ", ") + `: check the path, or give a default with ?? "…"`, true
	}
	if err != nil {
		return "✗ " + err.Error(), true
	}
	return "→ " + mapping.Format(v) + "  (for this sample)", false
}
