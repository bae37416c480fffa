package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// View lays out header, body, error banner, status bar and footer.
func (a *App) View() tea.View {
	frame := a.render()
	a.lastFrame.Store(&frame)
	if a.top() != nil {
		a.firstOnce.Do(func() { close(a.firstFrame) })
	}
	v := tea.NewView(frame)
	v.AltScreen = true
	v.WindowTitle = "oktaflow"
	return v
}

func (a *App) render() string {
	if a.width == 0 {
		return "Starting oktaflow…"
	}
	st := a.c.Styles
	w, h := a.bodySize()
	var body string
	s := a.top()
	switch {
	case s == nil:
		body = st.Faint.Render("Loading…")
	case a.showHelp:
		lines := strings.Split(a.fullHelp(s), "\n")
		if len(lines) > h {
			off := min(a.helpOff, len(lines)-h+1)
			lines = append(lines[off:off+h-1], a.c.Styles.Faint.Render(fmt.Sprintf("↓/↑ scroll · %d more lines", len(lines)-off-h+1)))
		}
		body = strings.Join(lines, "\n")
	default:
		body = s.View()
	}
	// An open question takes the body's last lines: the screen's top stays.
	question := ""
	if q := a.prompt(); q != nil {
		question = q.View()
		h = max(h-lipgloss.Height(question), 1)
	}
	body = lipgloss.NewStyle().Width(w).Height(h).MaxHeight(h).MaxWidth(w).Render(body)
	parts := []string{a.header(), body}
	if question != "" {
		parts = append(parts, question)
	}
	if a.err != nil {
		parts = append(parts, a.errorView())
	}
	if a.quitQ != nil {
		parts = append(parts, a.quitQ.View())
	}
	if n := a.noteView(); n != "" {
		parts = append(parts, n)
	}
	parts = append(parts, a.statusBar(), a.footer())
	return st.App.Render(lipgloss.JoinVertical(lipgloss.Left, parts...))
}

func (a *App) header() string {
	st := a.c.Styles
	titles := make([]string, 0, len(a.stack))
	for _, s := range a.stack {
		titles = append(titles, s.Title())
	}
	left := st.Brand.Render("oktaflow") + st.Crumb.Render("  "+strings.Join(titles, " › "))
	right := ""
	if a.c.Backend.Role() == Viewer {
		right = st.WarnText.Render("viewer · read-only")
	}
	w, _ := a.bodySize()
	gap := max(w-lipgloss.Width(left)-lipgloss.Width(right), 1)
	line := left + strings.Repeat(" ", gap) + right
	rule := lipgloss.NewStyle().Foreground(st.Subtle).Render(strings.Repeat("─", w))
	return lipgloss.JoinVertical(lipgloss.Left, truncate(line, w), rule)
}

func (a *App) errorView() string {
	w := max(a.width-2, 10)
	msg := a.err.Error()
	var ps engine.Problems
	if errors.As(a.err, &ps) {
		lines := []string{"Fix these first:"}
		for _, p := range ps {
			lines = append(lines, problemText(storage.Integration{}, p))
		}
		msg = strings.Join(lines, "\n")
	}
	return a.c.Styles.ErrorBox.Width(w).Render(msg + a.c.Styles.Faint.Render("  (any key)"))
}

// noteView is a toast too long to share the status bar, wrapped on lines
// of its own ("" when there is none, or it fits the bar).
func (a *App) noteView() string {
	w := max(a.width-2, 10)
	if a.toast == "" || lipgloss.Width(a.toast) <= w/2 {
		return ""
	}
	return a.c.Styles.OKText.Render(strings.TrimRight(wrap(a.toast, w), " \n"))
}

func (a *App) statusBar() string {
	st := a.c.Styles
	w, _ := a.bodySize()
	var parts []string
	// A short note (a toast) comes first in the bar; a long one has lines
	// of its own above it (noteView), never cut.
	if a.toast != "" && a.noteView() == "" {
		parts = append(parts, st.OKText.Render(a.toast))
	}
	running := a.status.counts[storage.RunRunning]
	queued := a.status.counts[storage.RunQueued] + a.status.counts[storage.RunRetrying] + a.status.counts[storage.RunWaiting]
	engineState := st.OKText.Render("●") + " engine"
	switch {
	case a.engineStarting:
		engineState = st.Faint.Render("○ engine starting…")
	case a.engineErr != nil:
		engineState = st.ErrorText.Render("✗ engine stopped")
	}
	if running > 0 {
		engineState = a.spin.View() + " engine"
	}
	parts = append(parts, engineState)
	if a.c.HookBase != "" {
		parts = append(parts, "webhooks "+st.StatusKey.Render(a.c.HookBase))
	} else if a.c.listen.err != nil {
		parts = append(parts, st.WarnText.Render("webhooks off: port busy"))
	} else if a.c.listen.addr != "" {
		parts = append(parts, "webhooks "+st.StatusKey.Render("http://"+a.c.listen.addr))
	}
	parts = append(parts, "queue "+itoa(queued), itoa(running)+" running")
	if until, ok := a.latestWait(); ok {
		parts = append(parts, st.WarnText.Render("Okta rate limit: waiting until "+until.Local().Format("15:04:05")))
	}
	return truncate(st.StatusBar.Render(strings.Join(parts, st.Faint.Render(" · "))), w)
}

func (a *App) latestWait() (time.Time, bool) {
	var latest time.Time
	for _, u := range a.status.waits {
		if u.After(latest) {
			latest = u
		}
	}
	return latest, !latest.IsZero() && time.Now().Before(latest)
}

func (a *App) footer() string {
	s := a.top()
	if s == nil {
		return ""
	}
	w, _ := a.bodySize()
	if a.quitQ != nil || a.prompt() != nil { // the question's keys, not the screen's
		return a.help.ShortHelpView(a.fitBindings(a.answerKeys(), w))
	}
	var bindings []key.Binding
	if !s.Capturing() { // "? help" first: a narrow footer drops the last keys
		bindings = append(bindings, a.c.Keys.Help)
	}
	bindings = append(bindings, s.ShortHelp()...)
	if !s.Capturing() && len(a.stack) <= 1 {
		bindings = append(bindings, a.c.Keys.Quit)
	}
	return a.help.ShortHelpView(a.fitBindings(bindings, w))
}

// fitBindings drops whole bindings from the end until the footer fits w,
// keeping "? help" (it lists them all) and esc (the way out): a key is
// never cut in half.
func (a *App) fitBindings(bindings []key.Binding, w int) []key.Binding {
	back := a.c.Keys.Back.Keys()
	measure := a.help
	measure.SetWidth(0) // help's own cut ("…") would hide the overflow
	for len(bindings) > 1 && lipgloss.Width(measure.ShortHelpView(bindings)) > w {
		drop := -1
		for i := len(bindings) - 1; i > 0; i-- {
			if !slices.Equal(bindings[i].Keys(), back) {
				drop = i
				break
			}
		}
		if drop < 0 {
			break
		}
		bindings = slices.Delete(slices.Clone(bindings), drop, drop+1)
	}
	return bindings
}

// helpGroups are the keys the full help lists: the screen's, then the
// app's own, each key with a meaning once. A key the screen lists says
// what it does there ("esc continue to the test"), so the app's generic
// line for it ("esc back") is left out; a key listed twice with two
// meanings (enter: edit, and save while editing) stays.
func (a *App) helpGroups(s Screen) [][]key.Binding {
	global := []key.Binding{a.c.Keys.Help, a.c.Keys.ForceQuit}
	if len(a.stack) <= 1 {
		global = append(global, a.c.Keys.Quit)
	} else {
		global = append(global, a.c.Keys.Back)
	}
	var out [][]key.Binding
	listed := map[string]bool{} // help key + meaning
	keys := map[string]bool{}   // the keys the screen lists
	add := func(g []key.Binding, screen bool) {
		var kept []key.Binding
		for _, b := range g {
			entry := b.Help().Key + "\x00" + b.Help().Desc
			if listed[entry] || (!screen && slices.ContainsFunc(b.Keys(), func(k string) bool { return keys[k] })) {
				continue
			}
			listed[entry] = true
			if screen {
				for _, k := range b.Keys() {
					keys[k] = true
				}
			}
			kept = append(kept, b)
		}
		if len(kept) > 0 {
			out = append(out, kept)
		}
	}
	for _, g := range s.FullHelp() {
		add(g, true)
	}
	add(global, false)
	return out
}

func (a *App) fullHelp(s Screen) string {
	st := a.c.Styles
	groups := a.helpGroups(s)
	// Lay the groups out in rows that fit the width: help's own view puts
	// them all side by side and cuts what does not fit (so it measures
	// without a width).
	w, _ := a.bodySize()
	view := a.help
	view.SetWidth(0)
	var rows []string
	var row [][]key.Binding
	for _, g := range groups {
		candidate := append(append([][]key.Binding{}, row...), g)
		if len(row) > 0 && lipgloss.Width(view.FullHelpView(candidate)) > w {
			rows = append(rows, view.FullHelpView(row))
			row = [][]key.Binding{g}
			continue
		}
		row = candidate
	}
	if len(row) > 0 {
		rows = append(rows, view.FullHelpView(row))
	}
	out := st.Section.Render("Keys on "+s.Title()) + "\n\n" + strings.Join(rows, "\n\n")
	if n, ok := s.(helpNoter); ok {
		out += "\n\n" + strings.Join(n.HelpNote(), "\n")
	}
	return out + "\n\n" + st.Faint.Render("? or esc closes this help")
}

// FirstFrame is closed once the app's first screen was drawn.
func (a *App) FirstFrame() <-chan struct{} { return a.firstFrame }

// LastFrame returns the latest frame the program rendered ("" before the first).
func (a *App) LastFrame() string {
	if f := a.lastFrame.Load(); f != nil {
		return *f
	}
	return ""
}

// helpMax is how far the help can scroll.
func (a *App) helpMax() int {
	s := a.top()
	if s == nil {
		return 0
	}
	_, h := a.bodySize()
	return max(strings.Count(a.fullHelp(s), "\n")+1-h+1, 0)
}

// prompt is the active screen's open question, if any.
func (a *App) prompt() *widget.Confirm {
	if p, ok := a.top().(prompter); ok {
		return p.Prompt()
	}
	return nil
}

// answerKeys are the footer while a question is open: how to answer it.
func (a *App) answerKeys() []key.Binding {
	k := a.c.Keys
	return []key.Binding{
		withHelp(k.Yes, "yes"),
		key.NewBinding(key.WithKeys(k.No.Keys()...), key.WithHelp("n/esc", "no")),
		key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "choose")),
		withHelp(k.Enter, "answer"),
	}
}
