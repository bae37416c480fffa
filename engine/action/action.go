// Package action holds the actions a step can run: Okta's user lifecycle,
// writing back into a Kissflow item, and calling any HTTP API. Each says
// what it does, the fields and options it declares (so the TUI can render
// them and saving can check them), what it needs (Traits: which account,
// whether it writes, whether it can be undone), and how it runs.
//
// Every action is safe to run again after a crash or a lost answer: it reads
// the current state first and skips what is already done (okta.add_user
// adopts the user Okta already has, okta.deactivate_user leaves a
// deprovisioned user alone, kissflow.update_item skips values already in
// the item), or only reads. That is what lets the engine promise
// effectively-once effects on top of at-least-once runs.
package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"

	"github.com/oktaflow/oktaflow/engine/mapping"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// Okta is what actions need of an Okta org; *okta.Client provides it.
type Okta interface {
	GetUser(ctx context.Context, idOrLogin string) (*okta.User, error)
	CreateUser(ctx context.Context, req okta.CreateUserRequest) (*okta.User, error)
	UpdateUser(ctx context.Context, id string, profile map[string]any) (*okta.User, error)
	ListUsers(ctx context.Context, p okta.ListUsersParams) iter.Seq2[*okta.User, error]
	FindUsersByName(ctx context.Context, first, last string) ([]*okta.User, error)
	FindUsersByEmail(ctx context.Context, email string) ([]*okta.User, error)

	ActivateUser(ctx context.Context, id string, sendEmail bool) (*okta.Activation, error)
	ReactivateUser(ctx context.Context, id string, sendEmail bool) (*okta.Activation, error)
	DeactivateUser(ctx context.Context, id string, sendEmail bool) error
	SuspendUser(ctx context.Context, id string) error
	UnsuspendUser(ctx context.Context, id string) error
	UnlockUser(ctx context.Context, id string) error
	ResetPassword(ctx context.Context, id string, sendEmail bool) (*okta.PasswordReset, error)
	ExpirePassword(ctx context.Context, id string) (*okta.User, error)
	DeleteUser(ctx context.Context, id string) error

	GetGroup(ctx context.Context, id string) (*okta.Group, error)
	FindGroupByName(ctx context.Context, name string) (*okta.Group, error)
	IsMember(ctx context.Context, groupID, userID string) (bool, error)
	AddUserToGroup(ctx context.Context, groupID, userID string) error
	RemoveUserFromGroup(ctx context.Context, groupID, userID string) error
}

// Action is one action a step can run.
type Action interface {
	// ID is stable: it appears in export files ("okta.add_user").
	ID() string
	Title() string       // "Add a user"
	Description() string // one line for the action picker
	// Traits says what the action needs and what kind of change it makes.
	Traits() Traits
	// Fields lists what a step can map, from the account's user schema.
	Fields(schema storage.UserSchema) []Field
	// Options lists the step's options.
	Options() []Option
	// Check reports problems with a step's mapped fields and options that
	// no single field shows (e.g. "map a login, an id, or a first and last
	// name"). names are the mapped fields that have a value.
	Check(names []string, options map[string]any) error
	// Run does the action. The output is JSON-shaped (it becomes
	// steps.<id> for later steps) and always has an "outcome".
	Run(ctx context.Context, conn Conn, in Input) (map[string]any, error)
	// Describe says which calls Run would make for in, without making
	// them (the test screen's preview). It lives beside Run so the two
	// cannot disagree.
	Describe(in Input) Request
	// Outcomes lists every "outcome" Run can report, each saying whether
	// it changed anything: a step that finds its work already done reports
	// an outcome with Changed false.
	Outcomes() []Outcome
	// Buckets lists the Okta rate-limit buckets Run may use: while one of
	// them waits for its reset, the engine holds the step back. Actions that
	// do not call Okta list none.
	Buckets() []string
}

// Outcome is one result a step can report in its output's "outcome".
type Outcome struct {
	Name    string // "created", "already_existed"
	Changed bool   // false: nothing was changed (the work was already done, or the action only reads)
	Doc     string // what it means, for the README and the test screen
}

// Connector names the kind of account a step's action acts on.
type Connector string

// The connectors. ConnectorNone is an action that needs no account
// (http.request carries its own URL and headers).
const (
	ConnectorOkta     Connector = "okta"     // an Okta org: a token, OAuth or sandbox account
	ConnectorKissflow Connector = "kissflow" // a Kissflow account
	ConnectorNone     Connector = ""
)

// Traits are the flags front ends decide on, so that none of them compares
// action ids: which account a step needs, whether it changes anything, and
// whether the change can be undone.
type Traits struct {
	Connector Connector
	// StepName is the id a new step of the action gets, so that templates
	// read well ({{ steps.create.id }}); "" derives one from the action's id
	// (see NewStepID).
	StepName string
	// ReadOnly: the action changes nothing (okta.get_user, okta.find_users);
	// testing it for real is harmless.
	ReadOnly bool
	// Destructive: the change cannot be undone (okta.delete_user); the
	// preview and test screens warn before a real test.
	Destructive bool
	// OpenFields: a step may map fields the action does not list (the
	// fields of a Kissflow item, named by the process). Fields lists the
	// known ones; saving accepts any other name.
	OpenFields bool
	// SecretOutputs are output keys that hold secrets (an activation or
	// password-reset link): later steps of the same run may read them, and
	// stored copies of the output mask them (see RedactOutput).
	SecretOutputs []string
	// Scopes are the OAuth 2.0 scopes an Okta account signed in as a
	// service app needs for every call Run makes. Okta's .read and .manage
	// scopes are separate grants, so an action that reads a user before it
	// changes one lists both. None for actions that do not call Okta.
	Scopes []string
}

// The scopes of the Okta actions (okta.ScopeFor of each call they make).
var (
	scopesReadUsers   = []string{okta.ScopeUsersRead}
	scopesManageUsers = []string{okta.ScopeUsersRead, okta.ScopeUsersManage}
	// Membership: the user is found and their groups read (users.read),
	// a group found by name or id (groups.read), the membership changed
	// (groups.manage).
	scopesMembership = []string{okta.ScopeUsersRead, okta.ScopeGroupsRead, okta.ScopeGroupsManage}
)

// Request is what an action would send: its calls in order, and the body of
// the one that writes, if any.
type Request struct {
	Calls []string
	Body  any
	// Warnings are said before a real test, most important first: "this
	// permanently deletes the user" (see Traits.Destructive).
	Warnings []string
}

// Input is a step's resolved fields and its options.
type Input struct {
	Fields  map[string]any
	Options map[string]any
}

// Field is one mappable field of an action.
type Field struct {
	Name        string
	Title       string
	Description string
	Type        FieldType
	Required    bool
	Custom      bool      // a custom attribute of the org's user schema
	Secret      bool      // masked on screen and redacted in stored runs (a password)
	Enum        []string  // allowed values, when the schema lists them
	Items       FieldType // an array's item type, when the schema says
	// Pick says what a front end may offer to pick the value from rather
	// than have it typed: the org's groups, by name.
	Pick Pick
}

// Pick is what a field's value may be picked from.
type Pick string

// Picks.
const (
	PickNone      Pick = ""
	PickGroupID   Pick = "group_id"   // an Okta group: its id is the value (in a list, for an array field)
	PickGroupName Pick = "group_name" // an Okta group: its exact name is the value
)

// Option is one step option.
type Option struct {
	Name        string
	Title       string
	Description string
	Type        OptionKind
	Default     any
	Values      []string // for enum options
	Min, Max    int      // for integer options
}

// FieldType is the type of a mapped value; a step's value is converted to
// it before the action runs (see Convert).
type FieldType string

// The field types, as Okta's user schema names them.
const (
	TypeString  FieldType = "string"
	TypeInteger FieldType = "integer"
	TypeNumber  FieldType = "number"
	TypeBoolean FieldType = "boolean"
	TypeArray   FieldType = "array"
	TypeObject  FieldType = "object" // a JSON object (http.request's headers and body)
	TypeAny     FieldType = ""       // any JSON value, unchanged
)

// OptionKind is how a step option is edited and checked.
type OptionKind string

// The option kinds.
const (
	OptionBoolean OptionKind = "boolean" // true or false
	OptionEnum    OptionKind = "enum"    // one of Option.Values
	OptionInteger OptionKind = "integer" // a whole number within Option.Min and Option.Max
	OptionText    OptionKind = "text"    // free text, checked by the action's Check
)

// Error is an action's own failure (not found, ambiguous, bad input):
// retrying does not help, so the run fails at once with this message.
type Error struct {
	Msg    string
	Code   string // CodeNotFound, CodeAmbiguous, CodeBadInput, CodeWrongStatus, CodeUnexpected, CodeRefused
	Status string // with CodeWrongStatus: the user's Okta status
	Err    error  // the error behind it, when there is one (with CodeRefused: the policy's)
}

// The codes of an action's own errors.
const (
	CodeNotFound    = "not_found"    // no user, group or item matches
	CodeAmbiguous   = "ambiguous"    // several match and the step did not say which
	CodeBadInput    = "bad_input"    // a mapped value or option cannot be used
	CodeWrongStatus = "wrong_status" // the user's status does not allow the operation
	CodeUnexpected  = "unexpected"   // an answer the step's settings do not expect (http.request)
	CodeRefused     = "refused"      // the address policy refuses the target (http.request)
)

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

func actionErr(code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

var registry = []Action{
	addUser{}, getUser{}, findUsers{}, updateUser{},
	activateUser, reactivateUser, suspendUser, unsuspendUser, unlockUser,
	resetPassword, expirePassword, deactivateUser, deleteUser{},
	membership{add: true}, membership{add: false},
	kissflowUpdateItem{}, httpRequest{},
}

// All lists the actions, in the order the picker shows them.
func All() []Action { return slices.Clone(registry) }

// Lookup finds an action by id.
func Lookup(id string) (Action, bool) {
	for _, a := range registry {
		if a.ID() == id {
			return a, true
		}
	}
	return nil, false
}

// IDs lists the action ids.
func IDs() []string {
	out := make([]string, len(registry))
	for i, a := range registry {
		out[i] = a.ID()
	}
	return out
}

// RequiredFields returns the names of an action's required fields.
func RequiredFields(a Action, schema storage.UserSchema) []string {
	var out []string
	for _, f := range a.Fields(schema) {
		if f.Required {
			out = append(out, f.Name)
		}
	}
	return out
}

// SecretFields returns the names of an action's secret fields.
func SecretFields(a Action) []string {
	var out []string
	for _, f := range a.Fields(storage.UserSchema{}) {
		if f.Secret {
			out = append(out, f.Name)
		}
	}
	return out
}

// userOutput is a user's JSON as an object, with the outcome added.
func userOutput(u *okta.User, outcome string) (map[string]any, error) {
	raw, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	out, err := mapping.DecodeJSONObject(raw) // numbers exact, as in events
	if err != nil {
		return nil, err
	}
	delete(out, "_links") // links are Okta's navigation, not data to map
	out["outcome"] = outcome
	return out, nil
}

// boolOption reads a boolean option, with a default.
func boolOption(opts map[string]any, name string, def bool) bool {
	switch v := opts[name].(type) {
	case bool:
		return v
	case string:
		return v == "true" || v == "yes" || v == "1"
	}
	return def
}

// stringField reads a mapped field as text ("" when unmapped).
func stringField(fields map[string]any, name string) string {
	switch v := fields[name].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// IsPermanent reports whether an error from Run fails the run at once: an
// action's own *Error, or any error that says it is permanent (a
// Permanent() method that reports true: the address policy's refusal).
func IsPermanent(err error) bool {
	var ae *Error
	if errors.As(err, &ae) {
		return true
	}
	var perm interface{ Permanent() bool }
	return errors.As(err, &perm) && perm.Permanent()
}

// oktaOf returns the step's Okta client, or an error saying the step has
// none (an account of another kind).
func oktaOf(conn Conn) (Okta, error) {
	if conn.Okta == nil {
		return nil, actionErr("bad_input", "this step needs an Okta account: pick one in the step's account")
	}
	return conn.Okta, nil
}

// asError finds an action's own error in err's chain.
func asError(err error, target **Error) bool { return errors.As(err, target) }

// intOption reads a whole-number option, with a default.
func intOption(opts map[string]any, name string, def int) int {
	if n, ok := wholeNumber(opts[name]); ok {
		return int(n)
	}
	return def
}

// Masked stands in for a secret in stored step inputs and outputs.
const Masked = mapping.Masked

// RedactOutput returns out with the action's secret outputs masked, for
// the copy that is stored with the run (the run itself passes the real
// values to later steps). out is not changed.
func RedactOutput(a Action, out map[string]any) map[string]any {
	return maskKeys(out, a.Traits().SecretOutputs)
}

// RedactInput returns a step's resolved input with the action's secret
// fields (a password, an Authorization header) masked, for stored runs and
// previews. input is not changed.
func RedactInput(a Action, input map[string]any) map[string]any {
	return maskKeys(input, SecretFields(a))
}

// maskKeys is a copy of m with the values of keys masked (m itself when
// there is nothing to mask).
func maskKeys(m map[string]any, keys []string) map[string]any {
	if len(keys) == 0 || m == nil {
		return m
	}
	masked := make(map[string]any, len(m))
	for k, v := range m {
		masked[k] = v
	}
	for _, k := range keys {
		if _, ok := masked[k]; ok {
			masked[k] = Masked
		}
	}
	return masked
}
