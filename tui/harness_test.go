package tui

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/cursor"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// newTestCommon builds a Common over a real engine on a temp store, with
// the account "sandbox" connected to a simulated org (not started: no
// scheduler, so runs stay queued unless a test starts the engine).
func newTestCommon(t *testing.T) (*Common, *oktatest.Server) {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "oktaflow.db"), storage.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	sim := oktatest.NewServer(oktatest.Options{RateLimit: 100000})
	e, err := engine.New(engine.Options{Store: st, OktaOptions: []okta.Option{okta.WithRetryBackoff(time.Millisecond, 10*time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		stopCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		e.Stop(stopCtx)
		sim.Close()
		st.Close()
	})
	if _, err := e.AddAccount(ctx, engine.AccountInput{Name: "sandbox", Domain: sim.URL, Token: storage.Secret(sim.Token), AllowHTTP: true}); err != nil {
		t.Fatal(err)
	}
	c := &Common{Ctx: ctx, Backend: &testBackend{Session: e.Session("local:test", engine.RoleAdmin), engine: e},
		Styles: NewStyles(true), Keys: DefaultKeyMap(), Width: 78, Height: 20}
	return c, sim
}

// testBackend is the session the screens use, and the engine under it
// that tests set data up with.
type testBackend struct {
	*engine.Session
	engine *engine.Engine
}

// eng is the engine under a test's Common.
func eng(c *Common) *engine.Engine { return c.Backend.(*testBackend).engine }

// asRole makes c's user have role (a viewer, say) from now on.
func asRole(c *Common, role engine.Role) {
	tb := c.Backend.(*testBackend)
	c.Backend = &testBackend{Session: tb.engine.Session(tb.Who(), role), engine: tb.engine}
}

// appMsg reports whether msg is for the app (navigation and feedback)
// rather than for the screen.
func appMsg(msg tea.Msg) bool {
	switch msg.(type) {
	case pushMsg, popMsg, replaceMsg, errMsg, toastMsg, changedWarnMsg:
		return true
	}
	return false
}

// runCmd executes cmd as the Bubble Tea runtime would, feeding screen
// messages back to the screen (following batches and sequences) and
// collecting the app-level messages it produces. Spinner ticks are dropped.
func runCmd(t *testing.T, s Screen, cmd tea.Cmd) (Screen, []tea.Msg) {
	t.Helper()
	s, app, _ := runCmdUntil(t, s, cmd, nil)
	return s, app
}

// runCmdUntil is runCmd that stops as soon as until(s) holds, returning
// the commands not run yet as one (nil until: run them all).
func runCmdUntil(t *testing.T, s Screen, cmd tea.Cmd, until func(Screen) bool) (Screen, []tea.Msg, tea.Cmd) {
	t.Helper()
	var app []tea.Msg
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			t.Fatal("runCmd: too many commands (a loop?)")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := execCmd(t, c)
		switch m := msg.(type) {
		case nil, spinner.TickMsg, cursor.BlinkMsg:
			continue
		case tea.BatchMsg:
			queue = append(queue, m...)
			continue
		}
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := range v.Len() { // a tea.Sequence
				queue = append(queue, v.Index(i).Interface().(tea.Cmd))
			}
			continue
		}
		if appMsg(msg) {
			app = append(app, msg)
			continue
		}
		var next tea.Cmd
		s, next = s.Update(msg)
		queue = append(queue, next)
		if until != nil && until(s) {
			return s, app, tea.Batch(queue...)
		}
	}
	return s, app, nil
}

// execCmd runs one command. Timers (a toast's, a blink's) are abandoned
// after a while; the wait is long enough that a slow engine call on a
// loaded CI machine is never mistaken for one.
func execCmd(t *testing.T, c tea.Cmd) tea.Msg {
	t.Helper()
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		return nil
	}
}

// press sends one key to s and runs what it returns.
func press(t *testing.T, s Screen, k string) (Screen, []tea.Msg) {
	t.Helper()
	next, cmd := s.Update(keyMsg(k))
	return runCmd(t, next, cmd)
}

// typeText types each rune of text into s.
func typeText(t *testing.T, s Screen, text string) Screen {
	t.Helper()
	for _, r := range text {
		next, cmd := s.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		s, _ = runCmd(t, next, cmd)
	}
	return s
}

// keyMsg builds a key press from a name such as "enter", "esc", "ctrl+s", "x".
func keyMsg(k string) tea.KeyPressMsg {
	special := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "space": tea.KeySpace, "backspace": tea.KeyBackspace,
		"delete": tea.KeyDelete, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
	}
	mod := tea.KeyMod(0)
	name := k
	if rest, ok := strings.CutPrefix(k, "ctrl+"); ok {
		mod, name = tea.ModCtrl, rest
	} else if rest, ok := strings.CutPrefix(k, "shift+"); ok {
		mod, name = tea.ModShift, rest
	}
	if code, ok := special[name]; ok {
		return tea.KeyPressMsg{Code: code, Mod: mod}
	}
	r := []rune(name)[0]
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: name}
}

// hasMsg finds the first app message of type T.
func hasMsg[T any](msgs []tea.Msg) (T, bool) {
	for _, m := range msgs {
		if v, ok := m.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func TestHarnessKeys(t *testing.T) {
	k := DefaultKeyMap()
	for name, b := range map[string]func(tea.KeyPressMsg) bool{
		"enter":  func(m tea.KeyPressMsg) bool { return m.String() == "enter" },
		"ctrl+s": func(m tea.KeyPressMsg) bool { return m.String() == "ctrl+s" },
		"x":      func(m tea.KeyPressMsg) bool { return m.String() == "x" },
		"space":  func(m tea.KeyPressMsg) bool { return m.String() == "space" },
		"K":      func(m tea.KeyPressMsg) bool { return m.String() == "K" },
	} {
		if !b(keyMsg(name)) {
			t.Errorf("keyMsg(%q).String() = %q", name, keyMsg(name).String())
		}
	}
	_ = k
}
