package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// toggleAskMsg: switching in OFF would cancel runs still waiting to run,
// so the screen asks first (askSwitchOff).
type toggleAskMsg struct{ in storage.Integration }

// switchOnOff is space on an integration: ON at once; OFF at once too when
// nothing waits to run. Switching OFF cancels its queued, retrying and
// waiting runs, so with any of those it answers toggleAskMsg instead, and
// the screen asks.
func switchOnOff(c *Common, in storage.Integration) tea.Cmd {
	if !in.Enabled {
		return toggle(c, in)
	}
	b, off := c.Backend, toggle(c, in)
	return func() tea.Msg {
		for _, state := range []storage.RunState{storage.RunQueued, storage.RunRetrying, storage.RunWaiting} {
			runs, err := b.Runs(storage.RunQuery{IntegrationID: in.ID, State: state, Limit: 1})
			if err != nil {
				return errMsg{fmt.Errorf("read the runs of %s before switching it OFF: %w", in.Name, err)}
			}
			if len(runs) > 0 {
				return toggleAskMsg{in}
			}
		}
		return off()
	}
}

// askSwitchOff asks before switching in OFF and cancelling its waiting runs.
func askSwitchOff(c *Common, in storage.Integration) *widget.Confirm {
	return ask(c, fmt.Sprintf("Switch %q OFF? Its runs waiting to run (queued or retrying) are cancelled; steps running now finish.", in.Name),
		toggle(c, in), nil)
}

// toggledNote is the toast of a switch: "Onboard is OFF; cancelled 2
// queued runs".
func toggledNote(msg toggledMsg) string {
	note := fmt.Sprintf("%s is %s", msg.name, onOff(msg.on))
	if msg.cancelled > 0 {
		note += "; cancelled " + plural(msg.cancelled, "queued run", "queued runs")
	}
	return note
}
