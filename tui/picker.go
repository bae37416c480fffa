package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// pickItem is one choice of a picker.
type pickItem struct {
	Title, Desc string
	Group       string // shown as a heading when it changes
	Value       any
}

// picker is a list with type-to-filter: typing narrows it (by title,
// description and group), up/down move, enter picks.
type picker struct {
	c        *Common
	items    []pickItem
	shown    []int
	cursor   int
	filter   textinput.Model
	height   int
	width    int
	filtered bool // show the filter box
}

func newPicker(c *Common, items []pickItem, filterable bool) *picker {
	p := &picker{c: c, items: items, filtered: filterable}
	p.filter = textinput.New()
	p.filter.Prompt = "› "
	p.filter.Placeholder = "type to search"
	p.filter.SetStyles(textinput.DefaultStyles(c.Styles.IsDark))
	if filterable {
		p.filter.Focus()
	}
	p.apply()
	return p
}

func (p *picker) apply() {
	q := strings.ToLower(strings.TrimSpace(p.filter.Value()))
	p.shown = p.shown[:0]
	for i, it := range p.items {
		hay := strings.ToLower(it.Title + " " + it.Desc + " " + it.Group)
		if q == "" || matchWords(hay, q) {
			p.shown = append(p.shown, i)
		}
	}
	p.cursor = min(p.cursor, max(len(p.shown)-1, 0))
}

// matchWords reports whether every word of q is in hay.
func matchWords(hay, q string) bool {
	for _, w := range strings.Fields(q) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// Selected returns the highlighted item.
func (p *picker) Selected() (pickItem, bool) {
	if len(p.shown) == 0 {
		return pickItem{}, false
	}
	return p.items[p.shown[p.cursor]], true
}

// Select moves the cursor to the first item whose value equals v.
func (p *picker) Select(v any) {
	for i, idx := range p.shown {
		if p.items[idx].Value == v {
			p.cursor = i
		}
	}
}

func (p *picker) Update(msg tea.Msg) tea.Cmd {
	k := p.c.Keys
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case km.String() == "up" || (!p.filtered && key.Matches(km, k.Up)):
			p.cursor = max(p.cursor-1, 0)
			return nil
		case km.String() == "down" || (!p.filtered && key.Matches(km, k.Down)):
			p.cursor = min(p.cursor+1, max(len(p.shown)-1, 0))
			return nil
		case km.String() == "home" || (!p.filtered && key.Matches(km, k.Home)):
			p.cursor = 0
			return nil
		case km.String() == "end" || (!p.filtered && key.Matches(km, k.End)):
			p.cursor = max(len(p.shown)-1, 0)
			return nil
		}
	}
	if !p.filtered {
		return nil
	}
	var cmd tea.Cmd
	before := p.filter.Value()
	p.filter, cmd = p.filter.Update(msg)
	if p.filter.Value() != before {
		p.apply()
	}
	return cmd
}

func (p *picker) SetSize(w, h int) {
	p.width, p.height = w, h
	p.filter.SetWidth(max(min(w-4, 60), 10))
}

func (p *picker) View() string {
	st := p.c.Styles
	var b strings.Builder
	if p.filtered {
		b.WriteString(p.filter.View() + "\n\n")
	}
	if len(p.shown) == 0 {
		b.WriteString(st.Faint.Render("  nothing matches \"" + p.filter.Value() + "\""))
		return b.String()
	}
	rows := max(p.height-3, 3)
	start := 0
	if p.cursor >= rows {
		start = p.cursor - rows + 1
	}
	group := ""
	lines := 0
	for i := start; i < len(p.shown) && lines < rows; i++ {
		it := p.items[p.shown[i]]
		if it.Group != "" && it.Group != group {
			group = it.Group
			b.WriteString(st.Section.Render(group) + "\n")
			lines++
		}
		title := it.Title
		if i == p.cursor {
			b.WriteString(st.Cursor.Render("▸ ") + st.Selected.Render(title))
		} else {
			b.WriteString("  " + st.Bold.Render(title))
		}
		if it.Desc != "" {
			b.WriteString(st.Faint.Render("  " + it.Desc))
		}
		b.WriteString("\n")
		lines++
	}
	out := b.String()
	lines2 := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i := range lines2 {
		lines2[i] = truncate(lines2[i], p.width)
	}
	return strings.Join(lines2, "\n")
}
