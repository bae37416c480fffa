package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/storage"
)

// audit shows the audit log, newest first: who changed what, and when.
// Older entries load as the cursor reaches the end.
type audit struct {
	c       *Common
	entries []storage.AuditEntry
	cursor  int
	done    bool // no older entries
	loading bool
	w, h    int
}

type auditLoadedMsg struct {
	entries []storage.AuditEntry
	reset   bool
	err     error
}

const auditPage = 200

func newAudit(c *Common) *audit { return &audit{c: c} }

func (a *audit) Init() tea.Cmd    { return a.load(0, true) }
func (a *audit) Title() string    { return "Audit log" }
func (a *audit) Capturing() bool  { return false }
func (a *audit) SetSize(w, h int) { a.w, a.h = w, h }
func (a *audit) ShortHelp() []key.Binding {
	k := a.c.Keys
	return []key.Binding{k.Up, k.Down, withHelp(k.Enter, "the whole entry"), k.PageDown, k.Back}
}
func (a *audit) FullHelp() [][]key.Binding {
	k := a.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End}, {withHelp(k.Enter, "the whole entry"), k.Back}}
}

func (a *audit) load(before uint64, reset bool) tea.Cmd {
	a.loading = true
	b := a.c.Backend
	return func() tea.Msg {
		entries, err := b.Audit(before, auditPage)
		return auditLoadedMsg{entries: entries, reset: reset, err: err}
	}
}

func (a *audit) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case auditLoadedMsg:
		a.loading = false
		if msg.err != nil {
			return a, func() tea.Msg { return errMsg{msg.err} }
		}
		if msg.reset {
			a.entries, a.cursor = nil, 0
		}
		a.entries = append(a.entries, msg.entries...)
		a.done = len(msg.entries) < auditPage
		return a, nil
	case dataChangedMsg, engineEventMsg:
		if len(a.entries) == 0 || a.cursor == 0 {
			return a, a.load(0, true)
		}
		return a, nil
	case tea.KeyPressMsg:
		k := a.c.Keys
		page := max(a.h-3, 1)
		switch {
		case key.Matches(msg, k.Back):
			return a, pop
		case key.Matches(msg, k.Enter) && a.cursor < len(a.entries):
			return a, push(newAuditEntry(a.c, a.entries[a.cursor]))
		case key.Matches(msg, k.Up):
			a.cursor--
		case key.Matches(msg, k.Down):
			a.cursor++
		case key.Matches(msg, k.PageUp):
			a.cursor -= page
		case key.Matches(msg, k.PageDown):
			a.cursor += page
		case key.Matches(msg, k.Home):
			a.cursor = 0
		case key.Matches(msg, k.End):
			a.cursor = len(a.entries) - 1
		}
		a.cursor = min(max(a.cursor, 0), max(len(a.entries)-1, 0))
		if !a.done && !a.loading && a.cursor >= len(a.entries)-page && len(a.entries) > 0 {
			return a, a.load(a.entries[len(a.entries)-1].Seq, false)
		}
	}
	return a, nil
}

func (a *audit) View() string {
	st := a.c.Styles
	if len(a.entries) == 0 {
		if a.loading {
			return st.Faint.Render("Loading the audit log…")
		}
		return st.Faint.Render("Nothing recorded yet: changes to integrations and accounts, tests and retries appear here, with who made them.")
	}
	whoW := min(max(a.w/4, 16), 40)
	actW := 22
	var b strings.Builder
	b.WriteString(st.Label.Render(truncate("  "+pad("WHEN", 19)+" "+pad("WHO", whoW)+" "+pad("ACTION", actW)+" TARGET / DETAIL", a.w)) + "\n")
	rows := max(a.h-2, 1)
	start := 0
	if a.cursor >= rows {
		start = a.cursor - rows + 1
	}
	for i := start; i < len(a.entries) && i < start+rows; i++ {
		e := a.entries[i]
		marker := "  "
		if i == a.cursor {
			marker = st.Cursor.Render("▸ ")
		}
		target := e.Target
		if e.Detail != "" {
			target += " · " + e.Detail
		}
		line := marker + pad(e.At.Local().Format("2006-01-02 15:04:05"), 19) + " " + pad(whoLabel(e.Who), whoW) + " " +
			st.Bold.Render(pad(e.Action, actW)) + " " + target
		b.WriteString(truncate(line, a.w) + "\n")
	}
	if !a.done {
		b.WriteString(st.Faint.Render(fmt.Sprintf("  %d shown · older entries load as you scroll", len(a.entries))))
	}
	return b.String()
}

// whoLabel puts an SSH key's comment before its fingerprint, so that a
// narrow column still says who it was: "alice@team · SHA256:abc…".
func whoLabel(who string) string {
	rest, ok := strings.CutPrefix(who, "ssh:")
	if !ok {
		return who
	}
	fp, comment, found := strings.Cut(rest, " ")
	if !found {
		return fp
	}
	return comment + " · " + fp
}

// auditEntry shows one audit entry in full: the list cuts long details
// and SSH identities to fit its columns.
type auditEntry struct {
	c    *Common
	e    storage.AuditEntry
	w, h int
}

func newAuditEntry(c *Common, e storage.AuditEntry) *auditEntry {
	return &auditEntry{c: c, e: e, w: c.Width, h: c.Height}
}

func (a *auditEntry) Init() tea.Cmd             { return nil }
func (a *auditEntry) Title() string             { return "Entry " + strconv.FormatUint(a.e.Seq, 10) }
func (a *auditEntry) Capturing() bool           { return false }
func (a *auditEntry) SetSize(w, h int)          { a.w, a.h = w, h }
func (a *auditEntry) ShortHelp() []key.Binding  { return []key.Binding{a.c.Keys.Back} }
func (a *auditEntry) FullHelp() [][]key.Binding { return [][]key.Binding{a.ShortHelp()} }

func (a *auditEntry) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, a.c.Keys.Back) {
		return a, pop
	}
	return a, nil
}

func (a *auditEntry) View() string {
	st := a.c.Styles
	e := a.e
	return strings.Join([]string{
		st.Section.Render("Audit entry " + strconv.FormatUint(e.Seq, 10)), "",
		rdField(st, "When", rdTime(e.At), a.w),
		rdField(st, "Who", e.Who, a.w),
		rdField(st, "Action", st.Bold.Render(e.Action), a.w),
		rdField(st, "Target", e.Target, a.w),
		rdField(st, "Detail", e.Detail, a.w),
	}, "\n")
}
