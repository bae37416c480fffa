package tui

import (
	"errors"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
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
		body = a.fullHelp(s)
	default:
		body = s.View()
	}
	body = lipgloss.NewStyle().Width(w).Height(h).MaxHeight(h).MaxWidth(w).Render(body)
	parts := []string{a.header(), body}
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
	var bindings []key.Binding
	if !s.Capturing() { // "? help" first: a narrow footer drops the last keys
		bindings = append(bindings, a.c.Keys.Help)
	}
	bindings = append(bindings, s.ShortHelp()...)
	if !s.Capturing() && len(a.stack) <= 1 {
		bindings = append(bindings, a.c.Keys.Quit)
	}
	w, _ := a.bodySize()
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

func (a *App) fullHelp(s Screen) string {
	st := a.c.Styles
	groups := append([][]key.Binding{}, s.FullHelp()...)
	global := []key.Binding{a.c.Keys.Help, a.c.Keys.ForceQuit}
	if len(a.stack) <= 1 {
		global = append(global, a.c.Keys.Quit)
	} else {
		global = append(global, a.c.Keys.Back)
	}
	groups = append(groups, global)
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
