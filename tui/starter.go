package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// The welcome screen's "Kissflow → Okta" starter: the seed's own flow, on
// both sandboxes. An onboarding item completes in a simulated Kissflow
// process; the integration creates the Okta user in the sandbox org and
// writes the Okta id back into the item.

// starterReadyMsg carries the starter integration, saved OFF.
type starterReadyMsg struct {
	in        storage.Integration
	err, warn error
}

// starterIntegration is the ready integration over the two sandbox accounts.
func starterIntegration(okta, kissflow string) storage.Integration {
	return storage.Integration{
		Name:        "Kissflow → Okta: onboard new hires",
		Description: "When an onboarding item completes in Kissflow, create the Okta user and write its Okta id back into the item",
		Trigger: storage.Trigger{Type: trigger.Kissflow, Config: map[string]any{
			"account": kissflow, "process_id": engine.KissflowSandboxProcess, "poll_interval": "5s"}},
		Steps: []storage.Step{
			{ID: "create", Action: "okta.add_user", Account: okta, Options: map[string]any{"activate": true},
				Fields: map[string]string{"login": "{{ trigger.Email }}", "email": "{{ trigger.Email }}",
					"firstName": "{{ trigger.First_Name }}", "lastName": "{{ trigger.Last_Name }}",
					"department": `{{ trigger.Department ?? "" }}`}},
			{ID: "writeback", Action: "kissflow.update_item", Account: kissflow,
				Fields: map[string]string{"Okta_User_ID": "{{ steps.create.id }}"}},
		},
	}
}

// startStarter creates the two sandboxes and saves the starter (OFF).
func startStarter(c *Common) tea.Cmd {
	b, ctx := c.Backend, c.Ctx
	return func() tea.Msg {
		var warns []error
		okta, err := b.CreateSandbox(ctx, "sandbox")
		fail, warn := outcome(err)
		if fail != nil {
			return starterReadyMsg{err: fail}
		}
		warns = append(warns, warn)
		kf, err := b.CreateKissflowSandbox(ctx, "kissflow")
		if fail, warn = outcome(err); fail != nil {
			return starterReadyMsg{err: fail}
		}
		warns = append(warns, warn)
		res, err := b.SaveIntegration(ctx, starterIntegration(okta.Name, kf.Name))
		if fail, warn = outcome(err); fail != nil {
			return starterReadyMsg{err: fail}
		}
		warns = append(warns, warn)
		var first error
		for _, w := range warns {
			if w != nil && first == nil {
				first = w
			}
		}
		return starterReadyMsg{in: res.Integration, warn: first}
	}
}
