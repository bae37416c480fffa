package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/huh/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// commonEventTypes are the Okta System Log events a trigger most often
// waits for, offered as choices (others can be typed).
var commonEventTypes = []string{
	"user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.deactivate",
	"user.lifecycle.suspend", "user.lifecycle.unsuspend", "user.lifecycle.reactivate",
	"user.lifecycle.delete.initiated", "user.account.update_profile", "user.account.lock",
	"group.user_membership.add", "group.user_membership.remove",
}

// triggerValues are a trigger's settings as its form edits them: text per
// setting, and for an Okta event trigger the event types picked from the
// common ones plus any others typed.
type triggerValues struct {
	text    map[string]*string
	events  []string // picked from commonEventTypes
	more    string   // other event types, comma-separated
	shown   bool     // secrets shown (ctrl+v)
	secrets []*widget.TextField
}

// newTriggerValues fills the settings from tr when it is of the spec's
// type; a new webhook gets a generated secret.
func newTriggerValues(spec trigger.Spec, tr storage.Trigger) *triggerValues {
	v := &triggerValues{text: map[string]*string{}}
	same := tr.Type == spec.Type
	for _, f := range spec.Fields {
		s := ""
		switch {
		case !same && f.Kind == trigger.KindList:
			s = f.Default // a new trigger starts from the usual choice
		case !same:
		case f.Secret:
			s = tr.Secrets[f.Key].Reveal()
		default:
			s = configText(f, tr.Config[f.Key])
		}
		if f.Secret && f.Kind == trigger.KindMap {
			s = strings.ReplaceAll(s, "\n", "; ")
		}
		v.text[f.Key] = &s
	}
	if spec.Type == trigger.Webhook && *v.text["secret"] == "" {
		*v.text["secret"] = engine.NewSecret().Reveal()
	}
	if spec.Type == trigger.OktaEvent {
		var more []string
		for _, e := range splitList(*v.text["event_types"]) {
			if slices.Contains(commonEventTypes, e) {
				v.events = append(v.events, e)
			} else {
				more = append(more, e)
			}
		}
		v.more = strings.Join(more, ", ")
	}
	return v
}

// eventTypes is what the Okta event trigger's pickers and text hold.
func (v *triggerValues) eventTypes() []string {
	return append(slices.Clone(v.events), splitList(v.more)...)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// changed reports whether the values differ from tr.
func (v *triggerValues) changed(spec trigger.Spec, tr storage.Trigger) bool {
	was := newTriggerValues(spec, tr)
	for _, f := range spec.Fields {
		if f.Key == "secret" && tr.Type != spec.Type { // the generated webhook secret is not the user's edit
			continue
		}
		if f.Key == "event_types" && spec.Type == trigger.OktaEvent {
			if !slices.Equal(v.eventTypes(), was.eventTypes()) {
				return true
			}
			continue
		}
		if strings.TrimSpace(*v.text[f.Key]) != strings.TrimSpace(*was.text[f.Key]) {
			return true
		}
	}
	return false
}

// trigger is the storage form of the values.
func (v *triggerValues) trigger(spec trigger.Spec) storage.Trigger {
	tr := storage.Trigger{Type: spec.Type, Config: map[string]any{}, Secrets: map[string]storage.Secret{}}
	for _, f := range spec.Fields {
		s := strings.TrimSpace(*v.text[f.Key])
		if f.Key == "event_types" && spec.Type == trigger.OktaEvent {
			s = strings.Join(v.eventTypes(), ", ")
		}
		if s == "" {
			continue
		}
		switch {
		case f.Secret && f.Kind == trigger.KindMap:
			tr.Secrets[f.Key] = storage.Secret(strings.ReplaceAll(s, ";", "\n"))
		case f.Secret:
			tr.Secrets[f.Key] = storage.Secret(s)
		case f.Kind == trigger.KindList:
			var list []any
			for _, p := range splitList(s) {
				list = append(list, p)
			}
			tr.Config[f.Key] = list
		case f.Kind == trigger.KindMap:
			tr.Config[f.Key] = strings.ReplaceAll(s, ";", "\n")
		default:
			tr.Config[f.Key] = s
		}
	}
	return tr
}

// mask shows or hides the secret settings.
func (v *triggerValues) mask() {
	for _, f := range v.secrets {
		f.SetSecret(!v.shown)
	}
}

// configText renders a stored setting for its input.
func configText(f trigger.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		var parts []string
		for _, k := range sampleKeys(x) {
			parts = append(parts, k+": "+fmt.Sprint(x[k]))
		}
		return strings.Join(parts, "; ")
	case string:
		if f.Kind == trigger.KindMap {
			return strings.ReplaceAll(x, "\n", "; ")
		}
		return x
	}
	return fmt.Sprint(v)
}

// group is the settings form: a picker where the choices are known (an
// account, a choice, true/false, Okta's common event types), else a text
// field checked as it is typed by the trigger package's own rule (the one
// save applies).
func (t *triggerForm) group() *huh.Group {
	st, spec, v := t.c.Styles.Styles, t.spec, t.vals
	v.secrets = nil
	var fields []huh.Field
	for _, f := range spec.Fields {
		p := v.text[f.Key]
		switch {
		case f.Key == "account":
			fields = append(fields, t.accountField(f, p))
		case f.Key == "key_column" && spec.Type == trigger.CSV && len(t.columns) > 0:
			opts := []huh.Option[string]{huh.NewOption("none: a row is known by all its values", "")}
			for _, c := range t.columns {
				opts = append(opts, huh.NewOption(c, c))
			}
			fields = append(fields, huh.NewSelect[string]().Key(f.Key).Title(f.Label).
				Description("the columns of "+t.columnsOf+"; "+f.Help).Options(opts...).Value(p))
		case f.Kind == trigger.KindChoice || f.Kind == trigger.KindBool:
			choices := f.Choices
			if f.Kind == trigger.KindBool {
				choices = []string{"true", "false"}
			}
			if *p == "" {
				*p = f.Default
			}
			fields = append(fields, huh.NewSelect[string]().Title(f.Label).Description(f.Help).
				Options(huh.NewOptions(choices...)...).Value(p))
		case f.Key == "event_types" && spec.Type == trigger.OktaEvent:
			opts := make([]huh.Option[string], len(commonEventTypes))
			for i, e := range commonEventTypes {
				opts[i] = huh.NewOption(e, e).Selected(slices.Contains(v.events, e))
			}
			fields = append(fields,
				huh.NewMultiSelect[string]().Title(f.Label).Description("space picks · the common ones; type others below").
					Options(opts...).Value(&v.events).Height(min(len(opts)+2, max(t.formHeight()-8, 4))),
				widget.NewTextField(st, "Other event types", &v.more).Key("more_event_types").
					Description("comma-separated, e.g. application.user_membership.add").
					Note(func(s string) (string, bool) {
						if note, bad := checkNote(spec.Type, f, strings.Join(append(slices.Clone(v.events), splitList(s)...), ",")); bad {
							return note, true
						}
						return "", false // the description says what to type
					}))
		default:
			switch {
			case spec.Type == trigger.Webhook && f.Key == "secret":
				f.Help = "callers send it as Authorization: Bearer <secret>; one was generated for you · ctrl+v shows it"
			}
			check := func(s string) error { return trigger.CheckField(spec.Type, f.Key, s) }
			if spec.Type == trigger.CSV && f.Key == "path" {
				if dir, err := t.c.Backend.FeedsDir(); err == nil {
					f.Help = "required: in the feeds folder " + dir + " (a name there is enough)"
					check = func(s string) error { // as typed: the rule save applies (links are followed at save)
						if err := trigger.CheckField(spec.Type, f.Key, s); err != nil || strings.TrimSpace(s) == "" {
							return err
						}
						_, err := engine.FeedPath(dir, strings.TrimSpace(s))
						return err
					}
				}
			}
			tf := widget.NewTextField(st, f.Label, p).Key(f.Key).Placeholder(f.Default).
				Note(func(s string) (string, bool) {
					if err := check(s); err != nil && strings.TrimSpace(s) != "" {
						return "✗ " + err.Error(), true
					}
					return checkNote(spec.Type, f, s)
				}).
				Validate(check)
			if f.Secret {
				tf.SetSecret(!v.shown)
				v.secrets = append(v.secrets, tf)
			}
			fields = append(fields, tf)
		}
	}
	return huh.NewGroup(fields...)
}

// checkNote is the line under a setting as it is typed: its problem (by
// the trigger package's check), else its help.
func checkNote(typ string, f trigger.Field, s string) (string, bool) {
	if strings.TrimSpace(s) != "" {
		if err := trigger.CheckField(typ, f.Key, s); err != nil {
			return "✗ " + err.Error(), true
		}
	}
	help := f.Help
	if help == "" && f.Default != "" {
		help = "default: " + f.Default
	}
	if f.Required && help == "" {
		help = "required"
	}
	return help, false
}

// accountField picks the account a trigger reads: an Okta org for Okta
// events, a Kissflow account for a Kissflow trigger (where none is also a
// choice: the keys can be typed instead).
func (t *triggerForm) accountField(f trigger.Field, p *string) huh.Field {
	want := func(a storage.Account) bool { return a.Kind != storage.AccountKissflow }
	what := "Okta"
	if t.spec.Type == trigger.Kissflow {
		want = func(a storage.Account) bool { return a.Kind == storage.AccountKissflow }
		what = "Kissflow"
	}
	var opts []huh.Option[string]
	if !f.Required {
		opts = append(opts, huh.NewOption("none: the keys below", ""))
	}
	for _, a := range t.accounts {
		if want(a) {
			opts = append(opts, huh.NewOption(a.Name+"  "+a.OrgURL, a.Name))
		}
	}
	if len(opts) == 0 || (len(opts) == 1 && !f.Required) {
		help := fmt.Sprintf("no %s account yet: add one under Accounts (a on the integrations list)", what)
		if f.Help != "" && !f.Required {
			help = f.Help
		}
		return widget.NewTextField(t.c.Styles.Styles, f.Label, p).Key(f.Key).Description(help).
			Validate(func(s string) error { return trigger.CheckField(t.spec.Type, f.Key, s) })
	}
	if *p == "" && f.Required {
		*p = opts[0].Value
	}
	return huh.NewSelect[string]().Title(f.Label).Description(f.Help).Options(opts...).Value(p)
}
