package engine

import (
	"errors"
	"strings"

	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// Inputs of the account form, as AccountError.Field names them.
const (
	FieldName            = "name"
	FieldDomain          = "domain"
	FieldToken           = "token"
	FieldClientID        = "client_id"
	FieldPrivateKey      = "private_key"
	FieldKeyID           = "key_id"
	FieldScopes          = "scopes"
	FieldKissflowAccount = "account_id"
	FieldAccessKeyID     = "access_key_id"
	FieldAccessKeySecret = "access_key_secret"
	FieldProcess         = "process_id" // a Kissflow process checked for the Process Admin role
)

// Kinds of account problems, for errors.Is.
var (
	// ErrInvalidToken: the org or Kissflow refused the credentials.
	ErrInvalidToken = errors.New("the credentials were refused")
	// ErrMissingScope: an OAuth service app lacks a scope it needs.
	ErrMissingScope = errors.New("a scope is missing")
	// ErrMissingRole: the credentials work but their user lacks a role
	// (Kissflow's Process Admin).
	ErrMissingRole = errors.New("a role is missing")
	// ErrUnknownAccount: the Kissflow account id is not the key's account.
	ErrUnknownAccount = errors.New("no such account")
)

// AccountError is a problem with what was typed to connect an account,
// tied to the input that holds it, so that a form can point at that input
// (it never needs to read the message).
type AccountError struct {
	Field string // one of the Field… constants
	Kind  error  // ErrInvalidToken, ErrMissingScope, ... or nil
	Msg   string // for people: what is wrong and what to do
	Err   error  // the cause, when there is one
}

func (e *AccountError) Error() string { return e.Msg }

// Is matches the error's Kind.
func (e *AccountError) Is(target error) bool { return e.Kind != nil && target == e.Kind }

func (e *AccountError) Unwrap() error { return e.Err }

// AccountErrorField names the input an error from AddAccount, VerifyAccount
// or CheckOrgDomain is about ("" when it is about none: the org could not be
// reached, say).
func AccountErrorField(err error) string {
	var ae *AccountError
	switch {
	case errors.As(err, &ae):
		return ae.Field
	case errors.Is(err, storage.ErrExists), errors.Is(err, storage.ErrInvalid):
		return FieldName
	}
	return ""
}

// OrgDomain is a checked Okta domain.
type OrgDomain struct {
	OrgURL    string // normalised: https://acme.okta.com
	AllowHTTP bool   // a plain-http loopback org (a local simulator)
}

// CheckOrgDomain checks what a user typed as an Okta domain (acme.okta.com,
// https://acme.oktapreview.com/, a custom domain, http:// on a loopback
// host for a simulator) and normalises it. A problem is an *AccountError
// on FieldDomain saying what is wrong.
func CheckOrgDomain(domain string) (OrgDomain, error) {
	u, err := okta.ParseOrgURL(domain, true)
	if err != nil {
		return OrgDomain{}, &AccountError{Field: FieldDomain, Msg: err.Error(), Err: err}
	}
	return OrgDomain{OrgURL: u, AllowHTTP: strings.HasPrefix(u, "http://")}, nil
}

// CheckKissflowHost checks what a user typed as a Kissflow host (a
// subdomain, a host or a URL without a path) with its region (com or eu),
// and returns the origin it means: https://acme.kissflow.eu. A problem is an
// *AccountError on FieldDomain.
func CheckKissflowHost(host, region string) (string, error) {
	origin, _, err := kissflow.Origin(host, region, false)
	if err != nil {
		return "", kissflowAccountError(err)
	}
	return origin, nil
}
