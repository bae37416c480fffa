package tui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
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
	list      widget.List       // cursor and window over rows
	loaded    bool
	loading   bool
	exhausted bool        // the last page came back short: nothing older
	gen       int         // bumps on every reload; answers for older generations are dropped
	fresh     int         // new runs that arrived while the cursor was not at the top
	spin      widget.Busy // turns while a run shown is running
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
	run       storage.Run
	err, warn error // warn: retried, not audited
}

// runsFilters is the order f cycles through; "" is every state.
var runsFilters = append([]storage.RunState{""}, storage.RunStates...)

func newRuns(c *Common, integrationID, name string) Screen {
	s := &runs{c: c, integrationID: integrationID, name: name, total: -1, names: map[string]string{}}
	s.spin = widget.NewBusy(c.Styles.Styles)
	s.SetSize(c.Width, c.Height)
	return s
}

func (s *runs) Init() tea.Cmd { return s.reload() }

// spinIfRunning starts the spinner when a run shown is running (it rests
// by itself once none is: an idle screen schedules no ticks).
func (s *runs) spinIfRunning() tea.Cmd {
	if slices.ContainsFunc(s.rows, func(r storage.Run) bool { return r.State == storage.RunRunning }) {
		return s.spin.Tick()
	}
	return nil
}

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
		if can, _ := s.c.can(engine.OpRetry); can {
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
	st := s.c.Backend
	return func() tea.Msg {
		rows, err := st.Runs(q)
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
	st := s.c.Backend
	return func() tea.Msg {
		rows, err := st.Runs(q)
		return runsPageMsg{gen: gen, append: true, rows: rows, total: -1, err: err}
	}
}

func runsLoadNames(st Backend) (map[string]string, error) {
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
	c := s.list.Cursor()
	if c >= len(s.rows) {
		return storage.Run{}, false
	}
	return s.rows[c], true
}

// tableRows is how many rows fit under the filter line and the header,
// above the bottom line.
func (s *runs) tableRows() int { return max(s.h-3, 1) }

// clamp keeps the cursor on a row and in view.
func (s *runs) clamp() {
	s.list.SetLen(len(s.rows))
	s.list.SetHeight(s.tableRows())
	if s.list.Cursor() == 0 {
		s.fresh = 0
	}
}

// move puts the cursor at i and asks for the next page when it gets close
// to the end of what is loaded.
func (s *runs) move(i int) tea.Cmd {
	s.list.Select(i)
	s.clamp()
	if s.list.Cursor() >= len(s.rows)-runsPrefetch {
		return s.more()
	}
	return nil
}

func (s *runs) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case runsPageMsg:
		return s, tea.Batch(s.onPage(msg), s.spinIfRunning())
	case runsNamesMsg:
		s.names = msg
		return s, nil
	case runRetriedMsg:
		if msg.err != nil {
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		return s, tea.Batch(s.apply(msg.run), toast(fmt.Sprintf("Run %s queued again", msg.run.ID)), warnCmd(msg.warn))
	case dataChangedMsg: // back from a screen above: reload (its answer restarts the spinner)
		return s, s.reload()
	case engineEventMsg:
		switch msg.ev.Kind {
		case engine.RunChanged:
			if msg.ev.Run != nil {
				cmd := s.apply(*msg.ev.Run)
				if msg.ev.Run.State == storage.RunRunning {
					cmd = tea.Batch(cmd, s.spin.Tick())
				}
				return s, cmd
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
		cmd, _ := s.spin.Turn(msg, s.spinIfRunning() != nil)
		return s, cmd
	case tea.KeyPressMsg:
		return s, s.onKey(msg)
	}
	return s, nil
}
