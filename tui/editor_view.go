package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

func (e *editor) View() string {
	st := e.c.Styles
	state := st.Off.Render("OFF")
	if e.saved.Enabled {
		state = st.On.Render("ON")
	}
	top := st.Title.Render(e.d.in.Name) + "  " + state
	if e.d.dirty {
		top += "  " + st.WarnText.Render("● unsaved changes (ctrl+s saves)")
	}
	if editable, why := e.c.can(engine.OpEditIntegration); !editable {
		top += "  " + st.Faint.Render("("+why+")")
	}
	if e.d.in.Description != "" {
		top += "\n" + st.Faint.Render(truncate(e.d.in.Description, e.w))
	}
	leftW := min(max(e.w/3, 26), 40)
	rightW := max(e.w-leftW-3, 20)
	bodyH := max(e.h-lipgloss.Height(top)-3, 4)
	left := lipgloss.NewStyle().Width(leftW).Height(bodyH).MaxHeight(bodyH).Render(clipPane(st, e.leftPane(leftW), leftW, bodyH))
	right := lipgloss.NewStyle().Width(rightW).Height(bodyH).MaxHeight(bodyH).Render(clipPane(st, e.rightPane(rightW), rightW, bodyH))
	sep := lipgloss.NewStyle().Foreground(st.Subtle).Render(strings.Repeat("│\n", bodyH-1) + "│")
	out := top + "\n\n" + lipgloss.JoinHorizontal(lipgloss.Top, left, " ", sep, " ", right)
	return out
}

// clipPane cuts a pane's text to h lines, saying so on its last line when
// it had more: a taller terminal shows the rest.
func clipPane(st *Styles, text string, w, h int) string {
	text = lipgloss.NewStyle().Width(w).Render(text) // as it will wrap
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) <= h || h < 2 {
		return text
	}
	hidden := len(lines) - (h - 1)
	return strings.Join(lines[:h-1], "\n") + "\n" + st.Faint.Render(truncate(fmt.Sprintf("… %d more lines (a taller terminal shows them)", hidden), w))
}

func (e *editor) leftPane(w int) string {
	st := e.c.Styles
	line := func(i int, text string, bad bool) string {
		marker := "  "
		if i == e.cursor {
			marker = st.Cursor.Render("▸ ")
			text = st.Selected.Render(truncate(text, w-4))
		} else {
			text = truncate(text, w-4)
		}
		if bad {
			text += st.ErrorText.Render(" ✗")
		}
		return marker + text
	}
	var b strings.Builder
	b.WriteString(st.Label.Render("TRIGGER") + "\n")
	b.WriteString(line(0, triggerShort(e.d.in.Trigger.Type), len(problemsFor(e.problems, "trigger")) > 0) + "\n\n")
	b.WriteString(st.Label.Render("STEPS") + "\n")
	if len(e.d.in.Steps) == 0 {
		b.WriteString(st.Faint.Render("  none: + adds an action") + "\n")
	}
	for i, s := range e.d.in.Steps {
		bad := len(problemsFor(e.problems, fmt.Sprintf("steps[%d]", i))) > 0
		title, _ := actionTitle(s.Action)
		b.WriteString(line(i+1, fmt.Sprintf("%d. %s", i+1, s.ID), bad) + "\n")
		if s.Account != "" {
			title += " · " + s.Account
		}
		b.WriteString("     " + st.Faint.Render(truncate(title, w-5)) + "\n")
	}
	b.WriteString("\n" + st.Faint.Render("+ add action"))
	return b.String()
}

// triggerShort names a trigger in a few words, for narrow panes.
func triggerShort(typ string) string {
	switch typ {
	case trigger.Webhook:
		return "Webhook call"
	case trigger.Kissflow:
		return "Kissflow item done"
	case trigger.HTTPPoll:
		return "New API item"
	case trigger.OktaEvent:
		return "Okta event"
	case trigger.CSV:
		return "New CSV row"
	case trigger.Manual:
		return "Run by hand"
	}
	return triggerTitle(typ)
}

func triggerTitle(typ string) string {
	if spec, ok := trigger.Lookup(typ); ok {
		return spec.Title
	}
	if typ == "" {
		return "not chosen"
	}
	return typ
}

func (e *editor) rightPane(w int) string {
	st := e.c.Styles
	var b strings.Builder
	kv := func(k, v string) { b.WriteString(st.Label.Render(pad(k, 14)) + truncate(v, w-14) + "\n") }
	if e.cursor == 0 {
		t := e.d.in.Trigger
		b.WriteString(st.Section.Render(triggerTitle(t.Type)) + "\n\n")
		if t.Type == trigger.Webhook && e.d.in.ID != "" {
			// Tokens are never wrapped inside: a line too long is cut, and
			// u/c/y copy the whole (OSC 52: it works over SSH too).
			b.WriteString(st.Label.Render("Webhook URL") + st.Faint.Render("  u copies") + "\n" +
				st.Code.Render(truncate("POST "+hookURL(e.c, e.d.in.ID), w)) + "\n\n")
		}
		keys := make([]string, 0, len(t.Config))
		for k := range t.Config {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, _ := trigger.LookupField(t.Type, k)
			kv(k, configText(f, t.Config[k]))
		}
		for _, k := range sampleKeys(t.Secrets) { // sorted: the order never changes between frames
			shown := t.Secrets[k].Mask() // a viewer's come masked already; Mask keeps them so
			if v, ok := e.revealed[k]; ok {
				shown = v
			} else if ok, _ := e.c.can(engine.OpRevealSecret); ok {
				shown += st.Faint.Render("  ctrl+v shows it")
			}
			kv(k, shown)
		}
		if t.Type == trigger.Webhook && e.d.in.ID != "" {
			secret := "<secret>"
			if ok, _ := e.c.can(engine.OpRevealSecret); ok {
				secret = "<secret: ctrl+v shows it>"
			}
			if v, ok := e.revealed["secret"]; ok {
				secret = v
			}
			hint := "  c copies it with the secret, y the secret"
			if ok, _ := e.c.can(engine.OpRevealSecret); !ok {
				hint = "  c copies it (an admin gives you the secret)"
			}
			b.WriteString("\n" + st.Label.Render("Try it") + st.Faint.Render(hint) + "\n")
			for _, l := range strings.Split(e.curl(secret), "\n") {
				b.WriteString(st.Faint.Render(truncate(l, w)) + "\n")
			}
		}
		switch {
		case e.saved.Enabled && e.health.State == storage.HealthFailing:
			b.WriteString("\n" + st.WarnText.Render(wrap(healthLine(e.health), w)) + "\n")
		case e.saved.Enabled && !e.health.LastOKAt.IsZero():
			b.WriteString("\n" + st.OKText.Render("✓ polling: last worked "+ago(e.health.LastOKAt)) + "\n")
		}
		if e.saved.Enabled {
			e.writeWarnings(&b, w)
		}
		if t.Type == trigger.Manual {
			b.WriteString(st.Faint.Render(wrap("Runs when you say so: ctrl+g runs it now with an event you type (also from the list), or oktaflow integration run ID --event FILE.", w)) + "\n")
		}
		e.writeProblems(&b, "trigger", w)
		b.WriteString("\n" + st.Faint.Render("enter: edit the trigger"))
		return b.String()
	}
	i := e.cursor - 1
	s, ok := e.d.step(i)
	if !ok {
		return ""
	}
	title, _ := actionTitle(s.Action)
	b.WriteString(st.Section.Render(title) + st.Faint.Render("  "+s.Action) + "\n\n")
	kv("Step id", s.ID)
	if s.Account != "" {
		kv("Account", s.Account)
	}
	b.WriteString("\n" + st.Label.Render("FIELDS") + "\n")
	names := make([]string, 0, len(s.Fields))
	for k := range s.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		b.WriteString(st.Faint.Render("  nothing mapped yet") + "\n")
	}
	for _, n := range names {
		b.WriteString("  " + st.Bold.Render(pad(n, 14)) + " " + st.Code.Render(truncate(s.Fields[n], w-18)) + "\n")
	}
	if len(s.Options) > 0 {
		b.WriteString("\n" + st.Label.Render("OPTIONS") + "\n")
		for _, k := range sampleKeys(s.Options) {
			v := s.Options[k]
			b.WriteString("  " + pad(k, 14) + " " + fmt.Sprint(v) + "\n")
		}
	}
	if out, ok := e.d.outputs[s.ID]; ok {
		b.WriteString("\n" + st.Label.Render("LAST TEST OUTPUT") + "  " + st.OKText.Render(fmt.Sprint(out["outcome"])) + "\n")
	}
	e.writeProblems(&b, fmt.Sprintf("steps[%d]", i), w)
	b.WriteString("\n" + st.Faint.Render("enter: map fields · K/J: move · x: remove"))
	return b.String()
}

func (e *editor) writeProblems(b *strings.Builder, prefix string, w int) {
	probs := problemsFor(e.problems, prefix)
	if len(probs) == 0 {
		return
	}
	st := e.c.Styles
	b.WriteString("\n")
	for _, p := range probs {
		b.WriteString(st.ErrorText.Render("✗ "+truncate(p, w-2)) + "\n")
	}
}

// maxWarningsShown: the editor lists the newest few of what the trigger
// skipped; /healthz and the metrics count them all.
const maxWarningsShown = 3

// writeWarnings lists what the trigger skipped or waits for: a CSV row
// that does not parse, a file skipped in a folder.
func (e *editor) writeWarnings(b *strings.Builder, w int) {
	warnings, more := e.health.CurrentWarnings(time.Now())
	if len(warnings) == 0 {
		return
	}
	st := e.c.Styles
	total := len(warnings) + more
	b.WriteString("\n" + st.WarnText.Render("⚠ "+plural(total, "item skipped or waiting", "items skipped or waiting")) + "\n")
	for i, wn := range warnings {
		if i == maxWarningsShown {
			b.WriteString(st.Faint.Render(fmt.Sprintf("  … and %d more (/healthz lists them all)", total-i)) + "\n")
			break
		}
		where := wn.File
		if wn.Line > 0 {
			where += fmt.Sprintf(" line %d", wn.Line)
		}
		text := wn.Message
		if where != "" && !strings.Contains(text, where) { // the engine's messages mostly say where already
			text = where + ": " + text
		}
		b.WriteString(st.WarnText.Width(max(w, 10)).PaddingLeft(2).Render(text) + "\n")
	}
}
