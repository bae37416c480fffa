package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
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

	cursor   int // over rows, then options
	offset   int // first row shown
	revealed bool

	editing  bool
	input    textinput.Model
	editErr  error
	all      []suggestion
	shown    []suggestion
	spot     editSpot
	suggIdx  int
	suggOff  int
	busy     bool
	spin     spinner.Model
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
	schema storage.UserSchema
	err    error
}

func newMapping(c *Common, d *draft, step int) Screen {
	s := &mappingScreen{c: c, d: d, step: step, errs: map[string]error{}}
	if st, ok := d.step(step); ok {
		s.act, _ = action.Lookup(st.Action)
	}
	s.input = textinput.New()
	s.input.Prompt = "› "
	s.input.CharLimit = 4096
	s.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	s.applyStyles()
	return s
}

func (s *mappingScreen) applyStyles() {
	ts := textinput.DefaultStyles(s.c.Styles.IsDark)
	ts.Cursor.Blink = false // a steady cursor: no blink ticks to re-render for
	s.input.SetStyles(ts)
	s.spin.Style = lipgloss.NewStyle().Foreground(s.c.Styles.Accent)
}

func (s *mappingScreen) Title() string {
	if st, ok := s.d.step(s.step); ok {
		return "Map fields · " + st.ID
	}
	return "Map fields"
}

func (s *mappingScreen) Capturing() bool { return s.editing }

func (s *mappingScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	_, panel := s.widths()
	s.input.SetWidth(max(panel-4, 10))
}

// Init reads the fields; a saved webhook or manual integration without a
// sample also takes the event of its latest run, for the suggestions.
func (s *mappingScreen) Init() tea.Cmd {
	cmds := []tea.Cmd{s.load()}
	if spec, ok := trigger.Lookup(s.d.in.Trigger.Type); ok && spec.Push && s.d.in.ID != "" && s.d.sample == nil {
		e, ctx, in := s.c.Engine, s.c.Ctx, cloneIntegration(s.d.in)
		cmds = append(cmds, func() tea.Msg {
			ev, err := e.Sample(ctx, in)
			if err != nil {
				return nil
			}
			return mappingSampleMsg{ev}
		})
	}
	return tea.Batch(cmds...)
}

// mappingSampleMsg carries a sample loaded on opening.
type mappingSampleMsg struct{ sample map[string]any }

// load reads the step's account and its cached schema.
func (s *mappingScreen) load() tea.Cmd {
	st, ok := s.d.step(s.step)
	if !ok {
		return nil
	}
	store, name := s.c.Engine.Store(), st.Account
	return func() tea.Msg {
		if name == "" {
			return mappingLoadedMsg{accountErr: "no account picked for this step: the fields are Okta's base profile"}
		}
		a, err := store.Account(name)
		if err != nil {
			return mappingLoadedMsg{accountErr: fmt.Sprintf("account %q: %v", name, err)}
		}
		sc, err := store.Schema(a.ID)
		if err != nil {
			return mappingLoadedMsg{account: &a}
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
		selOpt = s.cursor - len(s.rows)
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
	if selName != "" {
		for i, r := range s.rows {
			if r.f.Name == selName {
				s.cursor = i
			}
		}
	} else if selOpt >= 0 {
		s.cursor = len(s.rows) + selOpt
	}
	s.cursor = min(s.cursor, max(s.count()-1, 0))
}

// recheck compiles every mapping of the step, as saving will.
func (s *mappingScreen) recheck() {
	st := s.stepRef()
	s.errs = map[string]error{}
	if st == nil {
		return
	}
	earlier := earlierSteps(s.d, s.step)
	for name, src := range st.Fields {
		if err := checkMapping(src, earlier); err != nil {
			s.errs[name] = err
		}
	}
}

func (s *mappingScreen) count() int { return len(s.rows) + len(s.opts) }

// selectedRow returns the field under the cursor.
func (s *mappingScreen) selectedRow() (fieldRow, bool) {
	if s.cursor < len(s.rows) {
		return s.rows[s.cursor], true
	}
	return fieldRow{}, false
}

func (s *mappingScreen) selectedOption() (action.Option, bool) {
	i := s.cursor - len(s.rows)
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
	switch msg := msg.(type) {
	case mappingSampleMsg:
		if s.d.sample == nil {
			s.d.sample, s.d.sampleSource = msg.sample, "the event of the latest run"
		}
		return s, nil
	case mappingLoadedMsg:
		s.loaded = true
		s.account, s.accountErr, s.schema, s.fetched = msg.account, msg.accountErr, msg.schema, msg.fetched
		s.rebuild()
		return s, nil
	case schemaRefreshedMsg:
		s.busy = false
		if msg.err != nil {
			s.lastNote = ""
			return s, func() tea.Msg { return errMsg{msg.err} }
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
		return s, toast("Fields refreshed: " + s.lastNote)
	case spinner.TickMsg:
		if !s.busy {
			return s, nil
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return s, cmd
	case tea.BackgroundColorMsg:
		s.applyStyles()
		return s, nil
	case engineEventMsg:
		// another screen or session refreshed the account's schema
		if msg.ev.Kind == engine.AccountChanged && !s.busy && !s.editing {
			return s, s.load()
		}
		return s, nil
	case tea.KeyPressMsg:
		if s.editing {
			return s, s.onEditKey(msg)
		}
		return s, s.onKey(msg)
	}
	if s.editing {
		return s, s.updateInput(msg)
	}
	return s, nil
}

func (s *mappingScreen) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		return pop
	case key.Matches(msg, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(msg, k.Down):
		s.cursor = min(s.cursor+1, max(s.count()-1, 0))
	case key.Matches(msg, k.PageUp):
		s.cursor = max(s.cursor-max(s.listHeight()-1, 1), 0)
	case key.Matches(msg, k.PageDown):
		s.cursor = min(s.cursor+max(s.listHeight()-1, 1), max(s.count()-1, 0))
	case key.Matches(msg, k.Home):
		s.cursor = 0
	case key.Matches(msg, k.End):
		s.cursor = max(s.count()-1, 0)
	case key.Matches(msg, k.Refresh):
		return s.refresh()
	case key.Matches(msg, k.Reveal):
		if ok, why := s.c.CanEdit(); !ok {
			return toast(why)
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
	}
	return nil
}

// refresh re-reads the org's user schema; mappings live in the draft and
// are not touched.
func (s *mappingScreen) refresh() tea.Cmd {
	if ok, why := s.c.CanEdit(); !ok {
		return toast(why)
	}
	if s.busy {
		return nil
	}
	if s.account == nil {
		if s.accountErr != "" {
			return toast("Cannot refresh: " + s.accountErr)
		}
		return toast("Cannot refresh: the step has no account")
	}
	s.busy = true
	e, ctx, who, a := s.c.Engine, s.c.Ctx, s.c.Who, *s.account
	return tea.Batch(s.spin.Tick, func() tea.Msg {
		sc, err := e.RefreshSchema(ctx, a.ID)
		if err == nil {
			e.Store().AddAudit(storage.AuditEntry{Who: who, Action: "account.refresh_schema", Target: a.ID,
				Detail: fmt.Sprintf("%s: %d fields", a.Name, len(sc.Fields))})
		}
		return schemaRefreshedMsg{schema: sc, err: err}
	})
}

func (s *mappingScreen) startEdit() tea.Cmd {
	row, ok := s.selectedRow()
	st := s.stepRef()
	if !ok || st == nil {
		return nil
	}
	if ok, why := s.c.CanEdit(); !ok {
		return toast(why)
	}
	s.editing = true
	s.input.SetValue(st.Fields[row.f.Name])
	s.input.CursorEnd()
	s.input.EchoMode = textinput.EchoNormal
	if row.f.Secret && !s.revealed {
		s.input.EchoMode = textinput.EchoPassword
		s.input.EchoCharacter = '•'
	}
	s.all = mappingSuggestions(s.d, s.step)
	s.suggIdx, s.suggOff = 0, 0
	s.afterChange()
	return s.input.Focus()
}

// afterChange compiles the text being edited and refilters suggestions:
// on every keystroke, so the error shows at once.
func (s *mappingScreen) afterChange() {
	s.editErr = checkMapping(s.input.Value(), earlierSteps(s.d, s.step))
	prev := ""
	if s.suggIdx < len(s.shown) {
		prev = s.shown[s.suggIdx].Path
	}
	s.shown, s.spot = filterSuggestions(s.all, spotAt(s.input.Value(), s.input.Position()))
	s.suggIdx = 0
	for i, sg := range s.shown {
		if sg.Path == prev {
			s.suggIdx = i
		}
	}
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
	case msg.String() == "up":
		s.suggIdx = max(s.suggIdx-1, 0)
		return nil
	case msg.String() == "down":
		s.suggIdx = min(s.suggIdx+1, max(len(s.shown)-1, 0))
		return nil
	case key.Matches(msg, k.Insert):
		if s.suggIdx < len(s.shown) {
			v, pos := insertPath(s.input.Value(), s.input.Position(), s.shown[s.suggIdx].Path, s.spot)
			s.input.SetValue(v)
			s.input.SetCursor(pos)
			s.afterChange()
		}
		return nil
	case key.Matches(msg, k.Reveal):
		if row, ok := s.selectedRow(); ok && row.f.Secret {
			s.revealed = !s.revealed
			if s.revealed {
				s.input.EchoMode = textinput.EchoNormal
			} else {
				s.input.EchoMode = textinput.EchoPassword
			}
		}
		return nil
	}
	return s.updateInput(msg)
}

func (s *mappingScreen) updateInput(msg tea.Msg) tea.Cmd {
	before, pos := s.input.Value(), s.input.Position()
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	if s.input.Value() != before || s.input.Position() != pos {
		s.afterChange()
	}
	return cmd
}

func (s *mappingScreen) stopEdit() {
	s.editing = false
	s.input.Blur()
	s.editErr = nil
	s.shown = nil
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
	if ok, why := s.c.CanEdit(); !ok {
		return toast(why)
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
	if ok, why := s.c.CanEdit(); !ok {
		return toast(why)
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
	if len(s.shown) == 0 {
		return 1
	}
	if s.wide() {
		return min(len(s.shown), max(s.h-len(s.headLines())-6, 3))
	}
	return min(len(s.shown), max(min(s.h/4, 8), 3))
}

// headLines are the lines above the list: action and account, schema
// state, required-field state.
func (s *mappingScreen) headLines() []string {
	st := s.c.Styles
	step := s.stepRef()
	var out []string
	acct := st.WarnText.Render("no account")
	if s.account != nil {
		acct = "account " + st.Bold.Render(s.account.Name) + st.Faint.Render(" · "+s.account.OrgURL)
	}
	out = append(out, truncate(st.Title.Render(s.act.Title())+st.Faint.Render(" ("+s.act.ID()+")")+st.Faint.Render(" · ")+acct, s.w))
	switch {
	case s.busy:
		out = append(out, s.spin.View()+" Reading the org's user schema…")
	case s.accountErr != "":
		out = append(out, st.WarnText.Render(truncate("⚠ "+s.accountErr, s.w)))
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
	if ok, why := s.c.CanEdit(); !ok {
		out = append(out, st.WarnText.Render(truncate("⚠ "+why, s.w)))
	}
	if n := s.errorCount(); n > 0 {
		out = append(out, st.ErrorText.Render(truncate(fmt.Sprintf("✗ %d mapping(s) do not compile: see ✗ beside them", n), s.w)))
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
			if idx == s.cursor {
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
			if idx == s.cursor {
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
	if err := s.errs[f.Name]; err != nil {
		lines = append(lines, s.block(st.ErrorText, "✗ "+err.Error(), w)...)
	} else if src, ok := s.stepRef().Fields[f.Name]; ok && !(f.Secret && !s.revealed) {
		lines = append(lines, s.block(st.Code, src, w)...)
	}
	if s.wide() {
		if ok, _ := s.c.CanEdit(); ok {
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
	out := []string{truncate(head, w), truncate(s.input.View(), w)}
	if s.editErr != nil {
		out = append(out, st.ErrorText.Render(truncate("✗ "+s.editErr.Error(), w)))
	} else if v := s.input.Value(); strings.TrimSpace(v) == "" {
		out = append(out, st.Faint.Render(truncate("empty: enter removes the mapping", w)))
	} else if t, err := mapping.Parse(v); err == nil && t.IsLiteral() {
		out = append(out, st.OKText.Render("✓ a literal value"))
	} else {
		out = append(out, st.OKText.Render("✓ compiles"))
	}
	label := "Suggestions · ↑/↓ choose · tab inserts"
	if len(s.all) == 0 || len(s.shown) == 0 {
		out = append(out, st.Section.Render("Suggestions"))
		switch {
		case len(s.all) == 0:
			out = append(out, st.Faint.Render(truncate("  no sample yet: load or write one on the Test screen (ctrl+l / ctrl+e) to see the trigger's fields", w)))
		default:
			out = append(out, st.Faint.Render(truncate("  no path matches \""+s.spot.query+"\"", w)))
		}
		return out
	}
	if s.d.sample == nil {
		label += " · no trigger sample yet (Test screen: ctrl+l)"
	}
	out = append(out, st.Section.Render(truncate(label, w)))
	rows := s.suggRows()
	if s.suggIdx < s.suggOff {
		s.suggOff = s.suggIdx
	}
	if s.suggIdx >= s.suggOff+rows {
		s.suggOff = s.suggIdx - rows + 1
	}
	pathW := 12
	for _, sg := range s.shown {
		pathW = max(pathW, lipgloss.Width(sg.Path)+2)
	}
	pathW = min(pathW, max(w*3/5, 20))
	for i := s.suggOff; i < len(s.shown) && i < s.suggOff+rows; i++ {
		sg := s.shown[i]
		marker, path := "  ", st.Code.Render(pad(sg.Path, pathW))
		if i == s.suggIdx {
			marker, path = st.Cursor.Render("▸ "), st.Selected.Render(pad(sg.Path, pathW))
		}
		val := sg.Value
		if val == "" && sg.From != "trigger" {
			val = "known after a test run"
		}
		out = append(out, truncate(marker+path+st.Faint.Render(" "+val), w))
	}
	if more := len(s.shown) - rows; more > 0 {
		out = append(out, st.Faint.Render(fmt.Sprintf("  %d of %d · type to narrow", rows, len(s.shown))))
	}
	return out
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

// listLines are the column header and the visible field rows.
func (s *mappingScreen) listLines(w, rows int) []string {
	st := s.c.Styles
	if s.cursor < len(s.rows) {
		if s.cursor < s.offset {
			s.offset = s.cursor
		}
		if s.cursor >= s.offset+rows {
			s.offset = s.cursor - rows + 1
		}
	}
	s.offset = max(min(s.offset, len(s.rows)-rows), 0)
	nameW := 10
	for _, r := range s.rows {
		nameW = max(nameW, lipgloss.Width(r.f.Name)+1)
	}
	nameW = min(nameW, max(w/4, 14))
	typeW, tagW := 7, 0
	for _, r := range s.rows {
		if r.f.Custom || r.orphan {
			tagW = 7
		}
	}
	mapW := max(w-4-nameW-typeW-tagW-1, 10)
	out := []string{st.Label.Render(truncate("    "+pad("FIELD", nameW)+" "+pad("TYPE", typeW)+" "+pad("", tagW)+"MAPPING", w))}
	for i := s.offset; i < len(s.rows) && i < s.offset+rows; i++ {
		out = append(out, s.rowView(i, w, nameW, typeW, tagW, mapW))
	}
	if len(s.rows) > rows {
		out[0] = st.Label.Render(truncate("    "+pad("FIELD", nameW)+" "+pad("TYPE", typeW)+" "+pad("", tagW)+
			pad("MAPPING", max(mapW-12, 7))+fmt.Sprintf(" %d–%d of %d", s.offset+1, min(s.offset+rows, len(s.rows)), len(s.rows)), w))
	}
	return out
}

func (s *mappingScreen) rowView(i, w, nameW, typeW, tagW, mapW int) string {
	st := s.c.Styles
	r := s.rows[i]
	step := s.stepRef()
	selected := i == s.cursor
	marker := "  "
	if selected {
		marker = st.Cursor.Render("▸ ")
	}
	req := "  "
	if r.f.Required {
		req = st.Required.Render("* ")
	}
	name := pad(r.f.Name, nameW)
	if selected {
		name = st.Selected.Render(name)
	} else {
		name = st.Bold.Render(name)
	}
	tag := ""
	switch {
	case tagW == 0:
	case r.orphan:
		tag = st.WarnText.Render(pad("gone", tagW))
	case r.f.Custom:
		tag = st.Badge.Render(pad("custom", tagW))
	default:
		tag = pad("", tagW)
	}
	src, mapped := step.Fields[r.f.Name]
	var cell string
	switch {
	case !mapped || strings.TrimSpace(src) == "":
		if r.f.Required {
			cell = st.ErrorText.Render("— not mapped")
		} else {
			cell = st.Faint.Render("—")
		}
	default:
		shownSrc := src
		if r.f.Secret && !s.revealed {
			shownSrc = "••••••••"
		}
		if err := s.errs[r.f.Name]; err != nil {
			msg := "✗ " + err.Error()
			srcW := min(lipgloss.Width(shownSrc), max(mapW-lipgloss.Width(msg)-2, mapW/3))
			cell = st.Input.Render(truncate(shownSrc, srcW)) + "  " + st.ErrorText.Render(truncate(msg, max(mapW-srcW-2, 1)))
		} else if r.orphan {
			cell = st.WarnText.Render(truncate(shownSrc, mapW))
		} else {
			cell = st.Code.Render(truncate(shownSrc, mapW))
		}
	}
	return truncate(marker+req+name+" "+st.Faint.Render(pad(string(r.f.Type), typeW))+" "+tag+cell, w)
}

func (s *mappingScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.editing {
		return []key.Binding{withHelp(k.Enter, "save"), withHelp(k.Back, "cancel"), k.Insert,
			key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose suggestion"))}
	}
	move := key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move"))
	if ok, _ := s.c.CanEdit(); !ok {
		return []key.Binding{move, k.Back}
	}
	out := []key.Binding{move}
	if _, ok := s.selectedOption(); ok {
		out = append(out, withHelp(k.Toggle, "change option"))
	} else {
		out = append(out, withHelp(k.Enter, "edit"), withHelp(k.Delete, "clear"))
	}
	back := withHelp(k.Back, "back")
	if s.d.next != "" {
		back = withHelp(k.Back, s.d.next)
	}
	return append(out, k.Refresh, back)
}

func (s *mappingScreen) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{withHelp(k.Enter, "edit field / change option"), withHelp(k.Toggle, "change option"), withHelp(k.Delete, "clear mapping"),
			k.Refresh, withHelp(k.Reveal, "reveal password"), k.Back},
		{withHelp(k.Enter, "save (while editing)"), withHelp(k.Back, "cancel edit"), k.Insert,
			key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "choose suggestion"))},
	}
}

// errorCount is how many mappings fail to compile now.
func (s *mappingScreen) errorCount() int {
	n := 0
	for _, err := range s.errs {
		if err != nil {
			n++
		}
	}
	return n
}
