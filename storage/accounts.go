package storage

import (
	"encoding/json"
	"fmt"
	"time"
)

// Account kinds.
const (
	AccountOkta     = "okta"     // a real Okta org
	AccountSandbox  = "sandbox"  // the built-in simulator, started on a loopback port at each start
	AccountKissflow = "kissflow" // a Kissflow account (Process API v2, access key id + secret)
)

// How an Okta account authenticates (Account.Auth).
const (
	AuthToken = "token" // SSWS API token in Token; "" means the same
	AuthOAuth = "oauth" // OAuth 2.0 service app: OAuthClientID, OAuthKeyID, OAuthScopes, PrivateKey, DPoPKey
)

// Account is a connected Okta org or Kissflow account.
//
// Secrets (Token, PrivateKey, DPoPKey) are sealed at rest, each under its own
// binding (account id and field), so a sealed value copied into another
// record or field does not open. In JSON they are masked.
//
// A Kissflow account keeps its base host in OrgURL (https://acme.kissflow.com
// or .eu), its region in Region, and its access key secret in Token.
type Account struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	OrgURL    string `json:"orgUrl"` // normalised https://host (http://127.0.0.1:port for a sandbox)
	Token     Secret `json:"-"`      // SSWS API token, or the Kissflow access key secret
	AllowHTTP bool   `json:"allowHttp,omitempty"`
	// Sandbox: a simulator run inside oktaflow (the Okta sandbox org, kind
	// AccountSandbox, always; a Kissflow sandbox, kind AccountKissflow),
	// started on loopback by the engine, its state in a file beside the
	// database. Set when the account is added, never changed after.
	Sandbox bool `json:"sandbox,omitempty"`

	Auth          string   `json:"auth,omitempty"` // "" or AuthToken: SSWS; AuthOAuth: service app
	OAuthClientID string   `json:"oauthClientId,omitempty"`
	OAuthKeyID    string   `json:"oauthKeyId,omitempty"` // kid of PrivateKey
	OAuthScopes   []string `json:"oauthScopes,omitempty"`
	PrivateKey    Secret   `json:"-"` // PEM or JWK of the service app's signing key
	DPoPKey       Secret   `json:"-"` // PEM of the per-account DPoP key; empty: none

	Region              string `json:"region,omitempty"` // Kissflow: "com" or "eu" style region name
	KissflowAccountID   string `json:"kissflowAccountId,omitempty"`
	KissflowAccessKeyID string `json:"kissflowAccessKeyId,omitempty"`

	VerifiedAs string    `json:"verifiedAs,omitempty"` // login from /api/v1/users/me, or the OAuth client
	VerifiedAt time.Time `json:"verifiedAt,omitzero"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// IsOAuth reports whether an Okta account signs in as an OAuth 2.0 service app.
func (a Account) IsOAuth() bool { return a.Auth == AuthOAuth }

// accountFields is Account without its methods: the plain fields that both
// the masked JSON form and the stored record embed.
type accountFields Account

// MarshalJSON shows which secrets are set without showing them: the token as
// Secret.Mask does, the keys fully masked (a PEM's tail says nothing useful).
func (a Account) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		accountFields
		Token      string `json:"token,omitempty"`
		PrivateKey string `json:"privateKey,omitempty"`
		DPoPKey    string `json:"dpopKey,omitempty"`
	}{accountFields(a), a.Token.Mask(), maskFully(a.PrivateKey), maskFully(a.DPoPKey)})
}

func maskFully(s Secret) string {
	if s.IsZero() {
		return ""
	}
	return maskDots
}

// accountRecord is an Account as stored: every secret sealed, none in clear.
// Records written before OAuth and Kissflow accounts have only SealedToken
// and no Auth, which reads as an SSWS token account: no migration needed.
type accountRecord struct {
	accountFields
	SealedToken      string `json:"sealedToken,omitempty"`
	SealedPrivateKey string `json:"sealedPrivateKey,omitempty"`
	SealedDPoPKey    string `json:"sealedDpopKey,omitempty"`
}

// sealedFields pairs each sealed field of a record with the binding it is
// sealed under and the Account field it opens into.
func (rec *accountRecord) sealedFields(id string, a *Account) []sealedField {
	return []sealedField{
		{&rec.SealedToken, &a.Token, accountBinding(id, "token")},
		{&rec.SealedPrivateKey, &a.PrivateKey, accountBinding(id, "privateKey")},
		{&rec.SealedDPoPKey, &a.DPoPKey, accountBinding(id, "dpopKey")},
	}
}

type sealedField struct {
	sealed  *string
	plain   *Secret
	binding string
}

// accountBinding is the additional data a secret of an account is sealed
// under: the account and the field, so that no sealed value opens elsewhere.
func accountBinding(id, field string) string { return "account/" + id + "/" + field }

// validate checks the kind and auth names the store and the engine switch on.
func (a Account) validate() error {
	if a.Sandbox && a.Kind == AccountOkta {
		return fmt.Errorf("%w: account %q is an Okta org, which cannot be a sandbox (the sandbox org has kind %q)", ErrInvalid, a.Name, AccountSandbox)
	}
	switch a.Kind {
	case AccountOkta, AccountSandbox:
		if a.Auth != "" && a.Auth != AuthToken && a.Auth != AuthOAuth {
			return fmt.Errorf("%w: account %q has an unknown auth kind %q (want %q or %q)", ErrInvalid, a.Name, a.Auth, AuthToken, AuthOAuth)
		}
		if a.IsOAuth() && (a.OAuthClientID == "" || a.PrivateKey.IsZero()) {
			return fmt.Errorf("%w: OAuth account %q needs a client id and a private key", ErrInvalid, a.Name)
		}
	case AccountKissflow:
		if a.Auth != "" && a.Auth != AuthToken {
			return fmt.Errorf("%w: Kissflow account %q authenticates with an access key, not %q", ErrInvalid, a.Name, a.Auth)
		}
		if !a.PrivateKey.IsZero() || !a.DPoPKey.IsZero() {
			return fmt.Errorf("%w: Kissflow account %q cannot hold an OAuth key", ErrInvalid, a.Name)
		}
	default:
		return fmt.Errorf("%w: account %q has an unknown kind %q (want %q, %q or %q)", ErrInvalid, a.Name, a.Kind, AccountOkta, AccountSandbox, AccountKissflow)
	}
	return nil
}

// ValidateName checks a user-chosen name for an account: 1–64 characters of
// letters, digits, '-', '_' and '.', so that it works as a CLI argument.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: the name is empty", ErrInvalid)
	}
	if len(name) > 64 {
		return fmt.Errorf("%w: the name %q is longer than 64 characters", ErrInvalid, name)
	}
	for _, r := range name {
		ok := r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return fmt.Errorf("%w: the name %q may hold only letters, digits, '-', '_' and '.'", ErrInvalid, name)
		}
	}
	return nil
}
