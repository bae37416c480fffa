package widget

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// A long question wraps like text: a line ends only where the next word
// would not fit (huh's own wrap left "cancelled;" alone on a line, after
// a ';').
func TestConfirmWrapsTheQuestionLikeText(t *testing.T) {
	back := key.NewBinding(key.WithKeys("esc"))
	for _, q := range []string{
		`Switch "Mover" OFF? Its runs waiting to run (queued or retrying) are cancelled; steps running now finish.`,
		`Delete "Onboard new hires"? Its queued runs are cancelled; its run history stays.`,
		`Run the 2 steps for real against http://127.0.0.1:33527 (sandbox, the simulated sandbox org)? It may create or change users.`,
	} {
		for _, w := range []int{40, 60, 78} {
			c := NewConfirm(NewStyles(true), back, q, nil, nil)
			c.SetWidth(w)
			view := ansi.Strip(c.View())
			var lines []string // the question, above a blank line and its buttons
			for _, l := range strings.Split(view, "\n") {
				if l = strings.TrimSpace(l); l == "" {
					break
				}
				lines = append(lines, l)
			}
			if got := strings.Join(lines, " "); got != q {
				t.Errorf("width %d: the question reads %q", w, got)
			}
			for i := 0; i+1 < len(lines); i++ {
				next, _, _ := strings.Cut(lines[i+1], " ")
				if ansi.StringWidth(lines[i])+1+ansi.StringWidth(next) <= w {
					t.Errorf("width %d: line %d %q ends early (%q fits after it):\n%s", w, i+1, lines[i], next, view)
				}
			}
		}
	}
}
