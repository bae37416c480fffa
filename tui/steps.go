package tui

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/storage"
)

// addStep appends a step for an action on an account and returns its index.
// The action names it and gives its options' defaults; the id is made
// unique within the integration (create, create2, ...).
func addStep(d *draft, actionID, account string) int {
	base, opts := "step", map[string]any(nil)
	if a, ok := action.Lookup(actionID); ok {
		base, opts = action.NewStepID(a), action.DefaultOptions(a)
	}
	id := base
	for n := 2; hasStep(d, id); n++ {
		id = fmt.Sprintf("%s%d", base, n)
	}
	d.in.Steps = append(d.in.Steps, storage.Step{ID: id, Action: actionID, Account: account, Fields: map[string]string{}, Options: opts})
	d.dirty = true
	return len(d.in.Steps) - 1
}

func hasStep(d *draft, id string) bool {
	for _, s := range d.in.Steps {
		if s.ID == id {
			return true
		}
	}
	return false
}

// validatedMsg carries the problems of a draft (nil: none).
type validatedMsg struct{ problems engine.Problems }

// validate checks a draft in a cmd.
func validate(c *Common, in storage.Integration) tea.Cmd {
	b := c.Backend
	in = cloneIntegration(in)
	return func() tea.Msg {
		err := b.Validate(in)
		var ps engine.Problems
		if errors.As(err, &ps) {
			return validatedMsg{ps}
		}
		return validatedMsg{}
	}
}

// problemsFor lists the problems whose path starts with prefix.
func problemsFor(ps engine.Problems, prefix string) []string {
	var out []string
	for _, p := range ps {
		if strings.HasPrefix(p.Path, prefix) {
			rest := strings.TrimPrefix(strings.TrimPrefix(p.Path, prefix), ".")
			for _, part := range []string{"fields.", "options.", "config."} { // the field's own name is enough here
				rest = strings.TrimPrefix(rest, part)
			}
			if rest == "" {
				out = append(out, p.Msg)
				continue
			}
			out = append(out, rest+": "+p.Msg)
		}
	}
	return out
}

// savedMsg reports a save: err is a save that did not happen, warn one
// that did but could not be audited.
type savedMsg struct {
	in          storage.Integration
	rebaselined bool // the trigger's source changed while ON: it reads from now on
	err, warn   error
}

// save stores a draft (creating it when new); the backend audits it.
func save(c *Common, in storage.Integration) tea.Cmd {
	b, ctx := c.Backend, c.Ctx
	in = cloneIntegration(in)
	return func() tea.Msg {
		res, err := b.SaveIntegration(ctx, in)
		fail, warn := outcome(err)
		return savedMsg{in: res.Integration, rebaselined: res.Rebaselined, err: fail, warn: warn}
	}
}

// savedNote is the toast of a save.
func savedNote(msg savedMsg) string {
	note := "Saved " + msg.in.Name
	if msg.rebaselined {
		note += ": its trigger's source changed while ON, so it reads from now on (what the new source already held does not fire)"
	}
	return note
}

// stepLine is a step in one line: "create · Add a user · sandbox".
func stepLine(s storage.Step) string {
	title := s.Action
	if t, ok := actionTitle(s.Action); ok {
		title = t
	}
	if s.Account == "" { // an action that needs none (an HTTP request)
		return s.ID + " · " + title
	}
	return s.ID + " · " + title + " · " + s.Account
}

// plural is "1 field", "3 fields".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// stepPath reads a problem's path: steps[1].fields.email.
var stepPath = regexp.MustCompile(`^steps\[(\d+)\](?:\.(?:fields|options)\.?)?(.*)$`)

// problemPlace names where a problem is for people: "Step 2 · create ·
// email" for steps[1].fields.email, "Trigger · url" for trigger.config.url.
func problemPlace(in storage.Integration, path string) string {
	if m := stepPath.FindStringSubmatch(path); m != nil {
		i, _ := strconv.Atoi(m[1])
		place := "Step " + strconv.Itoa(i+1)
		if i < len(in.Steps) && in.Steps[i].ID != "" {
			place += " · " + in.Steps[i].ID
		}
		if rest := strings.TrimPrefix(m[2], "."); rest != "" {
			place += " · " + rest
		}
		return place
	}
	if rest, ok := strings.CutPrefix(path, "trigger"); ok {
		rest = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(rest, "."), "config"), ".")
		if rest == "" {
			return "Trigger"
		}
		return "Trigger · " + rest
	}
	// The integration's own settings (name, steps): named like a place,
	// "Steps", not as the path "steps".
	if r, size := utf8.DecodeRuneInString(path); r != utf8.RuneError {
		return string(unicode.ToUpper(r)) + path[size:]
	}
	return path
}

// problemText is a problem with its place named for people.
func problemText(in storage.Integration, p *engine.Problem) string {
	if p.Path == "" {
		return p.Msg
	}
	return problemPlace(in, p.Path) + ": " + p.Msg
}
