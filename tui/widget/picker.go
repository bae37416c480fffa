package widget

import (
	"cmp"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// Item is one choice of a Picker.
type Item struct {
	Title, Desc string
	Group       string // shown as a heading when it changes
	Value       any
}

// Picker is a list of choices; a filterable one narrows as you type (by
// title, description and group). Up/down, home/end move; the screen reads
// Selected on enter.
type Picker struct {
	st       Styles
	keys     ListKeys
	items    []Item
	shown    []int
	list     List
	filter   textinput.Model
	width    int
	filtered bool
	prefix   bool                              // the filter matches the start of titles (see NewPrefixPicker)
	rank     func(it Item, words []string) int // SetRank's; nil: the items' order
}

// NewPicker makes a picker; filterable ones take typing.
func NewPicker(st Styles, keys ListKeys, items []Item, filterable bool) *Picker {
	p := &Picker{st: st, keys: keys, items: items, filtered: filterable}
	p.filter = textinput.New()
	p.filter.Prompt = "› "
	p.filter.Placeholder = "type to search"
	ts := textinput.DefaultStyles(st.IsDark)
	ts.Cursor.Blink = false
	p.filter.SetStyles(ts)
	if filterable {
		p.filter.Focus()
		// Letters go to the filter: only arrows (and home/end) move.
		p.keys = ListKeys{Up: only(keys.Up, "up"), Down: only(keys.Down, "down"), PageUp: keys.PageUp,
			PageDown: keys.PageDown, Home: only(keys.Home, "home"), End: only(keys.End, "end")}
	}
	p.apply()
	return p
}

// NewPrefixPicker is a filterable picker whose filter keeps the items
// whose title starts with it (any case): the way a search by name prefix
// on a server answers, so that the screen can show the items it has at
// once and replace them (SetItems) when the server's answer for the
// Query comes.
func NewPrefixPicker(st Styles, keys ListKeys, items []Item) *Picker {
	p := NewPicker(st, keys, nil, true)
	p.prefix = true
	p.SetItems(items)
	return p
}

// Query is what was typed in the filter.
func (p *Picker) Query() string { return strings.TrimSpace(p.filter.Value()) }

// SetItems replaces the choices, keeping the cursor on the same value when
// it is still there.
func (p *Picker) SetItems(items []Item) {
	cur, had := p.Selected()
	p.items = items
	p.apply()
	if had {
		p.Select(cur.Value)
	}
}

func (p *Picker) apply() {
	q := strings.ToLower(p.Query())
	p.shown = p.shown[:0]
	for i, it := range p.items {
		hay := strings.ToLower(it.Title + " " + it.Desc + " " + it.Group)
		switch {
		case q == "":
		case p.prefix && !strings.HasPrefix(strings.ToLower(it.Title), q):
			continue
		case !p.prefix && !matchWords(hay, q):
			continue
		}
		p.shown = append(p.shown, i)
	}
	if p.rank != nil && q != "" {
		p.sortShown(strings.Fields(q))
	}
	p.list.SetLen(len(p.shown))
}

// SetRank orders the matches of a search: lower ranks first, ties in the
// items' order. A group's items stay together (under one heading), the
// groups ordered by their best match.
func (p *Picker) SetRank(rank func(it Item, words []string) int) {
	p.rank = rank
	p.apply()
}

func (p *Picker) sortShown(words []string) {
	rank := make(map[int]int, len(p.shown))
	best := map[string]int{}  // a group's best rank
	first := map[string]int{} // where a group starts in the items
	for _, i := range p.shown {
		it := p.items[i]
		r := p.rank(it, words)
		rank[i] = r
		if b, ok := best[it.Group]; !ok || r < b {
			best[it.Group] = r
		}
		if _, ok := first[it.Group]; !ok {
			first[it.Group] = i
		}
	}
	slices.SortStableFunc(p.shown, func(x, y int) int {
		gx, gy := p.items[x].Group, p.items[y].Group
		return cmp.Or(cmp.Compare(best[gx], best[gy]), cmp.Compare(first[gx], first[gy]), cmp.Compare(rank[x], rank[y]))
	})
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
func (p *Picker) Selected() (Item, bool) {
	if len(p.shown) == 0 {
		return Item{}, false
	}
	return p.items[p.shown[p.list.Cursor()]], true
}

// Select moves the cursor to the first item whose value equals v.
func (p *Picker) Select(v any) {
	for i, idx := range p.shown {
		if p.items[idx].Value == v {
			p.list.Select(i)
			return
		}
	}
}

// Update moves the cursor or edits the filter.
func (p *Picker) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyPressMsg); ok && p.list.HandleKey(km, p.keys) {
		return nil
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

// SetSize gives the picker its width and the lines it may use.
func (p *Picker) SetSize(w, h int) {
	p.width = w
	p.filter.SetWidth(max(min(w-4, 60), 10))
	rows := max(h-3, 3)
	if !p.filtered {
		rows = max(h, 3)
	}
	p.list.SetHeight(rows)
}

// View draws the filter and the window of items, group headings included.
func (p *Picker) View() string {
	st := p.st
	var out []string
	if p.filtered {
		out = append(out, p.filter.View(), "")
	}
	if len(p.shown) == 0 {
		return strings.Join(append(out, st.Faint.Render("  nothing matches \""+p.filter.Value()+"\"")), "\n")
	}
	from, to := p.list.Window()
	group := ""
	if from > 0 {
		group = p.items[p.shown[from-1]].Group
	}
	for i := from; i < to; i++ {
		it := p.items[p.shown[i]]
		if it.Group != "" && it.Group != group {
			group = it.Group
			out = append(out, st.Section.Render(group))
		}
		line := "  " + st.Bold.Render(it.Title)
		if i == p.list.Cursor() {
			line = st.Cursor.Render("▸ ") + st.Selected.Render(it.Title)
		}
		if it.Desc != "" {
			line += st.Faint.Render("  " + it.Desc)
		}
		out = append(out, Truncate(line, p.width))
	}
	return strings.Join(out, "\n")
}
