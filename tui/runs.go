package tui

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// runsPageSize is how many runs one page load reads. Pages load lazily as
// the cursor nears the end of what is loaded, so the screen stays fast with
// any number of runs stored.
const runsPageSize = 200

// runsPrefetch is how close to the end of the loaded rows the cursor may get
// before the next page is requested.
const runsPrefetch = 50

// runs lists runs newest first: all of them, or one integration's, filtered
// by state. It follows the engine live: changed runs update in place and
// new runs appear at the top.
type runs struct {
	c             *Common
	integrationID string
	name          string

	filter    storage.RunState // "" = every state
	rows      []storage.Run
	names     map[string]string // integration id → name
	total     int               // runs matching the filter; -1 when unknown (one integration)
	cursor    int
	offset    int // first row shown
	loaded    bool
	loading   bool
	exhausted bool // the last page came back short: nothing older
	gen       int  // bumps on every reload; answers for older generations are dropped
	fresh     int  // new runs that arrived while the cursor was not at the top
	spin      spinner.Model
	w, h      int
}

// runsPageMsg is one page of runs.
type runsPageMsg struct {
	gen    int
	append bool // a next page (else the first page)
	rows   []storage.Run
	names  map[string]string
	total  int
	err    error
}

// runsNamesMsg refreshes the integration names (a run of an integration
// created after the list was loaded).
type runsNamesMsg map[string]string

// runRetriedMsg answers a retry.
type runRetriedMsg struct {
	run storage.Run
	err error
}

// runsFilters is the order f cycles through; "" is every state.
var runsFilters = append([]storage.RunState{""}, storage.RunStates...)

func newRuns(c *Common, integrationID, name string) Screen {
	s := &runs{c: c, integrationID: integrationID, name: name, total: -1, names: map[string]string{}}
	s.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(lipgloss.NewStyle().Foreground(c.Styles.Accent)))
	s.SetSize(c.Width, c.Height)
	return s
}

func (s *runs) Init() tea.Cmd { return tea.Batch(s.reload(), s.spin.Tick) }

func (s *runs) Title() string {
	if s.integrationID != "" {
		return "Runs · " + s.name
	}
	return "Runs"
}

func (s *runs) Capturing() bool  { return false }
func (s *runs) SetSize(w, h int) { s.w, s.h = w, h; s.clamp() }

func (s *runs) ShortHelp() []key.Binding {
	k := s.c.Keys
	if len(s.rows) == 0 {
		return []key.Binding{k.Filter, k.Back}
	}
	b := []key.Binding{k.Up, k.Down, withHelp(k.Enter, "details"), k.Filter}
	if r, ok := s.selected(); ok && runRetryable(r.State) {
		if can, _ := s.c.CanEdit(); can {
			b = append(b, k.Retry)
		}
	}
	return append(b, k.Back)
}

func (s *runs) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{withHelp(k.Enter, "run details"), k.Filter, k.FilterBack, k.Retry, k.Back},
	}
}

// query is the page query after before (0: the newest).
func (s *runs) query(before storage.RunID) storage.RunQuery {
	return storage.RunQuery{IntegrationID: s.integrationID, State: s.filter, Before: before, Limit: runsPageSize}
}

// reload reads the first page again (and the names and the total).
func (s *runs) reload() tea.Cmd {
	s.gen++
	s.loading = true
	gen, q, all := s.gen, s.query(0), s.integrationID == ""
	st := s.c.Engine.Store()
	return func() tea.Msg {
		rows, err := st.ListRuns(q)
		if err != nil {
			return runsPageMsg{gen: gen, err: err}
		}
		msg := runsPageMsg{gen: gen, rows: rows, total: -1}
		if all {
			if msg.names, err = runsLoadNames(st); err != nil {
				return runsPageMsg{gen: gen, err: err}
			}
			if counts, err := st.RunCounts(); err == nil {
				msg.total = runsTotal(counts, q.State)
			}
		}
		return msg
	}
}

// more reads the page after the last loaded row, unless one is on its way
// or there is nothing older.
func (s *runs) more() tea.Cmd {
	if s.loading || s.exhausted || len(s.rows) == 0 {
		return nil
	}
	s.loading = true
	gen, q := s.gen, s.query(s.rows[len(s.rows)-1].ID)
	st := s.c.Engine.Store()
	return func() tea.Msg {
		rows, err := st.ListRuns(q)
		return runsPageMsg{gen: gen, append: true, rows: rows, total: -1, err: err}
	}
}

func runsLoadNames(st *storage.Store) (map[string]string, error) {
	list, err := st.Integrations()
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(list))
	for _, in := range list {
		names[in.ID] = in.Name
	}
	return names, nil
}

func runsTotal(counts map[storage.RunState]int, state storage.RunState) int {
	if state != "" {
		return counts[state]
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

func (s *runs) selected() (storage.Run, bool) {
	if s.cursor < 0 || s.cursor >= len(s.rows) {
		return storage.Run{}, false
	}
	return s.rows[s.cursor], true
}

// tableRows is how many rows fit under the filter line and the header,
// above the bottom line.
func (s *runs) tableRows() int { return max(s.h-3, 1) }

// clamp keeps the cursor on a row and in view.
func (s *runs) clamp() {
	s.cursor = min(max(s.cursor, 0), max(len(s.rows)-1, 0))
	n := s.tableRows()
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+n {
		s.offset = s.cursor - n + 1
	}
	s.offset = max(min(s.offset, len(s.rows)-n), 0)
	if s.cursor == 0 {
		s.fresh = 0
	}
}

// move puts the cursor at i and asks for the next page when it gets close
// to the end of what is loaded.
func (s *runs) move(i int) tea.Cmd {
	s.cursor = i
	s.clamp()
	if s.cursor >= len(s.rows)-runsPrefetch {
		return s.more()
	}
	return nil
}

func (s *runs) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case runsPageMsg:
		return s, s.onPage(msg)
	case runsNamesMsg:
		s.names = msg
		return s, nil
	case runRetriedMsg:
		if msg.err != nil {
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		s.apply(msg.run)
		return s, toast(fmt.Sprintf("Run %s queued again", msg.run.ID))
	case dataChangedMsg: // back from a screen above: reload, and restart the spinner it starved
		return s, tea.Batch(s.reload(), s.spin.Tick)
	case engineEventMsg:
		switch msg.ev.Kind {
		case engine.RunChanged:
			if msg.ev.Run != nil {
				return s, s.apply(*msg.ev.Run)
			}
		case engine.Lagged:
			return s, s.reload()
		case engine.IntegrationChanged:
			if s.integrationID == "" {
				return s, s.loadNames()
			}
		}
		return s, nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return s, cmd
	case tea.KeyPressMsg:
		return s, s.onKey(msg)
	}
	return s, nil
}

func (s *runs) onPage(msg runsPageMsg) tea.Cmd {
	if msg.gen != s.gen {
		return nil
	}
	s.loading = false
	if msg.err != nil {
		return func() tea.Msg { return errMsg{msg.err} }
	}
	s.exhausted = len(msg.rows) < runsPageSize
	if msg.append {
		s.rows = append(s.rows, runsNewer(msg.rows, s.rows)...)
		return nil
	}
	// A first page: keep the cursor on the run it was on when it is still
	// loaded, else at the same index.
	var keep storage.RunID
	if r, ok := s.selected(); ok && s.cursor > 0 {
		keep = r.ID
	}
	s.rows, s.loaded, s.fresh = msg.rows, true, 0
	if msg.names != nil {
		s.names = msg.names
	}
	s.total = msg.total
	if keep != 0 {
		if i := slices.IndexFunc(s.rows, func(r storage.Run) bool { return r.ID == keep }); i >= 0 {
			s.cursor = i
		}
	}
	s.clamp()
	return nil
}

// runsNewer drops from page the runs already loaded (a run can be both at
// the end of one page and, after a live insert, in the next).
func runsNewer(page, have []storage.Run) []storage.Run {
	if len(have) == 0 {
		return page
	}
	last := have[len(have)-1].ID
	out := page[:0:0]
	for _, r := range page {
		if r.ID < last {
			out = append(out, r)
		}
	}
	return out
}

// matches reports whether r belongs in this list.
func (s *runs) matches(r storage.Run) bool {
	return (s.integrationID == "" || r.IntegrationID == s.integrationID) && (s.filter == "" || r.State == s.filter)
}

// apply folds a changed run into the list: in place when shown, inserted
// at its place (newest first) when new to the list, removed when it no
// longer matches the filter. The cursor stays on the run it was on, except
// at the top, where it follows the newest run.
func (s *runs) apply(r storage.Run) tea.Cmd {
	if !s.loaded {
		return nil
	}
	i := slices.IndexFunc(s.rows, func(x storage.Run) bool { return x.ID == r.ID })
	fits := s.matches(r)
	switch {
	case i >= 0 && fits:
		s.rows[i] = r
		return nil
	case i >= 0: // left the filter
		s.rows = slices.Delete(s.rows, i, i+1)
		if s.total > 0 {
			s.total--
		}
		if i < s.cursor {
			s.cursor--
			s.offset = max(s.offset-1, 0)
		}
		s.clamp()
		return nil
	case !fits:
		return nil
	}
	// New to the list: insert in id order, but only inside the loaded range
	// (older runs arrive with their page).
	at, _ := slices.BinarySearchFunc(s.rows, r.ID, func(x storage.Run, id storage.RunID) int {
		switch {
		case x.ID > id:
			return -1
		case x.ID < id:
			return 1
		}
		return 0
	})
	if at == len(s.rows) && !s.exhausted {
		return nil
	}
	s.rows = slices.Insert(s.rows, at, r)
	if s.total >= 0 {
		s.total++
	}
	if at <= s.cursor && !(s.cursor == 0 && at == 0) {
		s.cursor++
		s.offset++
		if at == 0 {
			s.fresh++
		}
	}
	s.clamp()
	if _, known := s.names[r.IntegrationID]; !known && s.integrationID == "" {
		return s.loadNames()
	}
	return nil
}

func (s *runs) loadNames() tea.Cmd {
	st := s.c.Engine.Store()
	return func() tea.Msg {
		names, err := runsLoadNames(st)
		if err != nil {
			return nil
		}
		return runsNamesMsg(names)
	}
}

func (s *runs) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	page := s.tableRows()
	switch {
	case key.Matches(msg, k.Back):
		return pop
	case key.Matches(msg, k.Up):
		return s.move(s.cursor - 1)
	case key.Matches(msg, k.Down):
		return s.move(s.cursor + 1)
	case key.Matches(msg, k.PageUp):
		return s.move(s.cursor - page)
	case key.Matches(msg, k.PageDown):
		return s.move(s.cursor + page)
	case key.Matches(msg, k.Home):
		return s.move(0)
	case key.Matches(msg, k.End):
		return s.move(len(s.rows) - 1)
	case key.Matches(msg, k.Filter), key.Matches(msg, k.FilterBack):
		step := 1
		if key.Matches(msg, k.FilterBack) {
			step = len(runsFilters) - 1
		}
		i := slices.Index(runsFilters, s.filter)
		s.filter = runsFilters[(i+step)%len(runsFilters)]
		s.rows, s.cursor, s.offset, s.loaded, s.exhausted, s.fresh = nil, 0, 0, false, false, 0
		return s.reload()
	case key.Matches(msg, k.Enter):
		if r, ok := s.selected(); ok {
			return push(newRunDetail(s.c, r.ID))
		}
	case key.Matches(msg, k.Retry):
		if r, ok := s.selected(); ok {
			return retryRun(s.c, r)
		}
	}
	return nil
}

// runRetryable reports whether a user may retry a run in state st.
func runRetryable(st storage.RunState) bool {
	return st == storage.RunFailed || st == storage.RunCancelled
}

// retryRun puts a failed or cancelled run back in the queue (refused for
// viewers and for runs in other states, with the reason).
func retryRun(c *Common, r storage.Run) tea.Cmd {
	if ok, why := c.CanEdit(); !ok {
		return toast(why)
	}
	if !runRetryable(r.State) {
		return toast(fmt.Sprintf("Run %s is %s: only a failed or cancelled run can be retried", r.ID, r.State))
	}
	e, who := c.Engine, c.Who
	return func() tea.Msg {
		next, err := e.RetryRun(r.ID)
		if err == nil {
			e.Store().AddAudit(storage.AuditEntry{Who: who, Action: "run.retry", Target: r.ID.String(), Detail: r.IntegrationID})
		}
		return runRetriedMsg{run: next, err: err}
	}
}

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
	for i := s.offset; i < len(s.rows) && i < s.offset+n; i++ {
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
	if i == s.cursor {
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
	line += runStateCell(st, s.spin, r.State, cols.state) + " " + pad(attempt, cols.attempt) + " " +
		st.Faint.Render(pad(ago(r.CreatedAt), cols.created)) + " " + runResultCell(st, r, cols.result)
	return truncate(line, s.w)
}

// runStateCell is a run's state, coloured, with a mark (a spinner while it
// runs), padded to w.
func runStateCell(st *Styles, spin spinner.Model, state storage.RunState, w int) string {
	text := string(state)
	switch state {
	case storage.RunSucceeded:
		return st.OKText.Render(pad("✓ "+text, w))
	case storage.RunFailed:
		return st.ErrorText.Render(pad("✗ "+text, w))
	case storage.RunWaiting, storage.RunRetrying:
		return st.WarnText.Render(pad("⏸ "+text, w))
	case storage.RunRunning:
		return spin.View() + " " + st.Badge.Render(pad(text, w-2))
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
	return st.Faint.Render(fmt.Sprintf("%d of %s", s.cursor+1, of))
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
			if ok, _ := s.c.CanEdit(); ok {
				parts = append(parts, st.Faint.Render("ctrl+r retries this run"))
			}
		}
	}
	return truncate(strings.Join(parts, st.Faint.Render(" · ")), s.w)
}

// runWhen renders a future time as "at 10:42:07 (in 12s)".
func runWhen(t time.Time) string {
	d := time.Until(t).Round(time.Second)
	if d <= 0 {
		return "at " + t.Local().Format("15:04:05") + " (due now)"
	}
	return "at " + t.Local().Format("15:04:05") + " (in " + d.String() + ")"
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
