package tui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// defaultStepIDs name a new step after what it does, so templates read well
// ({{ steps.find.id }}).
var defaultStepIDs = map[string]string{
	"okta.add_user": "create", "okta.get_user": "find", "okta.deactivate_user": "deactivate",
}

// addStep appends a step for an action on an account and returns its index.
// Its id is unique within the integration.
func addStep(d *draft, actionID, account string) int {
	base := defaultStepIDs[actionID]
	if base == "" {
		base = "step"
	}
	id := base
	for n := 2; hasStep(d, id); n++ {
		id = fmt.Sprintf("%s%d", base, n)
	}
	st := storage.Step{ID: id, Action: actionID, Account: account, Fields: map[string]string{}}
	if actionID == "okta.add_user" {
		st.Options = map[string]any{"activate": true}
	}
	d.in.Steps = append(d.in.Steps, st)
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
	e := c.Engine
	in = cloneIntegration(in)
	return func() tea.Msg {
		err := e.ValidateIntegration(in)
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
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(p.Path, prefix), ".")+": "+p.Msg)
		}
	}
	return out
}

// savedMsg reports a save.
type savedMsg struct {
	in  storage.Integration
	err error
}

// save stores a draft (creating it when new) and audits the change.
func save(c *Common, in storage.Integration) tea.Cmd {
	e, ctx, who := c.Engine, c.Ctx, c.Who
	in = cloneIntegration(in)
	return func() tea.Msg {
		action := "integration.edit"
		if in.ID == "" {
			action = "integration.create"
		}
		saved, err := e.SaveIntegration(ctx, in)
		if err == nil {
			e.Store().AddAudit(storage.AuditEntry{Who: who, Action: action, Target: saved.ID, Detail: saved.Name})
		}
		return savedMsg{saved, err}
	}
}

// stepLine is a step in one line: "create · Add a user · sandbox".
func stepLine(s storage.Step) string {
	title := s.Action
	if t, ok := actionTitle(s.Action); ok {
		title = t
	}
	return s.ID + " · " + title + " · " + s.Account
}
