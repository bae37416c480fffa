package action

import (
	"context"

	"github.com/oktaflow/oktaflow/storage"
)

// getUser reads a user's details, found by id, login or email, or name.
type getUser struct{}

func (getUser) ID() string    { return "okta.get_user" }
func (getUser) Title() string { return "Get user details" }
func (getUser) Description() string {
	return "Find a user by first and last name, login, email or id, and output their profile"
}
func (getUser) Fields(storage.UserSchema) []Field            { return finderFields }
func (getUser) Options() []Option                            { return []Option{matchOption} }
func (getUser) Check(names []string, _ map[string]any) error { return checkFinder(names) }

func (getUser) Traits() Traits {
	return Traits{Connector: ConnectorOkta, StepName: "find", ReadOnly: true, Scopes: scopesReadUsers}
}

func (getUser) Run(ctx context.Context, conn Conn, in Input) (map[string]any, error) {
	api, err := oktaOf(conn)
	if err != nil {
		return nil, err
	}
	u, err := findUser(ctx, api, in)
	if err != nil {
		return nil, err
	}
	return userOutput(u, "found")
}

func (getUser) Describe(in Input) Request { return Request{Calls: describeFind(in)} }

func (getUser) Buckets() []string { return userBuckets }

func (getUser) Outcomes() []Outcome {
	return []Outcome{{Name: "found", Doc: "the user's details are the output"}}
}
