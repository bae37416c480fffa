package tui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

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
	if r, ok := s.selected(); ok && s.list.Cursor() > 0 {
		keep = r.ID
	}
	s.rows, s.loaded, s.fresh = msg.rows, true, 0
	if msg.names != nil {
		s.names = msg.names
	}
	s.total = msg.total
	if keep != 0 {
		if i := slices.IndexFunc(s.rows, func(r storage.Run) bool { return r.ID == keep }); i >= 0 {
			s.list.SetLen(len(s.rows))
			s.list.Select(i)
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
		if i < s.list.Cursor() {
			s.list.Shift(-1) // before the length shrinks, so the clamp cannot move it twice
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
	s.list.SetLen(len(s.rows))
	if c := s.list.Cursor(); at <= c && !(c == 0 && at == 0) {
		s.list.Shift(1)
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
	st := s.c.Backend
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
	switch {
	case key.Matches(msg, k.Back):
		return pop
	case s.list.HandleKey(msg, k.List()):
		return s.move(s.list.Cursor())
	case key.Matches(msg, k.Filter), key.Matches(msg, k.FilterBack):
		step := 1
		if key.Matches(msg, k.FilterBack) {
			step = len(runsFilters) - 1
		}
		i := slices.Index(runsFilters, s.filter)
		s.filter = runsFilters[(i+step)%len(runsFilters)]
		s.rows, s.list, s.loaded, s.exhausted, s.fresh = nil, widget.List{}, false, false, 0
		s.clamp()
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
	if cmd := c.disabled(engine.OpRetry); cmd != nil {
		return cmd
	}
	if !runRetryable(r.State) {
		return toast(fmt.Sprintf("Run %s is %s: only a failed or cancelled run can be retried", r.ID, r.State))
	}
	b := c.Backend
	return func() tea.Msg {
		next, err := b.RetryRun(r.ID)
		fail, warn := outcome(err)
		return runRetriedMsg{run: next, err: fail, warn: warn}
	}
}
