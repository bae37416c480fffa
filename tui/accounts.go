package tui

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// accounts lists the connected Okta orgs: where each is, who its token
// authenticates as and when that was checked, the masked token and the
// cached user schema. From here an account is added, verified again, its
// schema refreshed, or removed.
type accounts struct {
	c         *Common
	rows      []acctRow
	cursor    int
	loaded    bool
	reloading bool        // a re-read for a finished run is out (accounts.go: one for many runs)
	busy      widget.Busy // what is running ("Verifying acme…")
	problem   error       // the last refusal or failure, shown under the list
	confirm   *widget.Confirm
	w, h      int
}

type acctRow struct {
	a       storage.Account
	schema  *storage.UserSchema // nil: never fetched
	fetched bool
	people  []engine.SandboxPerson       // a sandbox org's users, to test with
	items   []engine.KissflowSandboxItem // a Kissflow sandbox's items, to complete
}

// acctListMsg carries the accounts read from the store.
type acctListMsg struct {
	rows []acctRow
	err  error
}

// acctDoneMsg answers a verify, refresh or remove (warn: done, not audited).
type acctDoneMsg struct {
	note      string
	err, warn error
}

func newAccounts(c *Common) Screen {
	s := &accounts{c: c}
	s.busy = widget.NewBusy(c.Styles.Styles)
	s.SetSize(c.Width, c.Height)
	return s
}

func (s *accounts) Init() tea.Cmd           { return s.load() }
func (s *accounts) Title() string           { return "Accounts" }
func (s *accounts) Capturing() bool         { return s.confirm != nil }
func (s *accounts) Prompt() *widget.Confirm { return s.confirm }
func (s *accounts) SetSize(w, h int)        { s.w, s.h = w, h }

// addKey is a and n: both read as "add" here.
func (s *accounts) addKey() key.Binding {
	k := s.c.Keys
	return key.NewBinding(key.WithKeys(append(k.Accounts.Keys(), k.New.Keys()...)...), key.WithHelp("a/n", "add account"))
}

func (s *accounts) ShortHelp() []key.Binding {
	k := s.c.Keys
	if ok, _ := s.c.can(engine.OpAccounts); !ok {
		return []key.Binding{k.Up, k.Down, k.Back}
	}
	if len(s.rows) == 0 {
		return []key.Binding{s.addKey(), k.Back}
	}
	if s.cursor < len(s.rows) && len(s.rows[s.cursor].items) > 0 { // a Kissflow sandbox
		return []key.Binding{withHelp(k.CompleteItem, "complete an item"), s.addKey(), withHelp(k.Verify, "re-verify"), k.Back}
	}
	return []key.Binding{s.addKey(), withHelp(k.Verify, "re-verify"), withHelp(k.Refresh, "refresh schema"), withHelp(k.Delete, "remove"), k.Back}
}

func (s *accounts) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Home, k.End, k.Back},
		{s.addKey(), withHelp(k.Verify, "re-verify token"), withHelp(k.Refresh, "refresh user schema"), withHelp(k.Delete, "remove account")},
		{k.CompleteItem},
	}
}

func (s *accounts) load() tea.Cmd {
	b := s.c.Backend
	return func() tea.Msg {
		list, err := b.Accounts()
		if err != nil {
			return acctListMsg{err: err}
		}
		rows := make([]acctRow, len(list))
		for i, a := range list {
			rows[i].a = a
			if a.Kind == storage.AccountSandbox {
				people, err := b.SandboxPeople(a.ID)
				if err != nil {
					return acctListMsg{err: err}
				}
				rows[i].people = people
			}
			if a.Kind == storage.AccountKissflow && a.Sandbox {
				items, err := b.KissflowSandboxItems(a.Name)
				if err != nil {
					return acctListMsg{err: err}
				}
				rows[i].items = items
			}
			sc, err := b.Schema(a.ID)
			switch {
			case err == nil:
				rows[i].schema = &sc
			case !errors.Is(err, storage.ErrNotFound):
				return acctListMsg{err: err}
			}
		}
		return acctListMsg{rows: rows}
	}
}

// showsItems: a Kissflow sandbox's items are on the screen.
func (s *accounts) showsItems() bool {
	for _, r := range s.rows {
		if len(r.items) > 0 {
			return true
		}
	}
	return false
}

func (s *accounts) selected() (storage.Account, bool) {
	if s.cursor < 0 || s.cursor >= len(s.rows) {
		return storage.Account{}, false
	}
	return s.rows[s.cursor].a, true
}

func (s *accounts) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if cmd, ok := s.busy.Update(msg); ok {
		return s, cmd
	}
	if ok, cmd := answer(&s.confirm, msg); ok {
		return s, cmd
	}
	switch msg := msg.(type) {
	case acctAskRemoveMsg:
		s.askRemove(msg.a)
		return s, nil
	case acctListMsg:
		s.reloading = false
		if msg.err != nil {
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		var keep string
		if a, ok := s.selected(); ok {
			keep = a.ID
		}
		s.rows, s.loaded = msg.rows, true
		for i, r := range s.rows {
			if r.a.ID == keep {
				s.cursor = i
			}
		}
		s.cursor = min(s.cursor, max(len(s.rows)-1, 0))
		return s, nil
	case acctDoneMsg:
		s.busy.Stop()
		if msg.err != nil {
			s.problem = msg.err
			return s, s.load()
		}
		s.problem = nil
		return s, tea.Batch(s.load(), toast(msg.note), warnCmd(msg.warn))
	case accountSavedMsg:
		s.problem = nil
		return s, s.load()
	case dataChangedMsg:
		return s, s.load()
	case engineEventMsg:
		switch {
		case msg.ev.Kind == engine.AccountChanged || msg.ev.Kind == engine.Lagged:
			return s, s.load()
		case msg.ev.Kind == engine.RunChanged && msg.ev.Run != nil && msg.ev.Run.State.Final() && s.showsItems() && !s.reloading:
			// A finished run may have written into an item shown; runs
			// that end while that read is out share it (no read per run).
			s.reloading = true
			return s, s.load()
		}
		return s, nil
	case tea.KeyPressMsg:
		return s, s.onKey(msg)
	}
	return s, nil
}

func (s *accounts) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		return pop
	case key.Matches(msg, k.Up):
		s.cursor = max(s.cursor-1, 0)
		return nil
	case key.Matches(msg, k.Down):
		s.cursor = min(s.cursor+1, max(len(s.rows)-1, 0))
		return nil
	case key.Matches(msg, k.Home):
		s.cursor = 0
		return nil
	case key.Matches(msg, k.End):
		s.cursor = max(len(s.rows)-1, 0)
		return nil
	}
	if key.Matches(msg, k.CompleteItem) {
		return s.completeItem()
	}
	edit := key.Matches(msg, s.addKey(), k.Verify, k.Refresh, k.Delete)
	if !edit {
		return nil
	}
	if cmd := s.c.disabled(engine.OpAccounts); cmd != nil {
		return cmd
	}
	if s.busy.Active() {
		return toast("Wait a moment: " + strings.TrimSuffix(s.busy.Text(), "…") + " is still running")
	}
	s.problem = nil
	if key.Matches(msg, s.addKey()) {
		return push(newAccountForm(s.c))
	}
	a, ok := s.selected()
	if !ok {
		return nil
	}
	b, ctx := s.c.Backend, s.c.Ctx
	switch {
	case key.Matches(msg, k.Verify):
		start := s.busy.Start("Verifying " + a.Name + " with " + acctHost(a.OrgURL) + "…")
		return tea.Batch(start, func() tea.Msg {
			got, err := b.VerifyAccount(ctx, a.ID)
			fail, warn := outcome(err)
			if fail != nil {
				return acctDoneMsg{err: fail}
			}
			return acctDoneMsg{note: "Authenticated as " + got.VerifiedAs, warn: warn}
		})
	case key.Matches(msg, k.Refresh):
		start := s.busy.Start("Reading the user schema of " + a.Name + "…")
		return tea.Batch(start, func() tea.Msg {
			sc, err := b.RefreshSchema(ctx, a.ID)
			fail, warn := outcome(err)
			if fail != nil {
				return acctDoneMsg{err: fail}
			}
			return acctDoneMsg{note: acctFieldsNote(sc, 6), warn: warn}
		})
	case key.Matches(msg, k.Delete):
		// Say at once when it is in use, rather than ask and then refuse.
		return func() tea.Msg {
			users, err := b.AccountUsers(a.ID)
			if err != nil {
				return acctDoneMsg{err: err}
			}
			if len(users) > 0 {
				return acctDoneMsg{err: fmt.Errorf("%s is used by %s: point their steps (or trigger) at another account first", a.Name, strings.Join(users, ", "))}
			}
			return acctAskRemoveMsg{a}
		}
	}
	return nil
}

// acctAskRemoveMsg asks to confirm removing an account no integration uses.
type acctAskRemoveMsg struct{ a storage.Account }

// askRemove builds the removal question.
func (s *accounts) askRemove(a storage.Account) {
	b := s.c.Backend
	s.confirm = ask(s.c, fmt.Sprintf("Remove the account %q? No integration uses it.", a.Name),
		func() tea.Msg {
			fail, warn := outcome(b.RemoveAccount(a.ID))
			if fail != nil {
				return acctDoneMsg{err: fail}
			}
			return acctDoneMsg{note: "Removed the account " + a.Name, warn: warn}
		}, nil)
}

// acctHost is an org URL without its scheme.
func acctHost(orgURL string) string {
	_, host, ok := strings.Cut(orgURL, "://")
	if !ok {
		return orgURL
	}
	return host
}

// acctFieldsNote is "31 fields, 2 custom: costCenter, employeeId", naming
// at most n custom fields.
func acctFieldsNote(sc storage.UserSchema, n int) string {
	var custom []string
	for _, f := range sc.Fields {
		if f.Custom {
			custom = append(custom, f.Name)
		}
	}
	sort.Strings(custom)
	note := fmt.Sprintf("%d fields, %d custom", len(sc.Fields), len(custom))
	if len(custom) == 0 {
		return note
	}
	if len(custom) > n {
		custom = append(custom[:n:n], fmt.Sprintf("+%d more", len(custom)-n))
	}
	return note + ": " + strings.Join(custom, ", ")
}

// completeItem completes the oldest item in progress of the selected
// Kissflow sandbox, as its last approver would: its trigger fires at the
// next poll. (Completing starts runs: it needs the right to run them.)
func (s *accounts) completeItem() tea.Cmd {
	if s.cursor >= len(s.rows) || len(s.rows[s.cursor].items) == 0 {
		return toast("c completes an item of a Kissflow sandbox: select one")
	}
	if cmd := s.c.disabled(engine.OpRunNow); cmd != nil {
		return cmd
	}
	r := s.rows[s.cursor]
	var next *engine.KissflowSandboxItem
	for i := range r.items {
		if it := &r.items[i]; it.Status == "InProgress" && (next == nil || it.CreatedAt.Before(next.CreatedAt)) {
			next = it
		}
	}
	if next == nil {
		return toast("No item in progress left in " + r.a.Name)
	}
	b, account, id, who := s.c.Backend, r.a.Name, next.ID, next.Name
	return func() tea.Msg {
		_, err := b.CompleteKissflowItem(account, id)
		fail, warn := outcome(err)
		if fail != nil {
			return acctDoneMsg{err: fail}
		}
		return acctDoneMsg{note: "Completed " + who + "'s item " + id + ": an integration ON on it picks it up at its next poll", warn: warn}
	}
}
