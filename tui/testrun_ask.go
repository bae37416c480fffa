package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/storage"
)

// stepAccounts reads the accounts the steps use, by the name they give.
func stepAccounts(store Backend, in storage.Integration) map[string]storage.Account {
	out := map[string]storage.Account{}
	for _, st := range in.Steps {
		if _, done := out[st.Account]; done || st.Account == "" {
			continue
		}
		if a, err := store.Account(st.Account); err == nil {
			out[st.Account] = a
		}
	}
	return out
}

// accountsActedOn names the accounts the steps act on, each once, in step
// order, saying which are simulated sandboxes and which real: "sandbox (the
// simulated sandbox org) and acme (https://acme.okta.com, a real org)".
// Steps without an account (an HTTP request) are left out; "" when none.
func accountsActedOn(in storage.Integration, accounts map[string]storage.Account) string {
	var names []string
	seen := map[string]bool{}
	for _, st := range in.Steps {
		if st.Account == "" || seen[st.Account] {
			continue
		}
		seen[st.Account] = true
		a, ok := accounts[st.Account]
		switch {
		case !ok:
			names = append(names, strconv.Quote(st.Account)+" (no such account)")
		case a.Kind == storage.AccountKissflow && a.Sandbox:
			names = append(names, a.Name+" (the simulated Kissflow sandbox)")
		case a.Kind == storage.AccountKissflow:
			names = append(names, a.Name+" (Kissflow "+a.OrgURL+", a real account)")
		case a.Sandbox || a.Kind == storage.AccountSandbox:
			names = append(names, a.Name+" (the simulated sandbox org)")
		default:
			names = append(names, a.Name+" ("+a.OrgURL+", a real org)")
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// testQuestion says what a test will touch: "Run the 1 step for real
// against http://127.0.0.1:53122 (sandbox)? It may create or change users."
func testQuestion(in storage.Integration, accounts map[string]storage.Account) string {
	var orgs []string
	seen := map[string]bool{}
	for _, st := range in.Steps {
		if seen[st.Account] {
			continue
		}
		seen[st.Account] = true
		if a, ok := accounts[st.Account]; ok {
			what := a.Name
			if a.Sandbox || a.Kind == storage.AccountSandbox {
				what += ", the simulated sandbox org"
			}
			orgs = append(orgs, a.OrgURL+" ("+what+")")
		} else if st.Account != "" {
			orgs = append(orgs, "the account "+strconv.Quote(st.Account)+" (not found)")
		}
	}
	steps := "the 1 step"
	if n := len(in.Steps); n != 1 {
		steps = fmt.Sprintf("the %d steps", n)
	}
	effect := "It may create or change users."
	if engine.ReadOnlyIntegration(in) {
		effect = "It only reads users."
	}
	target := "the org"
	if len(orgs) > 0 {
		target = strings.Join(orgs, " and ")
	}
	q := fmt.Sprintf("Run %s for real against %s? %s", steps, target, effect)
	for i, st := range in.Steps { // what cannot be undone is said before, not after
		for _, w := range stepWarnings(st) {
			q += fmt.Sprintf(" ⚠ Step %d · %s %s.", i+1, st.ID, w)
		}
	}
	return q
}

func (s *testRun) runningText() string {
	ids := make([]string, 0, len(s.d.in.Steps))
	for _, st := range s.d.in.Steps {
		ids = append(ids, st.ID)
	}
	if len(ids) == 1 {
		return "Running step " + ids[0] + "…"
	}
	return "Running steps " + strings.Join(ids, " → ") + "…"
}

// stepWarnings are what a step's action says before it runs for real
// ("permanently deletes the user…"), without the action's id.
func stepWarnings(st storage.Step) []string {
	act, ok := action.Lookup(st.Action)
	if !ok {
		return nil
	}
	var out []string
	for _, w := range act.Describe(action.Input{Options: st.Options}).Warnings {
		out = append(out, strings.TrimSpace(strings.TrimPrefix(w, st.Action)))
	}
	return out
}
