package console

import (
	"context"
	"io"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Parking an idle app session, so that it costs serve nothing.
//
// Bubble Tea v2.1.1 draws from a fixed-rate ticker that runs for as long as
// the program does (startRenderer in its tea.go: a time.Ticker at the frame
// rate, 60/s, that wakes to compare the frame whether or not anything
// changed; upstream bubbletea#1776 and #1796 are open, and v2.1.1 is the
// newest release). Its renderer cannot be replaced (the interface is
// unexported) and WithoutRenderer keeps the ticker. The one public way to
// stop the ticker without ending the program is ReleaseTerminal, the
// call tea.Exec makes around a child process; RestoreTerminal starts it
// again and repaints.
//
// So a session that has neither input nor a change of its view for
// parkAfter parks: on the event loop (where tea.Exec does the same), its
// input is paused and ReleaseTerminal stops the ticker and the read loop.
// What ReleaseTerminal writes to give the terminal back (leave the alternate
// screen, show the cursor) is discarded: the user's terminal keeps the last
// frame, which the renderer had drawn long before. The program itself runs
// on: engine events still reach the model. It wakes (RestoreTerminal, a full
// repaint) when a key arrives, when the window is resized, or when a
// message changes the view. The terminal never left the alternate screen,
// so of the first frame after a wake two sequences are dropped: entering
// the alternate screen again (it would overwrite the cursor position saved
// for the user's shell) and pushing the keyboard mode again (its pop was
// discarded; the stack would grow by one each wake). The renderer clears
// and repaints by itself.
//
// Invariants:
//   - park and wake run only on the program's event loop (from Update), so
//     they never race the program's own shutdown or each other.
//   - No input is lost: bytes read while parked wait in parkableInput for
//     the next read loop, and a park that would strand bytes is refused.
//   - Output is discarded only inside ReleaseTerminal; a program that quits
//     while parked restores the terminal as usual.

// parkAfter is how long a session must be idle before it parks: many
// frames, so the renderer has drawn the last view long before.
const parkAfter = time.Second

type (
	parkMsg struct{} // the idle timer fired
	wakeMsg struct{} // input arrived while parked
)

// parking is one session's park state.
type parking struct {
	p     *tea.Program
	in    *parkableInput
	out   *gatedOutput
	after time.Duration
	timer *time.Timer

	epoch      time.Time
	lastActive atomic.Int64 // since epoch (monotonic), of the last input or view change
	viewSeq    atomic.Int64 // counts view changes; the output notes it at each write
	parks      atomic.Int64 // times parked (for tests)
	wakes      atomic.Int64 // times woken (for tests)

	// Event loop only.
	parked   bool
	lastView viewKey
}

// parkingProgram makes the program of a session whose input is in and
// output is out, parking when idle for after. The program ends with ctx's
// session (its timer stops then).
func parkingProgram(ctx context.Context, m tea.Model, in io.Reader, out io.Writer, after time.Duration, opts ...tea.ProgramOption) (*tea.Program, *parking) {
	k := &parking{after: after, epoch: time.Now()}
	k.out = &gatedOutput{w: out, seq: &k.viewSeq}
	k.in = newParkableInput(in, k.onInput)
	opts = append(opts, tea.WithInput(k.in), tea.WithOutput(k.out))
	k.p = tea.NewProgram(&idleModel{inner: m, k: k}, opts...)
	k.touch()
	k.timer = time.AfterFunc(after, func() { k.p.Send(parkMsg{}) })
	context.AfterFunc(ctx, func() { k.timer.Stop() })
	go k.in.pump()
	return k.p, k
}

// touch records activity and pushes the park timer back.
func (k *parking) touch() {
	k.lastActive.Store(int64(time.Since(k.epoch)))
	if k.timer != nil {
		k.timer.Reset(k.after)
	}
}

// onInput runs on the input pump after bytes arrived.
func (k *parking) onInput(parked bool) {
	k.touch()
	if parked {
		k.p.Send(wakeMsg{})
	}
}

// park stops the renderer's ticker and the read loop (event loop only).
func (k *parking) park() {
	if k.parked {
		return
	}
	idle := time.Since(k.epoch) - time.Duration(k.lastActive.Load())
	if idle < k.after {
		k.timer.Reset(k.after - idle)
		return
	}
	// The renderer must have drawn the last view: ReleaseTerminal's own
	// final flush goes where its other output goes (discarded). A write
	// begun after the last change is that frame; a change that draws
	// nothing (the same cells) parks after a longer wait.
	if drawn := k.out.lastSeq.Load() >= k.viewSeq.Load(); !drawn && idle < 10*k.after {
		k.timer.Reset(k.after)
		return
	}
	if !k.in.pause() {
		k.timer.Reset(k.after) // the read loop is still busy with bytes: later
		return
	}
	k.out.discard.Store(true)
	_ = k.p.ReleaseTerminal() // over SSH there is no tty state to restore: it cannot fail
	k.out.discard.Store(false)
	k.parked = true
	k.parks.Add(1)
}

// wake starts the read loop and the renderer again (event loop only).
func (k *parking) wake() {
	if !k.parked {
		return
	}
	k.parked = false
	k.in.resume()
	k.out.rejoin.Store(true)
	_ = k.p.RestoreTerminal() // as above: nothing to fail on without a tty
	k.wakes.Add(1)
	k.touch()
}

// changed reports whether v differs from the last view seen, and records it.
func (k *parking) changed(v tea.View) bool {
	key := keyOf(v)
	if key == k.lastView {
		return false
	}
	k.lastView = key
	k.viewSeq.Add(1)
	return true
}

// idleModel wraps the app's model to see every message and view.
type idleModel struct {
	inner tea.Model
	k     *parking
}

func (m *idleModel) Init() tea.Cmd { return m.inner.Init() }

func (m *idleModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case parkMsg:
		m.k.park()
		return m, nil
	case wakeMsg:
		m.k.wake()
		return m, nil
	}
	var cmd tea.Cmd
	m.inner, cmd = m.inner.Update(msg)
	if m.k.parked {
		// The renderer is stopped: draw again if this message changed the
		// view (an engine event, a toast timing out) or the window.
		_, resized := msg.(tea.WindowSizeMsg)
		if m.k.changed(m.inner.View()) || resized {
			m.k.wake()
		}
	}
	return m, cmd
}

func (m *idleModel) View() tea.View {
	v := m.inner.View()
	if m.k.changed(v) {
		m.k.touch()
	}
	return v
}

// viewKey is what of a view shows on the screen, comparable.
type viewKey struct {
	content, title              string
	altScreen, cursor           bool
	cursorX, cursorY            int
	mouse                       tea.MouseMode
	reportFocus, noBracketPaste bool
}

func keyOf(v tea.View) viewKey {
	k := viewKey{content: v.Content, title: v.WindowTitle, altScreen: v.AltScreen, mouse: v.MouseMode,
		reportFocus: v.ReportFocus, noBracketPaste: v.DisableBracketedPasteMode}
	if v.Cursor != nil {
		k.cursor, k.cursorX, k.cursorY = true, v.Cursor.X, v.Cursor.Y
	}
	return k
}

// gatedOutput is the session's output, discarded while discard is set. It
// notes the view sequence at each write it lets through (see park). With
// rejoin set, the next write (the renderer's first frame after a wake, one
// write of its buffer) loses the sequences that would re-enter a screen the
// terminal never left.
type gatedOutput struct {
	w       io.Writer
	seq     *atomic.Int64
	lastSeq atomic.Int64
	discard atomic.Bool
	rejoin  atomic.Bool
}

// reentry is what the renderer writes on starting again that must not
// reach a terminal still in the state it left: the alternate screen with a
// saved cursor, and a pushed keyboard mode (Kitty's, any flags).
var reentry = regexp.MustCompile(`\x1b\[\?1049h|\x1b\[>[0-9]*u`)

func (o *gatedOutput) Write(p []byte) (int, error) {
	if o.discard.Load() {
		return len(p), nil
	}
	o.lastSeq.Store(o.seq.Load())
	if o.rejoin.Swap(false) {
		if _, err := o.w.Write(reentry.ReplaceAll(p, nil)); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return o.w.Write(p)
}

// parkableInput is the session's input read by a pump of its own, so that
// Bubble Tea's read loop can be ended (paused: Read answers io.EOF, which
// ends the loop without an error) and started again without a byte lost.
type parkableInput struct {
	src    io.Reader
	onData func(parked bool)

	mu      sync.Mutex
	cond    *sync.Cond
	pending []byte
	err     error
	paused  bool
	waiting bool // a Read is blocked waiting for bytes
}

func newParkableInput(src io.Reader, onData func(parked bool)) *parkableInput {
	r := &parkableInput{src: src, onData: onData}
	r.cond = sync.NewCond(&r.mu)
	return r
}

// pump reads the session until it ends.
func (r *parkableInput) pump() {
	buf := make([]byte, 4096)
	for {
		n, err := r.src.Read(buf)
		r.mu.Lock()
		r.pending = append(r.pending, buf[:n]...)
		if err != nil {
			r.err = err
		}
		paused := r.paused
		r.cond.Broadcast()
		r.mu.Unlock()
		if n > 0 {
			r.onData(paused)
		}
		if err != nil {
			return
		}
	}
}

func (r *parkableInput) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.pending) == 0 && r.err == nil && !r.paused {
		r.waiting = true
		r.cond.Wait()
		r.waiting = false
	}
	switch {
	case r.paused:
		return 0, io.EOF
	case len(r.pending) > 0:
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	return 0, r.err
}

// pause makes Read answer io.EOF. It refuses (false, nothing changed)
// unless the read loop is blocked in Read with nothing pending: bytes that
// Read has just returned are still on their way through Bubble Tea's
// cancelable reader, which drops what a read returns once it is canceled
// (muesli/cancelreader's fallback), and ReleaseTerminal cancels it.
func (r *parkableInput) pause() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) > 0 || !r.waiting {
		return false
	}
	r.paused = true
	r.cond.Broadcast()
	return true
}

func (r *parkableInput) resume() {
	r.mu.Lock()
	r.paused = false
	r.mu.Unlock()
}
