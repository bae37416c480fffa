package action

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"sort"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// updateUser changes only the mapped profile attributes of a user.
//
// Idempotent by comparison: it reads the user first and sends only the
// attributes whose value differs (outcome "unchanged", no call, when none
// does). The user is found through "find." fields, since login, firstName
// and lastName are attributes it may change. Without the strict option a
// user who is not there is an outcome ("not_found"), not a failure.
type updateUser struct{}

func (updateUser) ID() string    { return "okta.update_user" }
func (updateUser) Title() string { return "Update a user" }
func (updateUser) Description() string {
	return "Change only the mapped profile attributes (base and custom) of a user found by id, login, email or name"
}
func (updateUser) Traits() Traits { return Traits{Connector: ConnectorOkta, Scopes: scopesManageUsers} }
func (updateUser) Buckets() []string {
	return slices.Concat(userBuckets, []string{okta.BucketUserWrite})
}

// Fields are the finder's, then every writable attribute, none required: a
// partial update sends only what is mapped.
func (updateUser) Fields(schema storage.UserSchema) []Field {
	fields := prefixFinder.fields()
	for _, f := range profileFields(schema) {
		f.Required = false
		fields = append(fields, f)
	}
	return fields
}

func (updateUser) Options() []Option {
	return []Option{
		{Name: "strict", Title: "Fail when the user is missing", Type: OptionBoolean, Default: false,
			Description: "on: no such user fails the run; off: the step reports not_found and the run goes on"},
		matchOption,
	}
}

func (updateUser) Check(names []string, _ map[string]any) error {
	if err := prefixFinder.check(names); err != nil {
		return err
	}
	if !slices.ContainsFunc(names, func(n string) bool { return !prefixFinder.has(n) }) {
		return actionErr(CodeBadInput, "map at least one profile attribute to change")
	}
	return nil
}

func (updateUser) Outcomes() []Outcome {
	return []Outcome{
		{Name: "updated", Changed: true, Doc: "the attributes that differed were sent (listed in changed); the output is the user afterwards"},
		{Name: "unchanged", Doc: "every mapped attribute already had its value: no call"},
		{Name: "not_found", Doc: "no such user and strict is off: nothing changed"},
	}
}

// wanted is the profile a step maps: every attribute with a value (an empty
// text leaves the attribute as it is).
func wanted(in Input) map[string]any {
	out := map[string]any{}
	for name, v := range in.Fields {
		if prefixFinder.has(name) {
			continue
		}
		if s, ok := v.(string); ok && s == "" {
			continue
		}
		out[name] = v
	}
	return out
}

func (updateUser) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	api, err := oktaOf(conn)
	if err != nil {
		return nil, err
	}
	want := wanted(in)
	if len(want) == 0 {
		return nil, actionErr(CodeBadInput, "every mapped attribute is empty: nothing to change")
	}
	u, err := prefixFinder.find(ctx, api, in)
	if err != nil {
		var ae *Error
		if !boolOption(in.Options, "strict", false) && asError(err, &ae) && ae.Code == CodeNotFound {
			return map[string]any{"outcome": "not_found", "reason": ae.Msg}, nil
		}
		return nil, err
	}
	if u.Status == statusDeprovisioned {
		return nil, &Error{Code: CodeWrongStatus, Status: u.Status, Msg: "cannot update " + who(u) +
			": the user is DEPROVISIONED, and Okta does not change a deactivated user's profile; okta.activate_user activates them again"}
	}
	changes := map[string]any{}
	for k, v := range want {
		if !sameJSON(u.Profile[k], v) {
			changes[k] = v
		}
	}
	if len(changes) == 0 {
		return userOutput(u, "unchanged")
	}
	after, err := api.UpdateUser(ctx, u.ID, changes)
	if err != nil {
		return nil, err
	}
	out, err := userOutput(after, "updated")
	if err != nil {
		return nil, err
	}
	keys := make([]any, 0, len(changes))
	for _, k := range sortedNames(changes) {
		keys = append(keys, k)
	}
	out["changed"] = keys
	return out, nil
}

func (updateUser) Describe(in Input) Request {
	want := wanted(in)
	if len(want) == 0 {
		return Request{Calls: []string{"would fail before calling Okta: every mapped attribute is empty"}}
	}
	return Request{Calls: append(prefixFinder.describe(in),
		"then POST /api/v1/users/{id} with only the attributes below that differ from the user's (skipped when none does)"),
		Body: map[string]any{"profile": want}}
}

// sameJSON reports whether two decoded values are the same JSON (3 and 3.0
// are; "3" and 3 are not).
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return false
	}
	var va, vb any
	if json.Unmarshal(ja, &va) != nil || json.Unmarshal(jb, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
