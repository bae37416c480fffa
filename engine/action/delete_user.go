package action

import (
	"context"
	"fmt"
	"slices"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// deleteUser deletes a DEPROVISIONED user for good.
//
// Never by default: a user who is not deprovisioned is refused unless the
// step sets deactivate_first, and it never picks one of several users with
// the same name. Idempotent by absence: a user who is no longer there (a
// retry after the delete went through) is the outcome "not_found". After
// the delete it reads the user once more, so that a user reactivated
// meanwhile (whom Okta's DELETE only deactivates) is reported, not called
// deleted.
type deleteUser struct{}

func (deleteUser) ID() string    { return "okta.delete_user" }
func (deleteUser) Title() string { return "Delete a user" }
func (deleteUser) Description() string {
	return "Permanently delete a deactivated user (or deactivate first, with the option); cannot be undone"
}
func (deleteUser) Traits() Traits {
	return Traits{Connector: ConnectorOkta, Destructive: true, Scopes: scopesManageUsers}
}
func (deleteUser) Buckets() []string {
	return slices.Concat(userBuckets, []string{okta.BucketUserWrite})
}
func (deleteUser) Fields(storage.UserSchema) []Field { return finderFields }

func (deleteUser) Options() []Option {
	return []Option{{Name: "deactivate_first", Title: "Deactivate first", Type: OptionBoolean, Default: false,
		Description: "off: only a DEPROVISIONED user is deleted, others fail the step; on: deactivate, then delete"}}
}

func (deleteUser) Check(names []string, opts map[string]any) error {
	if opts["match"] != nil {
		return actionErr(CodeBadInput, "okta.delete_user never picks one of several users: remove the match option and find the user by id or login")
	}
	return checkFinder(names)
}

func (deleteUser) Outcomes() []Outcome {
	return []Outcome{
		{Name: "deleted", Changed: true, Doc: "the user is gone for good; the output is the user as it was"},
		{Name: "not_found", Doc: "no such user (already deleted): nothing to do"},
	}
}

const permanentWarning = "permanently deletes the user and everything Okta holds for them; this cannot be undone"

func (deleteUser) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	api, err := oktaOf(conn)
	if err != nil {
		return nil, err
	}
	in.Options = withoutMatch(in.Options)
	u, err := findUser(ctx, api, in)
	var ae *Error
	if asError(err, &ae) && ae.Code == CodeNotFound {
		return map[string]any{"outcome": "not_found", "reason": ae.Msg}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := checkSettled(u); err != nil {
		return nil, err
	}
	if u.Status != statusDeprovisioned {
		if !boolOption(in.Options, "deactivate_first", false) {
			return nil, &Error{Code: CodeWrongStatus, Status: u.Status, Msg: fmt.Sprintf(
				"cannot delete %s: the user is %s, and okta.delete_user deletes only DEPROVISIONED users; deactivate them first (okta.deactivate_user, or this step's option deactivate_first)",
				who(u), u.Status)}
		}
		if err := api.DeactivateUser(ctx, u.ID, false); err != nil && !okta.IsNotFound(err) {
			return nil, err
		}
	}
	if err := api.DeleteUser(ctx, u.ID); err != nil && !okta.IsNotFound(err) {
		return nil, err
	}
	still, err := api.GetUser(ctx, u.ID)
	switch {
	case okta.IsNotFound(err):
		return userOutput(u, "deleted")
	case err != nil:
		return nil, err
	}
	// Okta's DELETE only deactivated the user (reactivated meanwhile): a
	// retry deletes them.
	return nil, fmt.Errorf("%s is still in Okta (%s) after the delete; trying again", who(still), still.Status)
}

func (deleteUser) Describe(in Input) Request {
	calls := describeFind(in)
	if boolOption(in.Options, "deactivate_first", false) {
		calls = append(calls, "then POST /api/v1/users/{id}/lifecycle/deactivate (unless already DEPROVISIONED)")
	} else {
		calls = append(calls, "refused unless the user is DEPROVISIONED (set deactivate_first to deactivate them)")
	}
	calls = append(calls, "then DELETE /api/v1/users/{id} (skipped when no such user)", "then GET /api/v1/users/{id} (must answer not found)")
	return Request{Calls: calls, Warnings: []string{"okta.delete_user " + permanentWarning}}
}

// withoutMatch drops the match option: delete never picks among several.
func withoutMatch(opts map[string]any) map[string]any {
	out := make(map[string]any, len(opts))
	for k, v := range opts {
		if k != "match" {
			out[k] = v
		}
	}
	return out
}
