package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/storage"
)

// clientCache keeps one Okta client per account, so that every request to
// an org shares that org's pacing and concurrency cap, and an OAuth
// account's access token is fetched once for all its steps. A client is
// rebuilt when the account's URL or credentials change.
type clientCache struct {
	e  *Engine
	mu sync.Mutex
	m  map[string]cachedClient
}

type cachedClient struct {
	fingerprint string // of the URL and credentials the client was built with
	client      *okta.Client
}

func newClientCache(e *Engine) *clientCache {
	return &clientCache{e: e, m: map[string]cachedClient{}}
}

// get returns the client of an Okta account (by id or name): an SSWS
// client for a token account, an OAuth client for a service app.
func (c *clientCache) get(idOrName string) (*okta.Client, storage.Account, error) {
	a, err := c.e.store.Account(idOrName)
	if err != nil {
		return nil, storage.Account{}, err
	}
	if a.Kind == storage.AccountKissflow {
		return nil, a, fmt.Errorf("account %q is a Kissflow account, not an Okta org: pick an Okta account", a.Name)
	}
	fp := credentialsFingerprint(a)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.m[a.ID]; ok && cc.fingerprint == fp {
		return cc.client, a, nil
	}
	cl, err := c.e.oktaClient(a.ID, a)
	if err != nil {
		return nil, a, err
	}
	c.m[a.ID] = cachedClient{fingerprint: fp, client: cl}
	return cl, a, nil
}

func (c *clientCache) forget(accountID string) {
	c.mu.Lock()
	delete(c.m, accountID)
	c.mu.Unlock()
}

// credentialsFingerprint changes whenever what a client is built from does.
func credentialsFingerprint(a storage.Account) string {
	h := sha256.New()
	for _, s := range []string{a.OrgURL, a.Auth, a.Token.Reveal(), a.OAuthClientID, a.OAuthKeyID,
		strings.Join(a.OAuthScopes, " "), a.PrivateKey.Reveal(), a.DPoPKey.Reveal(), fmt.Sprint(a.AllowHTTP), a.Kind} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// oktaClient builds the Okta client of an account (stored or about to be),
// its rate-limit waits published to subscribers.
func (e *Engine) oktaClient(accountID string, a storage.Account) (*okta.Client, error) {
	transport := countingTransport{next: http.DefaultTransport, counter: e.metrics.oktaRequests}
	opts := []okta.Option{
		okta.WithHTTPClient(&http.Client{Transport: transport, Timeout: 60 * time.Second}),
		okta.WithLogger(e.log.With("account", accountID)),
		okta.WithUserAgent("oktaflow"),
		okta.WithRateLimitObserver(func(s okta.BucketState) {
			if !s.WaitingUntil.IsZero() {
				e.metrics.rateLimitWaits.Inc()
			}
			e.bus.publish(Event{Kind: RateLimitWait, At: e.now(), AccountID: accountID, Bucket: s.Bucket, Until: s.WaitingUntil})
		}),
	}
	if a.AllowHTTP || a.Kind == storage.AccountSandbox {
		opts = append(opts, okta.WithAllowHTTPLoopback())
	}
	opts = append(opts, e.opts.OktaOptions...)
	if a.IsOAuth() {
		cfg := okta.OAuthConfig{ClientID: a.OAuthClientID, KeyID: a.OAuthKeyID, Scopes: a.OAuthScopes,
			PrivateKey: []byte(a.PrivateKey.Reveal())}
		if !a.DPoPKey.IsZero() {
			cfg.DPoPKey = []byte(a.DPoPKey.Reveal())
		}
		return okta.NewOAuthClient(a.OrgURL, cfg, opts...)
	}
	return okta.NewClient(a.OrgURL, a.Token.Reveal(), opts...)
}

// AccountInput is what a user types to connect an account: an Okta org
// (with an API token, or as an OAuth 2.0 service app) or a Kissflow account.
type AccountInput struct {
	Name string
	// Kind is storage.AccountOkta (the default), storage.AccountSandbox or
	// storage.AccountKissflow.
	Kind string

	// An Okta org.
	Domain    string // acme.okta.com, https://acme.oktapreview.com/, ...
	AllowHTTP bool   // a plain-http loopback org (a local simulator)
	Auth      string // storage.AuthToken (or "") for an API token, storage.AuthOAuth for a service app
	// Token is the SSWS API token (for a sandbox, its org's token, whatever
	// the Auth).
	Token      storage.Secret
	ClientID   string         // OAuth: the service app's client id (0oa…)
	KeyID      string         // OAuth: the kid of the app's public key; "": the JWK's own
	PrivateKey storage.Secret // OAuth: the app's private key, PEM (PKCS#1, PKCS#8, EC) or JWK
	Scopes     []string       // OAuth: the scopes to request (see NeededScopes)

	// A Kissflow account.
	KissflowHost      string         // acme, acme.kissflow.eu or https://acme.kissflow.com
	KissflowRegion    string         // com (default) or eu
	KissflowAccountID string         // Ac…
	AccessKeyID       string         // the access key's id
	AccessKeySecret   storage.Secret // and its secret
	ProcessIDs        []string       // processes to check the Process Admin role on now
}

// AddAccount checks what was typed, verifies it with the service (an API
// token with /api/v1/users/me; a service app by getting a token and making
// a cheap call; a Kissflow key with a cheap call and the Process Admin
// role on the processes given) and stores the account with who it
// authenticated as. An OAuth account gets a DPoP key of its own. Nothing is
// stored when a check fails; the error is an *AccountError naming the input
// to fix where one is to blame.
func (e *Engine) AddAccount(ctx context.Context, in AccountInput) (storage.Account, error) {
	if err := storage.ValidateName(in.Name); err != nil {
		return storage.Account{}, err
	}
	if _, err := e.store.Account(in.Name); err == nil {
		return storage.Account{}, fmt.Errorf("an account named %q exists already: %w; pick another name", in.Name, storage.ErrExists)
	}
	var a storage.Account
	var err error
	if in.Kind == storage.AccountKissflow {
		a, err = e.checkKissflow(ctx, in)
	} else {
		a, err = e.checkOkta(ctx, in)
	}
	if err != nil {
		return storage.Account{}, err
	}
	a.Name, a.VerifiedAt = in.Name, e.now().UTC()
	a, err = e.store.AddAccount(a)
	if err != nil {
		return storage.Account{}, err
	}
	e.bus.publish(Event{Kind: AccountChanged, At: e.now(), AccountID: a.ID})
	return a, nil
}

// VerifyAccount checks an account's credentials again and records the result.
func (e *Engine) VerifyAccount(ctx context.Context, idOrName string) (storage.Account, error) {
	a, err := e.store.Account(idOrName)
	if err != nil {
		return storage.Account{}, err
	}
	switch {
	case a.Kind == storage.AccountKissflow:
		id, verr := e.VerifyKissflow(ctx, kissflowConfig(a))
		if verr != nil {
			return a, kissflowAccountError(verr)
		}
		a.VerifiedAs = kissflowIdentity(a.KissflowAccessKeyID, id)
	default:
		id, verr := e.authenticate(ctx, a.ID, a)
		if verr != nil {
			return a, verr
		}
		a.VerifiedAs = oktaIdentity(id)
	}
	a.VerifiedAt = e.now().UTC()
	if err := e.store.UpdateAccount(a); err != nil {
		return a, err
	}
	e.bus.publish(Event{Kind: AccountChanged, At: e.now(), AccountID: a.ID})
	return a, nil
}

// RemoveAccount deletes an account, refused while an integration uses it.
// A sandbox account's org is stopped and its saved state deleted.
func (e *Engine) RemoveAccount(idOrName string) error {
	a, err := e.store.Account(idOrName)
	if err != nil {
		return err
	}
	if err := e.store.RemoveAccount(a.ID); err != nil {
		return err
	}
	e.clients.forget(a.ID)
	e.kissflow.forget(a.ID)
	e.bus.publish(Event{Kind: AccountChanged, At: e.now(), AccountID: a.ID})
	if a.Kind == storage.AccountSandbox {
		return e.removeSandbox(a)
	}
	if IsKissflowSandbox(a) {
		return e.removeKissflowSandbox(a) // engine/kissflow_sandbox.go
	}
	return nil
}

// RefreshSchema re-reads the org's user schema (base and custom attributes)
// and caches it on the account. Step mappings are not touched.
func (e *Engine) RefreshSchema(ctx context.Context, idOrName string) (storage.UserSchema, error) {
	cl, a, err := e.clients.get(idOrName)
	if err != nil {
		return storage.UserSchema{}, err
	}
	sc, err := cl.GetUserSchema(ctx)
	if err != nil {
		return storage.UserSchema{}, fmt.Errorf("read the user schema of %s: %w", a.Name, err)
	}
	out := storage.UserSchema{FetchedAt: e.now().UTC()}
	for _, f := range sc.Fields {
		sf := storage.SchemaField{
			Name: f.Name, Title: f.Title, Description: f.Description, Type: f.Type, ItemsType: f.ItemsType,
			Required: f.Required, Custom: f.Custom, Format: f.Format, MinLength: f.MinLength, MaxLength: f.MaxLength,
			ReadOnly: f.Mutability == "READ_ONLY" || f.Mutability == "IMMUTABLE",
		}
		for _, v := range f.Enum {
			sf.Enum = append(sf.Enum, fmt.Sprint(v))
		}
		for _, c := range f.OneOf {
			if len(f.Enum) == 0 {
				sf.Enum = append(sf.Enum, fmt.Sprint(c.Const))
			}
		}
		out.Fields = append(out.Fields, sf)
	}
	if err := e.store.SaveSchema(a.ID, out); err != nil {
		return storage.UserSchema{}, err
	}
	e.bus.publish(Event{Kind: AccountChanged, At: e.now(), AccountID: a.ID})
	return out, nil
}

// schemaFor returns an account's cached schema, or an empty one (actions
// then fall back to Okta's base profile) when it was never fetched.
func (e *Engine) schemaFor(account string) storage.UserSchema {
	a, err := e.store.Account(account)
	if err != nil {
		return storage.UserSchema{}
	}
	sc, err := e.store.Schema(a.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.UserSchema{}
	}
	return sc
}

// RateLimits returns the rate-limit state of every account's client that
// has made a request, by account name.
func (e *Engine) RateLimits() map[string][]okta.BucketState {
	e.clients.mu.Lock()
	defer e.clients.mu.Unlock()
	out := map[string][]okta.BucketState{}
	for id, cc := range e.clients.m {
		name := id
		if a, err := e.store.Account(id); err == nil {
			name = a.Name
		}
		out[strings.Clone(name)] = cc.client.RateLimits()
	}
	return out
}
