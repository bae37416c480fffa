package okta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// OAuthError is a refusal from the token endpoint, in OAuth's shape (RFC 6749 §5.2):
// {"error":"invalid_client","error_description":"The client_assertion signature is invalid."}.
// Flow control uses Code only (IsInvalidClient, IsMissingScope, IsDPoPError).
type OAuthError struct {
	Status      int      // HTTP status (400 or 401)
	Code        string   // error: invalid_client, invalid_scope, invalid_dpop_proof, unauthorized_client, ...
	Description string   // error_description, for people
	RequestID   string   // X-Okta-Request-Id
	ClientID    string   // the client that asked
	Requested   []string // the scopes that were requested
}

func (e *OAuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "okta: POST %s: %d %s", tokenPath, e.Status, e.Code)
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if hint := e.hint(); hint != "" {
		b.WriteString(" (" + hint + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	return b.String()
}

// hint says what to check for the codes a service app's owner can fix.
func (e *OAuthError) hint() string {
	switch e.Code {
	case "invalid_client":
		return "check the client id " + e.ClientID + ", that the app uses Public key / Private key authentication, and that its public key and key ID match this private key"
	case "invalid_scope":
		s, _ := IsMissingScope(e)
		return "grant " + s + " in the service app's Okta API Scopes tab, or request fewer scopes"
	case "unauthorized_client":
		return "the app must be an API Services app allowed the client credentials grant"
	case "invalid_dpop_proof":
		return "the app's DPoP setting and the proofs sent disagree"
	}
	return ""
}

// newOAuthError reads a token endpoint refusal; nil when the body is not OAuth-shaped.
func newOAuthError(status int, h http.Header, body []byte, clientID string, requested []string) *OAuthError {
	var b struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &b) != nil || b.Error == "" {
		return nil
	}
	return &OAuthError{
		Status: status, Code: b.Error, Description: serverText(b.Description),
		RequestID: h.Get("X-Okta-Request-Id"), ClientID: clientID, Requested: requested,
	}
}

func oauthError(err error) *OAuthError {
	var e *OAuthError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// IsInvalidClient reports the token endpoint's invalid_client: an unknown client id, a
// client not set up for private_key_jwt, an assertion Okta rejects (signature, key ID,
// audience, expiry, a replayed jti).
func IsInvalidClient(err error) bool {
	e := oauthError(err)
	return e != nil && e.Code == "invalid_client"
}

// IsDPoPError reports a refused DPoP proof: invalid_dpop_proof from the token endpoint, or
// from a resource server's WWW-Authenticate challenge.
func IsDPoPError(err error) bool {
	if e := oauthError(err); e != nil {
		return e.Code == "invalid_dpop_proof"
	}
	e := apiError(err)
	return e != nil && e.AuthError == "invalid_dpop_proof"
}

// IsPermissionDenied reports E0000006: the credentials are valid but their admin role does
// not allow the call (for a service app: assign it an admin role). A missing OAuth scope
// that Okta reports this way is told apart by IsMissingScope.
func IsPermissionDenied(err error) bool { return hasCode(err, CodePermissionDenied) }

// IsUnauthenticated reports that the credentials themselves were refused: an invalid or
// revoked API token (E0000011), a request Okta did not see as authenticated (E0000005), a
// token endpoint refusal of the client (invalid_client, unauthorized_client,
// invalid_dpop_proof), or an access token a resource server calls invalid.
func IsUnauthenticated(err error) bool {
	if e := oauthError(err); e != nil {
		return e.Code == "invalid_client" || e.Code == "unauthorized_client" || e.Code == "invalid_dpop_proof"
	}
	if IsInvalidToken(err) || IsInvalidSession(err) {
		return true
	}
	e := apiError(err)
	return e != nil && e.Status == http.StatusUnauthorized && (e.AuthError == "invalid_token" || e.AuthError == "invalid_dpop_proof")
}

// serverText bounds a description Okta wrote (not input echoed back, which clip is for) so
// that a hostile or broken answer cannot flood an error line: control characters become
// spaces and it stops at 300 bytes.
func serverText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}
