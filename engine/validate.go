package engine

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// Problem is one thing wrong with an integration, at a JSON path of its
// document ("steps[0].fields.login").
type Problem struct {
	Path string
	Msg  string
}

func (p *Problem) Error() string { return p.Path + ": " + p.Msg }

// Problems is every problem found in an integration, sorted by path.
type Problems []*Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// ValidateIntegration checks everything a run will need: the trigger's
// settings, each step's action, account, field mappings (compiled; earlier
// steps only; required fields from the account's schema) and options. It
// returns every problem at once as Problems, or nil.
func (e *Engine) ValidateIntegration(in storage.Integration) error {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, &Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(in.Name) == "" {
		add("name", "give the integration a name")
	}
	if in.Concurrency < 0 {
		add("concurrency", "must be 0 (the default) or more")
	}
	if err := trigger.Validate(in.Trigger.Type, triggerConfig(in.Trigger)); err != nil {
		for _, p := range unjoin(err) {
			var tp trigger.Problem
			if errors.As(p, &tp) {
				add(tp.Path, "%s", tp.Msg)
			} else {
				add("trigger", "%v", p)
			}
		}
	}
	ps = append(ps, e.checkSources(in.Trigger)...)
	accounts, err := e.store.Accounts()
	if err != nil {
		return fmt.Errorf("read the accounts to check the integration against: %w", err)
	}
	if p := triggerAccountProblem(in.Trigger, accounts); p != nil {
		ps = append(ps, p)
	}
	if len(in.Steps) == 0 {
		add("steps", "add at least one action step")
	}
	var earlier []string
	for i, st := range in.Steps {
		at := fmt.Sprintf("steps[%d]", i)
		if err := storage.ValidateName(st.ID); err != nil {
			add(at+".id", "%v", strings.TrimPrefix(err.Error(), "invalid: "))
		} else if slices.Contains(earlier, st.ID) {
			add(at+".id", "another step has the id %q", st.ID)
		}
		e.validateStep(st, at, accounts, earlier, add)
		earlier = append(earlier, st.ID)
	}
	if len(ps) == 0 {
		return nil
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
	return ps
}

func (e *Engine) validateStep(st storage.Step, at string, accounts []storage.Account, earlier []string, add func(string, string, ...any)) {
	act, ok := action.Lookup(st.Action)
	if !ok {
		add(at+".action", "unknown action %q (one of %s)", st.Action, strings.Join(action.IDs(), ", "))
		return
	}
	schema := storage.UserSchema{}
	conn := act.Traits().Connector
	switch acc := findAccount(accounts, st.Account); {
	case conn == action.ConnectorNone:
		if st.Account != "" {
			add(at+".account", "%s uses no account; leave the account empty", act.ID())
		}
	case st.Account == "":
		add(at+".account", "pick the %s account this step acts on", connectorName(conn))
	case acc == nil:
		add(at+".account", "no account named %q (accounts: %s); add it with: oktaflow account add %s …",
			st.Account, accountNames(accounts), st.Account)
	case accountConnector(*acc) != conn:
		add(at+".account", "%s is a %s account, and %s acts on a %s account: pick one",
			acc.Name, connectorName(accountConnector(*acc)), act.ID(), connectorName(conn))
	case conn == action.ConnectorOkta:
		schema = e.schemaFor(acc.ID)
	}
	known := map[string]bool{}
	for _, f := range act.Fields(schema) {
		known[f.Name] = true
	}
	// Sealed values (stepsecrets.go) count as mapped: they are literals
	// that live in Step.Secrets. A literal secret still in Fields (a draft
	// not saved yet) is fine: saving seals it.
	sealed := secretNames(st)
	mapped := slices.Clone(sealed)
	for name, src := range st.Fields {
		if !known[name] && !act.Traits().OpenFields {
			add(at+".fields."+name, "%s has no field %q; if it is a new custom attribute, refresh the account's schema", act.ID(), name)
			continue
		}
		if strings.TrimSpace(src) != "" && !slices.Contains(mapped, name) {
			mapped = append(mapped, name)
		}
	}
	// A literal must fit its field's type now ("3x" on an integer attribute).
	for name, src := range st.Fields {
		if t, err := mapping.Parse(src); err == nil && t.IsLiteral() && known[name] {
			if err := action.CheckLiteral(act, schema, name, src); err != nil {
				add(at+".fields."+name, "%v", err)
			}
		}
	}
	for _, name := range sealed {
		if err := action.CheckLiteral(act, schema, name, st.Secrets[name].Reveal()); err != nil {
			add(at+".fields."+name, "%v", err)
		}
	}
	required := slices.DeleteFunc(action.RequiredFields(act, schema), func(n string) bool { return slices.Contains(sealed, n) })
	if _, err := mapping.CompileFields(st.Fields, earlier, required); err != nil {
		for _, p := range unjoin(err) {
			var fe *mapping.FieldError
			if errors.As(p, &fe) {
				add(at+".fields."+fe.Field, "%v", fe.Err)
			}
		}
	}
	if err := act.Check(mapped, st.Options); err != nil {
		add(at+".fields", "%v", err)
	}
	validateOptions(act, st.Options, at, add)
}

func validateOptions(act action.Action, opts map[string]any, at string, add func(string, string, ...any)) {
	for name, v := range opts {
		path := at + ".options." + name
		spec, ok := action.OptionSpec(act, name)
		if !ok {
			add(path, "%s has no option %q", act.ID(), name)
			continue
		}
		if err := action.CheckOption(spec, v); err != nil {
			add(path, "%v", err)
		}
	}
}

// triggerAccountProblem checks a trigger's account setting: it must name
// an account of the kind the trigger reads (an Okta org for okta_event, a
// Kissflow account for kissflow; the Kissflow trigger may do without one,
// with its own keys).
func triggerAccountProblem(t storage.Trigger, accounts []storage.Account) *Problem {
	var want action.Connector
	switch t.Type {
	case trigger.OktaEvent:
		want = action.ConnectorOkta
	case trigger.Kissflow:
		want = action.ConnectorKissflow
	default:
		return nil
	}
	name, _ := t.Config["account"].(string)
	if strings.TrimSpace(name) == "" {
		return nil // trigger.Validate says when it is required
	}
	const path = "trigger.config.account"
	acc := findAccount(accounts, name)
	switch {
	case acc == nil:
		return &Problem{Path: path, Msg: fmt.Sprintf("no account named %q (accounts: %s); add it first", name, accountNames(accounts))}
	case accountConnector(*acc) != want:
		return &Problem{Path: path, Msg: fmt.Sprintf("%s is a %s account, and this trigger reads a %s account: pick one",
			acc.Name, connectorName(accountConnector(*acc)), connectorName(want))}
	}
	return nil
}

// accountConnector is the connector an account serves.
func accountConnector(a storage.Account) action.Connector {
	if a.Kind == storage.AccountKissflow {
		return action.ConnectorKissflow
	}
	return action.ConnectorOkta // okta (token or OAuth) and sandbox
}

func connectorName(c action.Connector) string {
	switch c {
	case action.ConnectorOkta:
		return "Okta"
	case action.ConnectorKissflow:
		return "Kissflow"
	}
	return string(c)
}

func findAccount(accounts []storage.Account, idOrName string) *storage.Account {
	for i, a := range accounts {
		if a.ID == idOrName || strings.EqualFold(a.Name, idOrName) {
			return &accounts[i]
		}
	}
	return nil
}

func accountNames(accounts []storage.Account) string {
	if len(accounts) == 0 {
		return "none yet"
	}
	names := make([]string, len(accounts))
	for i, a := range accounts {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// unjoin flattens an errors.Join tree into its leaves.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}

// triggerConfig adapts a stored trigger to the trigger package's Config.
func triggerConfig(t storage.Trigger) trigger.Config {
	c := trigger.Config{Values: t.Config, Secrets: map[string]string{}}
	for k, v := range t.Secrets {
		c.Secrets[k] = v.Reveal()
	}
	return c
}
