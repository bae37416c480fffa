package widget

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// ListKeys are the keys that move a list's cursor.
type ListKeys struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
}

// List is the cursor and scroll window of a list of rows shown a page at a
// time. Every move keeps the cursor on a row and inside the window, so a
// View reads Window and Cursor and never adjusts them.
type List struct {
	cursor, offset int
	n, height      int
}

// SetLen sets how many rows there are (the cursor stays, clamped).
func (l *List) SetLen(n int) { l.n = max(n, 0); l.clamp() }

// SetHeight sets how many rows show at once.
func (l *List) SetHeight(h int) { l.height = max(h, 1); l.clamp() }

// Len is the number of rows; Height how many show at once.
func (l *List) Len() int    { return l.n }
func (l *List) Height() int { return max(l.height, 1) }

// Cursor is the selected row (0 when the list is empty).
func (l *List) Cursor() int { return l.cursor }

// Window is the range of rows shown: [from, to).
func (l *List) Window() (from, to int) { return l.offset, min(l.offset+l.Height(), l.n) }

// Select moves the cursor to row i (clamped) and scrolls it into view.
func (l *List) Select(i int) { l.cursor = i; l.clamp() }

// page is how far pgup/pgdn move: a whole window.
func (l *List) page() int { return l.Height() }

// HandleKey moves the cursor for a list key and reports whether msg was one.
func (l *List) HandleKey(msg tea.KeyPressMsg, k ListKeys) bool {
	switch {
	case key.Matches(msg, k.Up):
		l.Select(l.cursor - 1)
	case key.Matches(msg, k.Down):
		l.Select(l.cursor + 1)
	case key.Matches(msg, k.PageUp):
		l.Select(l.cursor - l.page())
	case key.Matches(msg, k.PageDown):
		l.Select(l.cursor + l.page())
	case key.Matches(msg, k.Home):
		l.Select(0)
	case key.Matches(msg, k.End):
		l.Select(l.n - 1)
	default:
		return false
	}
	return true
}

// Shift keeps the cursor on the same row when d rows were inserted (d > 0)
// or removed (d < 0) above it.
func (l *List) Shift(d int) {
	l.cursor += d
	l.offset += d
	l.clamp()
}

func (l *List) clamp() {
	l.cursor = min(max(l.cursor, 0), max(l.n-1, 0))
	h := l.Height()
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	l.offset = max(min(l.offset, l.n-h), 0)
}
