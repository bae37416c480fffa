package console

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// counter is a model whose view says how many keys and outside messages
// it got.
type counter struct{ keys, ext int }

type (
	extMsg  struct{} // changes the view
	noopMsg struct{} // changes nothing
)

func (c *counter) Init() tea.Cmd { return nil }

func (c *counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyPressMsg:
		c.keys++
	case extMsg:
		c.ext++
	}
	return c, nil
}

func (c *counter) View() tea.View {
	v := tea.NewView(fmt.Sprintf("keys: %d; ext: %d", c.keys, c.ext))
	v.AltScreen = true
	return v
}

// output is a terminal's side of the session.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rendererTicking reports whether Bubble Tea's frame ticker loop runs
// (the goroutine startRenderer starts; it ends when the renderer stops).
func rendererTicking() bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "(*Program).startRenderer.func")
}

// ran is how a program's Run ended.
type ran struct {
	m   tea.Model
	err error
}

func startParking(t *testing.T, after time.Duration) (*tea.Program, *parking, *io.PipeWriter, *output, chan ran) {
	t.Helper()
	inR, inW := io.Pipe()
	out := &output{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, k := parkingProgram(ctx, &counter{}, inR, out, after, tea.WithWindowSize(40, 5), tea.WithoutSignalHandler(), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
	done := make(chan ran, 1)
	go func() { m, err := p.Run(); done <- ran{m, err} }()
	t.Cleanup(func() { p.Kill(); inW.Close() })
	return p, k, inW, out, done
}

// An idle program parks: its frame ticker stops and nothing is written (the
// terminal keeps the last frame). A key wakes it and is drawn; a message
// that changes the view wakes it; one that changes nothing does not. It
// quits while parked restoring the terminal as usual.
func TestIdleSessionParksAndWakes(t *testing.T) {
	p, k, in, out, done := startParking(t, 50*time.Millisecond)
	eventually(t, "the first frame", func() bool { return strings.Contains(out.String(), "keys: 0; ext: 0") })
	if k.parks.Load() == 0 && !rendererTicking() {
		t.Fatal("rendererTicking does not see the frame ticker of a running program")
	}
	eventually(t, "parked", func() bool { return k.parks.Load() == 1 })
	eventually(t, "the frame ticker stopped", func() bool { return !rendererTicking() })
	parkedAt := len(out.String())
	time.Sleep(200 * time.Millisecond)
	if got := out.String()[parkedAt:]; got != "" || strings.Contains(out.String(), "\x1b[?1049l") {
		t.Fatalf("a parked session wrote %q (or left the alternate screen)", got)
	}

	// a message that changes nothing: still parked
	p.Send(noopMsg{})
	time.Sleep(100 * time.Millisecond)
	if k.wakes.Load() != 0 || rendererTicking() {
		t.Fatalf("a message that changes nothing woke the session")
	}

	// a key: woken, drawn, parked again
	in.Write([]byte("a"))
	eventually(t, "the key drawn", func() bool { return strings.Contains(out.String(), "keys: 1; ext: 0") })
	if k.wakes.Load() != 1 {
		t.Fatalf("wakes %d after a key", k.wakes.Load())
	}
	eventually(t, "parked again", func() bool { return k.parks.Load() == 2 && !rendererTicking() })

	// an outside message that changes the view
	p.Send(extMsg{})
	eventually(t, "the message drawn", func() bool { return strings.Contains(out.String(), "keys: 1; ext: 1") })
	eventually(t, "parked a third time", func() bool { return k.parks.Load() == 3 })

	// a resize, though this view does not depend on the size
	p.Send(tea.WindowSizeMsg{Width: 50, Height: 6})
	eventually(t, "woken by the resize and parked again", func() bool { return k.wakes.Load() == 3 && k.parks.Load() == 4 })

	// quitting while parked gives the terminal back
	p.Quit()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the parked program did not quit")
	}
	// The terminal saw the alternate screen entered once and left once, and
	// the keyboard mode pushed once and popped once, however many parks.
	o := out.String()
	for seq, want := range map[string]int{"\x1b[?1049h": 1, "\x1b[?1049l": 1, "\x1b[>1u": 1, "\x1b[<1u": 1} {
		if got := strings.Count(o, seq); got != want {
			t.Errorf("%q written %d times over %d parks, want %d", seq, got, k.parks.Load(), want)
		}
	}
}

// Keys typed at any moment, parks and wakes in between, all arrive.
func TestIdleSessionLosesNoInput(t *testing.T) {
	p, k, in, out, done := startParking(t, 30*time.Millisecond)
	eventually(t, "the first frame", func() bool { return strings.Contains(out.String(), "keys: 0") })
	const n = 40
	for range n {
		time.Sleep(time.Duration(rand.IntN(90)) * time.Millisecond)
		in.Write([]byte("x"))
	}
	time.Sleep(200 * time.Millisecond)
	p.Quit()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got := r.m.(*idleModel).inner.(*counter).keys; got != n || k.parks.Load() < 2 {
		t.Fatalf("%d of %d keys arrived (parked %d times)", got, n, k.parks.Load())
	}
}
