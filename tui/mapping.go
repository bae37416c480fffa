package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// mappingScreen maps one step's Okta fields: each field holds a literal or
// a {{ template }} over the trigger's event and earlier steps' outputs. The
// fields come from the account's cached user schema (base and custom);
// Refresh fields re-reads it and keeps every mapping. Edits go straight
// into the shared draft; the wizard or editor saves it.
type mappingScreen struct {
	c    *Common
	d    *draft
	step int
	act  action.Action

	loaded     bool
	account    *storage.Account // nil: no account picked, or not found
	accountErr string
	schema     storage.UserSchema
	fetched    bool // the schema was read from the org (else the base profile)
	rows       []fieldRow
	opts       []action.Option
	errs       map[string]error // compile errors by field name

	list     widget.List // the cursor: over rows, then options
	revealed bool

	editing bool
	input   *widget.TemplateInput
	groups  *groupPicker // open over the field or its editor (see mapping_groups.go)
	// live is what the mapping being edited gives for the sample, as it is
	// typed (liveBad: the sample lacks a path it reads).
	live     string
	liveBad  bool
	busy     widget.Busy
	w, h     int
	lastNote string // the outcome of the last refresh
}

// fieldRow is one mappable field; orphan rows hold a mapping to a field the
// schema no longer has (kept, shown with a warning, never dropped).
type fieldRow struct {
	f      action.Field
	orphan bool
}

type mappingLoadedMsg struct {
	account    *storage.Account
	accountErr string
	schema     storage.UserSchema
	fetched    bool
}

type schemaRefreshedMsg struct {
	schema    storage.UserSchema
	err, warn error
}

func newMapping(c *Common, d *draft, step int) Screen {
	s := &mappingScreen{c: c, d: d, step: step, errs: map[string]error{}}
	if st, ok := d.step(step); ok {
		s.act, _ = action.Lookup(st.Action)
	}
	s.input = widget.NewTemplateInput(c.Styles.Styles, c.Keys.Template())
	s.busy = widget.NewBusy(c.Styles.Styles)
	return s
}

func (s *mappingScreen) Title() string {
	if st, ok := s.d.step(s.step); ok {
		return "Map fields · " + st.ID
	}
	return "Map fields"
}

func (s *mappingScreen) Capturing() bool { return s.editing || s.groups != nil }

func (s *mappingScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	_, panel := s.widths()
	s.input.SetWidth(panel)
	s.layout()
}

// layout sizes the field list and the suggestions to what the head and
// the panel leave; Update calls it after every change, so View only reads.
func (s *mappingScreen) layout() {
	s.input.SetRows(s.suggRows()) // first: the panel's height depends on it
	s.list.SetLen(s.count())
	s.list.SetHeight(s.listHeight())
	s.layoutGroups()
}

// Init reads the fields; a saved webhook or manual integration without a
// sample also takes the event of its latest run, for the suggestions.
func (s *mappingScreen) Init() tea.Cmd {
	cmds := []tea.Cmd{s.load()}
	if s.d.sample == nil { // sample first: suggestions and live values need one
		b, tr := s.c.Backend, s.d.in.Trigger
		cmds = append(cmds, func() tea.Msg { return starterMsg{b.StarterSample(tr)} })
	}
	if spec, ok := trigger.Lookup(s.d.in.Trigger.Type); ok && spec.Push && s.d.in.ID != "" && (s.d.sample == nil || s.d.starter) {
		cmds = append(cmds, s.loadSample(false))
	}
	return tea.Batch(cmds...)
}

// starterMsg carries an example event of the trigger (a Kissflow item, an
// Okta System Log event of its type, a row of the CSV file's header...).
type starterMsg struct{ sample map[string]any }

// mappingSampleMsg carries the trigger's sample: asked for (ctrl+l), or
// looked for on opening (then a missing one is no problem).
type mappingSampleMsg struct {
	sample map[string]any
	err    error
	asked  bool
}

// loadSample asks the trigger for its latest event (a webhook's latest
// run's; a poll trigger reads its source, without moving its cursor).
func (s *mappingScreen) loadSample(asked bool) tea.Cmd {
	b, ctx, in := s.c.Backend, s.c.Ctx, cloneIntegration(s.d.in)
	return func() tea.Msg {
		ev, err := b.Sample(ctx, in)
		return mappingSampleMsg{sample: ev, err: err, asked: asked}
	}
}

// load reads the step's account and its cached schema.
func (s *mappingScreen) load() tea.Cmd {
	st, ok := s.d.step(s.step)
	if !ok {
		return nil
	}
	store, name := s.c.Backend, st.Account
	if s.act != nil && s.act.Traits().Connector == action.ConnectorNone {
		return func() tea.Msg { return mappingLoadedMsg{} } // it acts on no account
	}
	return func() tea.Msg {
		if name == "" {
			return mappingLoadedMsg{accountErr: "no account picked for this step: the fields are Okta's base profile"}
		}
		a, err := store.Account(name)
		if err != nil {
			return mappingLoadedMsg{accountErr: fmt.Sprintf("account %q: %v", name, err)}
		}
		sc, err := store.Schema(a.ID)
		switch {
		case errors.Is(err, storage.ErrNotFound): // never fetched: the base profile
			return mappingLoadedMsg{account: &a}
		case err != nil:
			return mappingLoadedMsg{account: &a, accountErr: fmt.Sprintf("the cached schema of %q: %v", name, err)}
		}
		return mappingLoadedMsg{account: &a, schema: sc, fetched: true}
	}
}

// step is the step being mapped (nil when the index is stale).
func (s *mappingScreen) stepRef() *storage.Step {
	st, _ := s.d.step(s.step)
	return st
}

// rebuild lists the action's fields for the schema, then any mapped field
// the schema lacks, and recompiles every mapping.
func (s *mappingScreen) rebuild() {
	st := s.stepRef()
	if st == nil || s.act == nil {
		return
	}
	selName, selOpt := "", -1
	if len(s.rows) > 0 {
		selOpt = s.list.Cursor() - len(s.rows)
	}
	if r, ok := s.selectedRow(); ok {
		selName = r.f.Name
	}
	s.rows = nil
	known := map[string]bool{}
	for _, f := range s.act.Fields(s.schema) {
		known[f.Name] = true
		s.rows = append(s.rows, fieldRow{f: f})
	}
	for _, name := range sampleKeys(st.Fields) {
		if !known[name] {
			s.rows = append(s.rows, fieldRow{f: action.Field{Name: name, Title: name, Type: "?"}, orphan: true})
		}
	}
	s.opts = s.act.Options()
	s.recheck()
	// the cursor stays on the same field (or option) when fields come and go
	s.list.SetLen(s.count())
	if selName != "" {
		for i, r := range s.rows {
			if r.f.Name == selName {
				s.list.Select(i)
			}
		}
	} else if selOpt >= 0 {
		s.list.Select(len(s.rows) + selOpt)
	}
}

// recheck compiles every mapping of the step, as saving will.
func (s *mappingScreen) recheck() {
	st := s.stepRef()
	s.errs = map[string]error{}
	if st == nil {
		return
	}
	for name, src := range st.Fields {
		if err := s.check(src); err != nil {
			s.errs[name] = err
		}
	}
}

// check compiles one mapping as saving will: it may read the trigger and
// the steps before this one.
func (s *mappingScreen) check(src string) error {
	return checkMapping(src, earlierSteps(s.d, s.step))
}

func (s *mappingScreen) count() int { return len(s.rows) + len(s.opts) }

// selectedRow returns the field under the cursor.
func (s *mappingScreen) selectedRow() (fieldRow, bool) {
	if c := s.list.Cursor(); c < len(s.rows) {
		return s.rows[c], true
	}
	return fieldRow{}, false
}

func (s *mappingScreen) selectedOption() (action.Option, bool) {
	i := s.list.Cursor() - len(s.rows)
	if i >= 0 && i < len(s.opts) {
		return s.opts[i], true
	}
	return action.Option{}, false
}

// unmappedRequired lists the required fields without a mapping.
func (s *mappingScreen) unmappedRequired() []string {
	st := s.stepRef()
	var out []string
	for _, r := range s.rows {
		if r.f.Required && (st == nil || strings.TrimSpace(st.Fields[r.f.Name]) == "") {
			out = append(out, r.f.Name)
		}
	}
	return out
}

func (s *mappingScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	cmd := s.update(msg)
	if s.editing {
		s.refreshLive()
	}
	s.layout()
	return s, cmd
}

func (s *mappingScreen) update(msg tea.Msg) tea.Cmd {
	if cmd, ok := s.busy.Update(msg); ok {
		return cmd
	}
	if s.groups != nil {
		if cmd, ok := s.updateGroups(msg); ok {
			return cmd
		}
	}
	switch msg := msg.(type) {
	case starterMsg:
		if s.d.sample == nil && msg.sample != nil { // the real one may have come first
			s.d.setStarter(msg.sample)
			if s.editing {
				s.input.SetSuggestions(mappingSuggestions(s.d, s.step))
			}
		}
		return nil
	case mappingSampleMsg:
		s.busy.Stop()
		switch {
		case msg.err != nil && msg.asked:
			return toast("No sample: " + sampleErrText(msg.err, "write one on the Test screen (ctrl+e)"))
		case msg.err != nil || (!msg.asked && s.d.sample != nil && !s.d.starter):
			return nil // none yet, or one was loaded or written meanwhile
		}
		s.d.sample, s.d.sampleSource, s.d.starter = msg.sample, "the trigger's latest event · loaded "+time.Now().Format("15:04:05"), false
		if s.editing {
			s.input.SetSuggestions(mappingSuggestions(s.d, s.step))
			s.refreshLive()
		}
		if !msg.asked {
			return nil
		}
		return toast("Sample loaded: suggestions and values come from it")
	case mappingLoadedMsg:
		s.loaded = true
		s.account, s.accountErr, s.schema, s.fetched = msg.account, msg.accountErr, msg.schema, msg.fetched
		s.rebuild()
		return nil
	case schemaRefreshedMsg:
		s.busy.Stop()
		if msg.err != nil {
			s.lastNote = ""
			return func() tea.Msg { return errMsg{msg.err} }
		}
		before := len(s.rows)
		s.schema, s.fetched = msg.schema, true
		s.rebuild()
		custom := 0
		for _, r := range s.rows {
			if r.f.Custom {
				custom++
			}
		}
		s.lastNote = fmt.Sprintf("read %d fields (%d custom) from the org", len(s.rows), custom)
		if d := len(s.rows) - before; d > 0 {
			s.lastNote += fmt.Sprintf("; %d new", d)
		}
		return tea.Batch(toast("Fields refreshed: "+s.lastNote), warnCmd(msg.warn))
	case engineEventMsg:
		// another screen or session refreshed the account's schema
		if msg.ev.Kind == engine.AccountChanged && !s.busy.Active() && !s.editing {
			return s.load()
		}
		return nil
	case tea.KeyPressMsg:
		if s.editing {
			return s.onEditKey(msg)
		}
		return s.onKey(msg)
	}
	if s.editing {
		return s.input.Update(msg)
	}
	return nil
}

func (s *mappingScreen) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		return pop
	case s.list.HandleKey(msg, k.List()):
	case key.Matches(msg, k.Sample):
		return tea.Batch(s.busy.Start("Loading the trigger's latest event…"), s.loadSample(true))
	case key.Matches(msg, k.Refresh):
		return s.refresh()
	case key.Matches(msg, k.Reveal):
		if cmd := s.c.disabled(engine.OpRevealSecret); cmd != nil {
			return cmd
		}
		s.revealed = !s.revealed
	case key.Matches(msg, k.Enter):
		if _, ok := s.selectedOption(); ok {
			return s.toggleOption()
		}
		return s.startEdit()
	case key.Matches(msg, k.Toggle):
		if _, ok := s.selectedOption(); ok {
			return s.toggleOption()
		}
	case key.Matches(msg, k.Delete):
		return s.clearField()
	case key.Matches(msg, k.PickGroup):
		return s.openGroups()
	}
	return nil
}
