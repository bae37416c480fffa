package tui

import (
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// App is the root model: a stack of screens under a header, with a status
// bar and a help footer below.
type App struct {
	c        *Common
	stack    []Screen
	width    int
	height   int
	help     help.Model
	showHelp bool
	err      error
	toast    string
	toastID  int
	spin     spinner.Model
	status   status
	events   <-chan engine.Event
	started  bool
	spinning bool // the status bar spinner's tick is armed
	// quitAsked: q was pressed while integrations are ON; y quits.
	quitAsked bool

	// lastFrame is the latest rendered frame, for tests and benchmarks
	// that watch a running program from another goroutine.
	lastFrame atomic.Pointer[string]
}

// status is what the status bar shows.
type status struct {
	counts    map[storage.RunState]int
	waits     map[string]time.Time // account/bucket → until
	listenErr error
}

// engineEventMsg carries one engine event into Update.
type engineEventMsg struct{ ev engine.Event }

type countsMsg map[storage.RunState]int

type startMsg struct{ hasAccounts bool }

type tickMsg time.Time

// New builds the app for one program.
func New(c *Common) *App {
	a := &App{c: c, help: help.New(), status: status{waits: map[string]time.Time{}}}
	a.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	a.applyStyles()
	return a
}

func (a *App) applyStyles() {
	a.help.Styles = help.DefaultStyles(a.c.Styles.IsDark)
	a.spin.Style = lipgloss.NewStyle().Foreground(a.c.Styles.Accent)
}

// Init subscribes to the engine and decides the first screen.
func (a *App) Init() tea.Cmd {
	a.events = a.c.Engine.Subscribe(a.c.Ctx)
	e := a.c.Engine
	return tea.Batch(
		tea.RequestBackgroundColor,
		a.waitEvent(),
		a.loadCounts(),
		tick(),
		func() tea.Msg {
			accounts, err := e.Store().Accounts()
			if err != nil {
				return errMsg{err}
			}
			return startMsg{hasAccounts: len(accounts) > 0}
		},
	)
}

func tick() tea.Cmd { return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) }) }

// waitEvent reads the next engine event; it re-arms itself in Update.
func (a *App) waitEvent() tea.Cmd {
	ch := a.events
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return nil
		}
		return engineEventMsg{ev}
	}
}

func (a *App) loadCounts() tea.Cmd {
	e := a.c.Engine
	return func() tea.Msg {
		counts, err := e.Store().RunCounts()
		if err != nil {
			return nil
		}
		return countsMsg(counts)
	}
}

func (a *App) top() Screen {
	if len(a.stack) == 0 {
		return nil
	}
	return a.stack[len(a.stack)-1]
}

// bodySize is the screen area: the window less header (2 lines), status
// bar (1), footer (1) and the app's side padding.
func (a *App) bodySize() (int, int) {
	h := a.height - 4
	if a.err != nil {
		h -= lipgloss.Height(a.errorView())
	}
	return max(a.width-2, 10), max(h, 3)
}

func (a *App) resize() {
	w, h := a.bodySize()
	a.c.Width, a.c.Height = w, h
	for _, s := range a.stack {
		s.SetSize(w, h)
	}
	a.help.SetWidth(w)
}

func (a *App) pushScreen(s Screen) tea.Cmd {
	a.stack = append(a.stack, s)
	w, h := a.bodySize()
	s.SetSize(w, h)
	return s.Init()
}

// Update routes messages: sizes to every screen, navigation to the stack,
// everything else to the active screen.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.resize()
		return a, nil
	case tea.BackgroundColorMsg:
		a.c.Styles = NewStyles(msg.IsDark())
		a.applyStyles()
		return a, a.forward(msg)
	case startMsg:
		if a.started {
			return a, nil
		}
		a.started = true
		if msg.hasAccounts {
			return a, a.pushScreen(newIntegrations(a.c))
		}
		return a, a.pushScreen(newWelcome(a.c))
	case pushMsg:
		return a, a.pushScreen(msg.screen)
	case replaceMsg:
		if len(a.stack) > 0 {
			a.stack = a.stack[:len(a.stack)-1]
		}
		return a, a.pushScreen(msg.screen)
	case popMsg:
		if len(a.stack) > 1 {
			a.stack = a.stack[:len(a.stack)-1]
			return a, a.forward(dataChangedMsg{})
		}
		return a, nil
	case homeMsg:
		if len(a.stack) > 0 {
			if _, ok := a.stack[0].(*integrations); !ok {
				a.stack = []Screen{newIntegrations(a.c)}
				return a, a.stack[0].Init()
			}
			a.stack = a.stack[:1]
		}
		return a, a.forward(dataChangedMsg{})
	case errMsg:
		a.err = msg.err
		a.resize()
		return a, nil
	case toastMsg:
		a.toast = msg.text
		a.toastID++
		id := a.toastID
		return a, tea.Tick(4*time.Second, func(time.Time) tea.Msg { return clearToastMsg{id} })
	case clearToastMsg:
		if msg.id == a.toastID {
			a.toast = ""
		}
		return a, nil
	case countsMsg:
		a.status.counts = msg
		// The status bar's spinner turns only while runs are in flight.
		if msg[storage.RunRunning] > 0 && !a.spinning {
			a.spinning = true
			return a, a.spin.Tick
		}
		return a, nil
	case tickMsg:
		for k, until := range a.status.waits {
			if time.Now().After(until) {
				delete(a.status.waits, k)
			}
		}
		return a, tick()
	case spinner.TickMsg:
		if msg.ID != a.spin.ID() { // a screen's own spinner
			return a, a.forward(msg)
		}
		if a.status.counts[storage.RunRunning] == 0 {
			a.spinning = false
			return a, nil
		}
		var cmd tea.Cmd
		a.spin, cmd = a.spin.Update(msg)
		return a, cmd
	case engineEventMsg:
		return a, tea.Batch(a.waitEvent(), a.onEvent(msg.ev), a.forward(msg))
	case tea.KeyPressMsg:
		return a, a.onKey(msg)
	}
	return a, a.forward(msg)
}

func (a *App) onEvent(ev engine.Event) tea.Cmd {
	switch ev.Kind {
	case engine.RateLimitWait:
		k := ev.AccountID + " " + ev.Bucket
		if ev.Until.IsZero() {
			delete(a.status.waits, k)
		} else {
			a.status.waits[k] = ev.Until
		}
	case engine.RunChanged, engine.Lagged:
		return a.loadCounts()
	}
	return nil
}

func (a *App) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.c.Keys
	if key.Matches(msg, k.ForceQuit) {
		return tea.Quit
	}
	if a.err != nil { // any key dismisses the error banner, and does nothing else
		a.err = nil
		a.resize()
		return nil
	}
	if a.showHelp {
		if key.Matches(msg, k.Help) || key.Matches(msg, k.Back) || key.Matches(msg, k.Quit) {
			a.showHelp = false
		}
		return nil
	}
	if a.quitAsked {
		a.quitAsked = false
		if key.Matches(msg, k.Yes) {
			return tea.Quit
		}
		return nil
	}
	s := a.top()
	if s == nil || !s.Capturing() {
		switch {
		case key.Matches(msg, k.Help):
			a.showHelp = true
			return nil
		case key.Matches(msg, k.Quit) && len(a.stack) <= 1:
			if home, ok := s.(*integrations); ok && home.anyOn() && a.c.HookBase == "" {
				a.quitAsked = true // the local app: closing it stops the integrations
				return nil
			}
			return tea.Quit
		}
	}
	return a.forward(msg)
}

// forward sends msg to the active screen.
func (a *App) forward(msg tea.Msg) tea.Cmd {
	s := a.top()
	if s == nil {
		return nil
	}
	next, cmd := s.Update(msg)
	a.stack[len(a.stack)-1] = next
	return cmd
}

// View lays out header, body, error banner, status bar and footer.
func (a *App) View() tea.View {
	frame := a.render()
	a.lastFrame.Store(&frame)
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
	if a.c.Role == Viewer {
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
		msg = "Fix these first:\n" + ps.Error()
	}
	return a.c.Styles.ErrorBox.Width(w).Render(msg + a.c.Styles.Faint.Render("  (any key)"))
}

func (a *App) statusBar() string {
	st := a.c.Styles
	w, _ := a.bodySize()
	var parts []string
	// A note (a toast) comes first, so that a narrow terminal still shows it.
	if a.quitAsked {
		parts = append(parts, st.WarnText.Render("Quit? Integrations stop running while oktaflow is closed (oktaflow serve keeps them on). y quits"))
	}
	if a.toast != "" {
		parts = append(parts, st.OKText.Render(a.toast))
	}
	running := a.status.counts[storage.RunRunning]
	queued := a.status.counts[storage.RunQueued] + a.status.counts[storage.RunRetrying] + a.status.counts[storage.RunWaiting]
	engineState := st.OKText.Render("●") + " engine"
	if running > 0 {
		engineState = a.spin.View() + " engine"
	}
	parts = append(parts, engineState)
	if a.c.HookBase != "" {
		parts = append(parts, "webhooks "+st.StatusKey.Render(a.c.HookBase))
	} else if addr, err := a.c.Engine.ListenStatus(); err != nil {
		parts = append(parts, st.WarnText.Render("webhooks off: port busy"))
	} else if addr != "" {
		parts = append(parts, "webhooks "+st.StatusKey.Render("http://"+addr))
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
	}
	groups = append(groups, global)
	// Lay the groups out in rows that fit the width: help's own view puts
	// them all side by side and cuts what does not fit.
	w, _ := a.bodySize()
	var rows []string
	var row [][]key.Binding
	for _, g := range groups {
		candidate := append(append([][]key.Binding{}, row...), g)
		if len(row) > 0 && lipgloss.Width(a.help.FullHelpView(candidate)) > w {
			rows = append(rows, a.help.FullHelpView(row))
			row = [][]key.Binding{g}
			continue
		}
		row = candidate
	}
	if len(row) > 0 {
		rows = append(rows, a.help.FullHelpView(row))
	}
	return st.Section.Render("Keys on "+s.Title()) + "\n\n" + strings.Join(rows, "\n\n") +
		"\n\n" + st.Faint.Render("? or esc closes this help")
}

// LastFrame returns the latest frame the program rendered ("" before the first).
func (a *App) LastFrame() string {
	if f := a.lastFrame.Load(); f != nil {
		return *f
	}
	return ""
}
