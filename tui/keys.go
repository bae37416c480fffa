package tui

import (
	"charm.land/bubbles/v2/key"

	"github.com/oktaflow/oktaflow/tui/widget"
)

// KeyMap is every key binding of the app, with its help text. Screens use
// these bindings, never raw key strings.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Enter, Back, Quit, ForceQuit, Help    key.Binding
	Next, Prev                            key.Binding

	New, Toggle, Delete, Edit, Runs, AllRuns, Accounts key.Binding
	Filter, Retry, Refresh, Test, Preview, Save        key.Binding
	AddStep, MoveUp, MoveDown, Trigger, Reveal, Verify key.Binding
	Insert, Sample, EditJSON, Yes, No, Audit           key.Binding
	RunNow, FilterBack, Fold                           key.Binding
	CopyURL, CopyCurl, CopySecret, CompleteItem        key.Binding
	PickGroup                                          key.Binding
}

// DefaultKeyMap returns the app's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Up:           b([]string{"up", "k"}, "↑/k", "up"),
		Down:         b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:       b([]string{"pgup"}, "pgup", "page up"),
		PageDown:     b([]string{"pgdown"}, "pgdn", "page down"),
		Home:         b([]string{"home", "g"}, "g", "first"),
		End:          b([]string{"end", "G"}, "G", "last"),
		Enter:        b([]string{"enter"}, "enter", "open"),
		Back:         b([]string{"esc"}, "esc", "back"),
		Quit:         b([]string{"q"}, "q", "quit"),
		ForceQuit:    b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Help:         b([]string{"?"}, "?", "help"),
		Next:         b([]string{"tab"}, "tab", "next field"),
		Prev:         b([]string{"shift+tab"}, "shift+tab", "previous field"),
		New:          b([]string{"n"}, "n", "new integration"),
		Toggle:       b([]string{"space", "o"}, "space", "switch ON/OFF"),
		Delete:       b([]string{"x", "delete"}, "x", "delete"),
		Edit:         b([]string{"e"}, "e", "edit"),
		Runs:         b([]string{"r"}, "r", "runs"),
		AllRuns:      b([]string{"R"}, "R", "all runs"),
		Accounts:     b([]string{"a"}, "a", "accounts"),
		Filter:       b([]string{"f"}, "f", "filter by state"),
		FilterBack:   b([]string{"F"}, "F", "filter: previous state"),
		Fold:         b([]string{"o"}, "o", "show/hide outputs"),
		Retry:        b([]string{"ctrl+r"}, "ctrl+r", "retry run"),
		Refresh:      b([]string{"ctrl+f"}, "ctrl+f", "refresh fields"),
		Test:         b([]string{"ctrl+t"}, "ctrl+t", "run test"),
		Preview:      b([]string{"ctrl+p"}, "ctrl+p", "preview"),
		Save:         b([]string{"ctrl+s"}, "ctrl+s", "save"),
		AddStep:      b([]string{"+"}, "+", "add action"),
		MoveUp:       b([]string{"K", "shift+up"}, "K", "move step up"),
		MoveDown:     b([]string{"J", "shift+down"}, "J", "move step down"),
		Trigger:      b([]string{"T"}, "T", "edit trigger"),
		Reveal:       b([]string{"ctrl+v"}, "ctrl+v", "reveal secret"),
		Verify:       b([]string{"v"}, "v", "verify"),
		Insert:       b([]string{"tab"}, "tab", "insert suggestion"),
		Sample:       b([]string{"ctrl+l"}, "ctrl+l", "load trigger sample"),
		EditJSON:     b([]string{"ctrl+e"}, "ctrl+e", "edit sample JSON"),
		Yes:          b([]string{"y"}, "y", "yes"),
		No:           b([]string{"n", "esc"}, "n", "no"),
		Audit:        b([]string{"L"}, "L", "audit log"),
		RunNow:       b([]string{"ctrl+g"}, "ctrl+g", "run now with an event"),
		CopyURL:      b([]string{"u"}, "u", "copy the webhook URL"),
		CopyCurl:     b([]string{"c"}, "c", "copy the curl command"),
		CopySecret:   b([]string{"y"}, "y", "copy the webhook secret"),
		CompleteItem: b([]string{"c"}, "c", "complete the next item (a Kissflow sandbox)"),
		PickGroup:    b([]string{"ctrl+o"}, "ctrl+o", "pick a group by name"),
	}
}

// List is the keys that move a list's cursor.
func (k KeyMap) List() widget.ListKeys {
	return widget.ListKeys{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown, Home: k.Home, End: k.End}
}

// Template is the keys of a template input: arrows choose a suggestion
// (letters are typed), tab inserts it.
func (k KeyMap) Template() widget.TemplateKeys {
	return widget.TemplateKeys{Insert: k.Insert,
		Up:   key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "previous suggestion")),
		Down: key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "next suggestion"))}
}

// newPicker is a picker in the program's styles and keys.
func newPicker(c *Common, items []widget.Item, filterable bool) *widget.Picker {
	return widget.NewPicker(c.Styles.Styles, c.Keys.List(), items, filterable)
}
