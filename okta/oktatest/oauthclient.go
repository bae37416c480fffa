package oktatest

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest/internal/jose"
)

// OAuthClient is an OAuth 2.0 service app registered with the org, as an
// admin creates one for "OAuth for Okta": it authenticates to
// /oauth2/v1/token with a private_key_jwt client assertion signed by the
// private half of PublicKey, and may be granted the Okta API scopes in
// Scopes.
type OAuthClient struct {
	ID        string   // client id; "" → a generated 0oa… id
	Name      string   // the app's label, the actor of its System Log events; "" → "Service app"
	PublicKey []byte   // PEM (PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE, or a private key) or a JWK / JWK Set
	Scopes    []string // granted scopes, e.g. okta.users.read, okta.users.manage
	// DPoP requires DPoP-bound access tokens ("Require Demonstrating Proof
	// of Possession", on by default for API service apps since 2024).
	DPoP bool
}

// oauthClient is a registered client; Keys are parsed from RawKey, which is
// what Save persists.
type oauthClient struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	RawKey string     `json:"publicKey"`
	Scopes []string   `json:"scopes"`
	DPoP   bool       `json:"dpop"`
	Keys   []jose.Key `json:"-"`
}

// scopePattern is what an Okta API scope looks like: okta.<resource>.<read|manage>.
var scopePattern = regexp.MustCompile(`^okta\.[A-Za-z]+\.(read|manage)(\.self)?$`)

// RegisterOAuthClient registers a service app and returns its client id.
// Every error says what is wrong with c.
func (o *Org) RegisterOAuthClient(c OAuthClient) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	cl, err := o.newOAuthClient(c)
	if err != nil {
		return "", err
	}
	o.addClientLocked(cl)
	return cl.ID, nil
}

func (o *Org) newOAuthClient(c OAuthClient) (*oauthClient, error) {
	keys, err := jose.ParseKeys(c.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("oktatest: OAuth client %s: public key: %w", c.ID, err)
	}
	if len(c.Scopes) == 0 {
		return nil, fmt.Errorf("oktatest: OAuth client %s: grant at least one scope, e.g. okta.users.read", c.ID)
	}
	for _, s := range c.Scopes {
		if !scopePattern.MatchString(s) {
			return nil, fmt.Errorf("oktatest: OAuth client %s: %q is not an Okta API scope (okta.<resource>.read or okta.<resource>.manage)", c.ID, s)
		}
	}
	id := c.ID
	switch {
	case id == "":
		id = o.ids.object("0oa")
	case strings.ContainsAny(id, " \t\r\n"):
		return nil, fmt.Errorf("oktatest: OAuth client id %q holds whitespace", id)
	case o.clients[id] != nil:
		return nil, fmt.Errorf("oktatest: OAuth client %s is registered already", id)
	}
	name := c.Name
	if name == "" {
		name = "Service app"
	}
	return &oauthClient{ID: id, Name: name, RawKey: string(c.PublicKey), Scopes: slices.Clone(c.Scopes), DPoP: c.DPoP, Keys: keys}, nil
}

func (o *Org) addClientLocked(cl *oauthClient) {
	if o.clients == nil {
		o.clients = map[string]*oauthClient{}
	}
	o.clients[cl.ID] = cl
	o.clientOrder = append(o.clientOrder, cl.ID)
}

// mustRegisterClients registers Options.OAuthClients; NewOrg has no error
// to return, and a bad client is a bug in the caller.
func (o *Org) mustRegisterClients(cs []OAuthClient) {
	for _, c := range cs {
		cl, err := o.newOAuthClient(c)
		if err != nil {
			panic(err.Error())
		}
		o.addClientLocked(cl)
	}
}

// restoreClients re-parses the keys of saved clients.
func (o *Org) restoreClients(saved []*oauthClient) error {
	for _, cl := range saved {
		if cl == nil || cl.ID == "" || o.clients[cl.ID] != nil {
			return errors.New("oktatest: saved org holds an OAuth client without id, or twice")
		}
		keys, err := jose.ParseKeys([]byte(cl.RawKey))
		if err != nil {
			return fmt.Errorf("oktatest: saved OAuth client %s: %w", cl.ID, err)
		}
		cl.Keys = keys
		o.addClientLocked(cl)
	}
	return nil
}

// savedClients lists the clients in registration order, for Save.
func (o *Org) savedClients() []*oauthClient {
	out := make([]*oauthClient, 0, len(o.clientOrder))
	for _, id := range o.clientOrder {
		out = append(out, o.clients[id])
	}
	return out
}

// grants reports whether the granted scopes allow required: a manage
// scope also allows its read scope ("the manage scopes can do everything
// that the read scopes do").
func grants(granted []string, required string) bool {
	if required == "" || slices.Contains(granted, required) {
		return true
	}
	if base, isRead := strings.CutSuffix(required, ".read"); isRead {
		return slices.Contains(granted, base+".manage")
	}
	return false
}

// accessToken is an issued access token.
type accessToken struct {
	client  *oauthClient
	scopes  []string
	jkt     string // DPoP key thumbprint the token is bound to; "" for a Bearer token
	expires time.Time
}

// accessTokenLifetime is fixed by Okta ("The lifetime for this token is
// fixed at one hour").
const accessTokenLifetime = time.Hour

// pruneTokens forgets expired tokens and spent jtis, at most once a
// minute: every DPoP request spends a jti, so the set is swept by time,
// not left to grow until the next token.
func (o *Org) pruneTokens(now time.Time) {
	if now.Sub(o.lastPrune) < time.Minute {
		return
	}
	o.lastPrune = now
	for k, t := range o.tokens {
		if !now.Before(t.expires) {
			delete(o.tokens, k)
		}
	}
	for k, exp := range o.seenJTI {
		if now.After(exp) {
			delete(o.seenJTI, k)
		}
	}
}

// OAuthClientIDs lists the registered service apps' client ids in
// registration order.
func (o *Org) OAuthClientIDs() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.clientOrder)
}
