package widget

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Busy says what is running, with a spinner that turns only while it is:
// an idle screen schedules no ticks.
type Busy struct {
	spin spinner.Model
	text string
}

// NewBusy makes an idle Busy in the accent colour.
func NewBusy(st Styles) Busy {
	return Busy{spin: spinner.New(spinner.WithSpinner(spinner.MiniDot),
		spinner.WithStyle(lipgloss.NewStyle().Foreground(st.Accent)))}
}

// Start shows text ("Verifying acme…") and starts the spinner.
func (b *Busy) Start(text string) tea.Cmd {
	idle := b.text == ""
	b.text = text
	if idle {
		return b.spin.Tick
	}
	return nil
}

// Stop hides it; the spinner's next tick is its last.
func (b *Busy) Stop() { b.text = "" }

// Active reports whether something is running; Text what.
func (b *Busy) Active() bool { return b.text != "" }
func (b *Busy) Text() string { return b.text }

// Update turns the spinner on its own ticks (handled reports whether msg
// was one); it lets the spinner rest once Stop was called.
func (b *Busy) Update(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	tick, ok := msg.(spinner.TickMsg)
	if !ok || tick.ID != b.spin.ID() {
		return nil, false
	}
	if b.text == "" {
		return nil, true
	}
	b.spin, cmd = b.spin.Update(msg)
	return cmd, true
}

// Spinner is the spinner's current frame (for a cell of a table).
func (b *Busy) Spinner() string { return b.spin.View() }

// Tick starts the spinner without text, for a table whose rows show it.
func (b *Busy) Tick() tea.Cmd { return b.spin.Tick }

// Turn advances a spinner that runs without text (Tick started it) while
// running reports work in flight, and lets it rest otherwise.
func (b *Busy) Turn(msg tea.Msg, running bool) (cmd tea.Cmd, handled bool) {
	tick, ok := msg.(spinner.TickMsg)
	if !ok || tick.ID != b.spin.ID() {
		return nil, false
	}
	if !running {
		return nil, true
	}
	b.spin, cmd = b.spin.Update(msg)
	return cmd, true
}

// View is the spinner and the text ("" when idle).
func (b *Busy) View() string {
	if b.text == "" {
		return ""
	}
	return b.spin.View() + " " + b.text
}
