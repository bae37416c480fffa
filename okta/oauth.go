package okta

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// OAuth 2.0 for Okta with a service app (client credentials grant, private_key_jwt client
// authentication, optionally DPoP-bound tokens, RFC 9449), as Okta's guide "Implement OAuth
// for Okta with a service app" and "Configure OAuth 2.0 Demonstrating Proof-of-Possession"
// describe it.
//
// Invariants:
//  1. One access token per Client at a time, fetched by one request however many callers
//     need it (single flight); callers keep using the current token while a refresh runs
//     ahead of expiry, and wait only when none is usable.
//  2. Every client assertion and every DPoP proof has a fresh jti, so a retried token
//     request never replays an assertion.
//  3. A DPoP nonce is kept per server (the authorization server's for the token endpoint,
//     the resource server's for API calls) and sent from then on; a use_dpop_nonce answer is
//     retried at once with the nonce it carried, at most maxNonceRetries times per call.
//  4. Whether proofs go to the token endpoint follows the app: with a DPoP key, proofs are
//     sent; an invalid_dpop_proof answer flips the choice once per token fetch (an app
//     without DPoP, or one that demands it when no key was configured: then an in-memory
//     key is made for this Client). The token's token_type decides "Authorization: DPoP"
//     with proofs or "Authorization: Bearer" without.
//  5. Private key, DPoP key, assertions, proofs and access tokens are never printed or
//     logged: they live in secret / signingKey values, and errors carry Okta's error codes
//     and descriptions only.

// OAuthConfig is an OAuth 2.0 service app's credentials.
type OAuthConfig struct {
	ClientID   string   // the app's client id ("0oa…")
	KeyID      string   // the "kid" of the app's public key; empty: the JWK's kid, else none
	PrivateKey []byte   // PEM (PKCS#1, PKCS#8, SEC 1) or JWK JSON; see ParsePrivateKey
	Scopes     []string // scopes to request, e.g. okta.users.manage okta.groups.read
	DPoPKey    []byte   // PEM of the account's DPoP key (NewDPoPKey); nil: none
}

const (
	tokenPath       = "/oauth2/v1/token"
	assertionType   = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	assertionTTL    = 5 * time.Minute
	maxNonceRetries = 2
)

// NewOAuthClient returns a client for the org at orgURL that authenticates as the service
// app cfg describes. It checks the configuration only; Authenticate proves it with Okta.
func NewOAuthClient(orgURL string, cfg OAuthConfig, opts ...Option) (*Client, error) {
	c, err := buildClient(orgURL, opts)
	if err != nil {
		return nil, err
	}
	st, err := newOAuthState(c.orgURL, cfg)
	if err != nil {
		return nil, err
	}
	c.oauth = st
	return c, nil
}

// oauthState is a Client's OAuth credentials and token cache.
type oauthState struct {
	clientID string
	key      *signingKey
	scopes   []string
	aud      string // the token endpoint URL: audience of assertions and htu of token proofs

	mu            sync.Mutex
	dpop          *signingKey // nil: no DPoP key (yet)
	dpopJWK       jwkFields
	sendProofs    bool   // send DPoP proofs to the token endpoint (invariant 4)
	asNonce       string // DPoP-Nonce of the authorization server
	rsNonce       string // DPoP-Nonce of the resource server
	cur           *accessToken
	flight        *tokenFlight
	refreshFailed time.Time // local time of the last failed refresh ahead of expiry
}

// accessToken is one token from /oauth2/v1/token. Times are local.
type accessToken struct {
	value    secret
	dpop     bool // token_type DPoP
	scopes   []string
	usable   time.Time // callers wait for a new token from then on
	refresh  time.Time // a refresh starts from then on, the token still in use
	lifetime time.Duration
}

// The printing methods keep tokens and keys out of reflective dumps (fmt cannot call the
// methods of unexported fields, so the containing types print themselves).
func (o *oauthState) String() string              { return "okta.oauth(client " + o.clientID + ")" }
func (o *oauthState) Format(f fmt.State, _ rune)  { io.WriteString(f, o.String()) }
func (*accessToken) String() string               { return "okta.accessToken(" + redacted + ")" }
func (t *accessToken) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

type tokenFlight struct {
	done chan struct{}
	tok  *accessToken
	err  error
}

func newOAuthState(orgURL string, cfg OAuthConfig) (*oauthState, error) {
	id := strings.TrimSpace(cfg.ClientID)
	switch {
	case id == "":
		return nil, errors.New("okta: the OAuth client id is empty; copy it from the service app's General tab (it starts with 0oa)")
	case strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return nil, errors.New("okta: the OAuth client id contains spaces or control characters")
	}
	signer, jwkKid, err := ParsePrivateKey(cfg.PrivateKey)
	if err != nil {
		return nil, err
	}
	kid := strings.TrimSpace(cfg.KeyID)
	switch {
	case kid == "":
		kid = jwkKid
	case jwkKid != "" && jwkKid != kid:
		return nil, fmt.Errorf("okta: the key ID %q differs from the kid %q inside the JWK; leave the key ID empty or make them agree", kid, jwkKid)
	}
	key, err := newSigningKey(signer, kid)
	if err != nil {
		return nil, err
	}
	scopes, err := checkScopes(cfg.Scopes)
	if err != nil {
		return nil, err
	}
	st := &oauthState{clientID: id, key: key, scopes: scopes, aud: orgURL + tokenPath}
	if len(cfg.DPoPKey) > 0 {
		ds, _, err := ParsePrivateKey(cfg.DPoPKey)
		if err != nil {
			return nil, fmt.Errorf("okta: the DPoP key: %w", err)
		}
		if pub, ok := ds.Public().(interface{ Equal(crypto.PublicKey) bool }); ok && pub.Equal(signer.Public()) {
			// Okta's DPoP guide: the DPoP key is separate from the client authentication key.
			return nil, errors.New("okta: the DPoP key is the app's private key; DPoP needs a key of its own (make one with NewDPoPKey)")
		}
		if err := st.setDPoPKey(ds); err != nil {
			return nil, err
		}
		st.sendProofs = true
	}
	return st, nil
}

func checkScopes(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		for _, f := range strings.Fields(s) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("okta: no OAuth scopes given; request the scopes the integrations need, e.g. okta.users.manage (they must be granted in the app's Okta API Scopes tab)")
	}
	for _, s := range out {
		if strings.ContainsAny(s, `"\`) || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return nil, fmt.Errorf("okta: the scope %q contains characters a scope cannot hold", s)
		}
	}
	return out, nil
}

func (o *oauthState) setDPoPKey(s any) error {
	signer, err := checkSigner(s)
	if err != nil {
		return fmt.Errorf("okta: the DPoP key: %w", err)
	}
	k, err := newSigningKey(signer, "")
	if err != nil {
		return err
	}
	jwk, err := publicJWK(signer)
	if err != nil {
		return err
	}
	o.dpop, o.dpopJWK = k, jwk
	return nil
}
