package action

import (
	"context"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// deactivateUser deprovisions a user who is not deprovisioned already.
//
// Idempotent by status: a DEPROVISIONED user is left alone (outcome
// "already_deprovisioned", no call). When the deactivate answers not found
// (Okta's answer for a user deprovisioned meanwhile, or a retry after a
// lost answer), the user is read again and, if deprovisioned, that is the
// outcome too.
type deactivateUser struct{}

func (deactivateUser) ID() string    { return "okta.deactivate_user" }
func (deactivateUser) Title() string { return "Deactivate a user" }
func (deactivateUser) Description() string {
	return "Deactivate (deprovision) a user found by id, login, email or name, unless already deprovisioned"
}
func (deactivateUser) Fields(storage.UserSchema) []Field { return finderFields }
func (deactivateUser) Options() []Option {
	return []Option{
		{Name: "sendEmail", Title: "Email the admins", Type: "boolean", Default: false,
			Description: "Okta emails the org's admins about the deactivation"},
		matchOption,
	}
}
func (deactivateUser) Check(names []string, _ map[string]any) error { return checkFinder(names) }

func (deactivateUser) Traits() Traits { return Traits{Connector: ConnectorOkta} }

func (deactivateUser) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	api, err := oktaOf(conn)
	if err != nil {
		return nil, err
	}
	u, err := findUser(ctx, api, in)
	if err != nil {
		return nil, err
	}
	if u.Status == "DEPROVISIONED" {
		return userOutput(u, "already_deprovisioned")
	}
	err = api.DeactivateUser(ctx, u.ID, boolOption(in.Options, "sendEmail", false))
	if err != nil && !okta.IsNotFound(err) {
		return nil, err
	}
	after, gerr := api.GetUser(ctx, u.ID)
	switch {
	case gerr != nil:
		return nil, gerr
	case err != nil && after.Status == "DEPROVISIONED":
		return userOutput(after, "already_deprovisioned")
	case err != nil:
		return nil, err
	}
	return userOutput(after, "deactivated")
}

func (deactivateUser) Describe(in Input) Request {
	q := ""
	if boolOption(in.Options, "sendEmail", false) {
		q = "?sendEmail=true"
	}
	return Request{Calls: append(describeFind(in),
		"then POST /api/v1/users/{id}/lifecycle/deactivate"+q+" (skipped when already DEPROVISIONED)")}
}

func (deactivateUser) Buckets() []string { return userBuckets }
