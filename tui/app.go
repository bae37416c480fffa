package tui

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
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
	helpOff  int // the first line of the help shown, when it is longer than the screen
	err      error
	toast    string
	toastID  int
	spin     spinner.Model
	status   status
	events   <-chan engine.Event
	started  bool
	spinning bool // the status bar spinner's tick is armed
	// quitQ asks before quitting the local app while integrations are ON.
	quitQ *widget.Confirm

	// engineStarting: the engine starts after the first frame (local app);
	// engineErr says why it did not.
	engineStarting bool
	engineErr      error

	// lastFrame is the latest rendered frame, for tests and benchmarks
	// that watch a running program from another goroutine; firstFrame is
	// closed once a screen's first frame went to the renderer. Neither is
	// the model's state: View writes them for watchers and reads nothing
	// back.
	lastFrame  atomic.Pointer[string]
	firstFrame chan struct{}
	firstOnce  sync.Once
}

// EngineStartedMsg tells the app that the engine it shows has started (the
// local app starts it after its first frame, so that it opens at once);
// Err says why it did not.
type EngineStartedMsg struct{ Err error }

// status is what the status bar shows.
type status struct {
	counts map[storage.RunState]int
	waits  map[string]time.Time // account/bucket → until
}

// engineEventMsg carries one engine event into Update.
type engineEventMsg struct{ ev engine.Event }

type countsMsg map[storage.RunState]int

type startMsg struct{ hasAccounts bool }

// waitOverMsg: a rate-limit wait shown in the status bar is due to end.
type waitOverMsg struct{}

// New builds the app for one program.
func New(c *Common) *App {
	a := &App{c: c, help: help.New(), status: status{waits: map[string]time.Time{}},
		engineStarting: c.EngineStarting, firstFrame: make(chan struct{})}
	a.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	a.applyStyles()
	return a
}

func (a *App) applyStyles() {
	a.help.Styles = widget.HelpStyles(a.c.Styles.Styles)
	a.spin.Style = lipgloss.NewStyle().Foreground(a.c.Styles.Accent)
}

// Init subscribes to the engine and decides the first screen.
func (a *App) Init() tea.Cmd {
	a.events = a.c.Backend.Subscribe(a.c.Ctx)
	b := a.c.Backend
	return tea.Batch(
		tea.RequestBackgroundColor,
		a.waitEvent(),
		a.loadCounts(),
		a.loadListen(),
		clockTick(),
		func() tea.Msg {
			accounts, err := b.Accounts()
			if err != nil {
				return errMsg{err}
			}
			return startMsg{hasAccounts: len(accounts) > 0}
		},
	)
}

// listenMsg is where the webhook listener listens (or why it does not).
type listenMsg struct {
	addr string
	err  error
}

func (a *App) loadListen() tea.Cmd {
	b := a.c.Backend
	return func() tea.Msg {
		addr, err := b.ListenStatus()
		return listenMsg{addr, err}
	}
}

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
	b := a.c.Backend
	return func() tea.Msg {
		counts, err := b.RunCounts()
		if err != nil {
			return errMsg{fmt.Errorf("read the run counts: %w", err)}
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
	if a.quitQ != nil {
		h -= lipgloss.Height(a.quitQ.View())
	}
	if n := a.noteView(); n != "" {
		h -= lipgloss.Height(n)
	}
	return max(a.width-2, 10), max(h, 3)
}

func (a *App) resize() {
	w, h := a.bodySize()
	a.c.Width, a.c.Height = w, h
	for _, s := range a.stack {
		s.SetSize(w, h)
		if p, ok := s.(prompter); ok && p.Prompt() != nil {
			p.Prompt().SetWidth(w)
		}
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
	if _, key := msg.(tea.KeyPressMsg); a.quitQ != nil && !key && forForm(msg) {
		_, cmd := answer(&a.quitQ, msg) // huh's own messages (keys go through onKey)
		a.resize()
		return a, cmd
	}
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
	case errMsg:
		a.err = msg.err
		a.resize()
		return a, nil
	case changedWarnMsg:
		a.err = msg.err
		a.resize()
		return a, a.forward(dataChangedMsg{})
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
	case EngineStartedMsg:
		a.engineStarting, a.engineErr = false, msg.Err
		if msg.Err != nil {
			a.err = fmt.Errorf("the engine did not start: %w (nothing runs until oktaflow is restarted)", msg.Err)
			a.resize()
		}
		return a, tea.Batch(a.loadListen(), a.loadCounts())
	case listenMsg:
		a.c.listen = listenState(msg)
		return a, nil
	case countsMsg:
		a.status.counts = msg
		// The status bar's spinner turns only while runs are in flight.
		if msg[storage.RunRunning] > 0 && !a.spinning {
			a.spinning = true
			return a, a.spin.Tick
		}
		return a, nil
	case clockMsg: // relative times redraw (clock.go)
		return a, clockTick()
	case waitOverMsg: // no periodic tick: a timer is set for each wait's end
		for k, until := range a.status.waits {
			if !time.Now().Before(until) {
				delete(a.status.waits, k)
			}
		}
		return a, nil
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
			return tea.Tick(time.Until(ev.Until)+10*time.Millisecond, func(time.Time) tea.Msg { return waitOverMsg{} })
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
		switch {
		case key.Matches(msg, k.Help) || key.Matches(msg, k.Back) || key.Matches(msg, k.Quit):
			a.showHelp = false
		case key.Matches(msg, k.Down, k.PageDown): // a help longer than the screen scrolls
			a.helpOff = min(a.helpOff+1, a.helpMax())
		case key.Matches(msg, k.Up, k.PageUp):
			a.helpOff = max(a.helpOff-1, 0)
		}
		return nil
	}
	if a.quitQ != nil {
		_, cmd := answer(&a.quitQ, msg)
		a.resize()
		return cmd
	}
	s := a.top()
	if s == nil || !s.Capturing() {
		switch {
		case key.Matches(msg, k.Help):
			a.showHelp, a.helpOff = true, 0
			return nil
		case key.Matches(msg, k.Quit) && len(a.stack) <= 1:
			if home, ok := s.(*integrations); ok && home.anyOn() && a.c.HookBase == "" {
				// the local app: closing it stops the integrations
				a.quitQ = ask(a.c, "Quit? Integrations stop running while oktaflow is closed (oktaflow serve keeps them on).", tea.Quit, nil)
				a.quitQ.SetWidth(max(a.width-2, 20))
				a.resize()
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
