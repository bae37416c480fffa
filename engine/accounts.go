package engine

import (
	"context"
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
// an org shares that org's pacing and concurrency cap. A client is rebuilt
// when the account's URL or token changes.
type clientCache struct {
	e  *Engine
	mu sync.Mutex
	m  map[string]cachedClient
}

type cachedClient struct {
	url, token string
	client     *okta.Client
}

func newClientCache(e *Engine) *clientCache {
	return &clientCache{e: e, m: map[string]cachedClient{}}
}

// get returns the client of an account (by id or name).
func (c *clientCache) get(idOrName string) (*okta.Client, storage.Account, error) {
	a, err := c.e.store.Account(idOrName)
	if err != nil {
		return nil, storage.Account{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.m[a.ID]; ok && cc.url == a.OrgURL && cc.token == a.Token.Reveal() {
		return cc.client, a, nil
	}
	cl, err := c.e.newClient(a.ID, a.OrgURL, a.Token.Reveal(), a.AllowHTTP || a.Kind == storage.AccountSandbox)
	if err != nil {
		return nil, a, err
	}
	c.m[a.ID] = cachedClient{url: a.OrgURL, token: a.Token.Reveal(), client: cl}
	return cl, a, nil
}

func (c *clientCache) forget(accountID string) {
	c.mu.Lock()
	delete(c.m, accountID)
	c.mu.Unlock()
}

// newClient builds an Okta client whose rate-limit waits reach subscribers.
func (e *Engine) newClient(accountID, orgURL, token string, allowHTTP bool) (*okta.Client, error) {
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
	if allowHTTP {
		opts = append(opts, okta.WithAllowHTTPLoopback())
	}
	opts = append(opts, e.opts.OktaOptions...)
	return okta.NewClient(orgURL, token, opts...)
}

// AccountInput is what a user types to connect an Okta org.
type AccountInput struct {
	Name      string
	Domain    string // acme.okta.com, https://acme.oktapreview.com/, ...
	Token     storage.Secret
	AllowHTTP bool   // a plain-http loopback org (a local simulator)
	Kind      string // storage.AccountOkta (default) or storage.AccountSandbox
}

// AddAccount checks the domain, verifies the token with GET
// /api/v1/users/me, and stores the account with who it authenticated as.
// Nothing is stored when verification fails.
func (e *Engine) AddAccount(ctx context.Context, in AccountInput) (storage.Account, error) {
	if err := storage.ValidateName(in.Name); err != nil {
		return storage.Account{}, err
	}
	if _, err := e.store.Account(in.Name); err == nil {
		return storage.Account{}, fmt.Errorf("an account named %q exists already: %w; pick another name", in.Name, storage.ErrExists)
	}
	orgURL, err := okta.ParseOrgURL(in.Domain, in.AllowHTTP)
	if err != nil {
		return storage.Account{}, &AccountError{Field: FieldDomain, Msg: err.Error(), Err: err}
	}
	me, err := e.verify(ctx, "new", orgURL, in.Token.Reveal(), in.AllowHTTP)
	if err != nil {
		return storage.Account{}, err
	}
	a, err := e.store.AddAccount(storage.Account{
		Name: in.Name, Kind: in.Kind, OrgURL: orgURL, Token: in.Token, AllowHTTP: in.AllowHTTP,
		VerifiedAs: me.Login(), VerifiedAt: e.now().UTC(),
	})
	if err != nil {
		return storage.Account{}, err
	}
	e.bus.publish(Event{Kind: AccountChanged, At: e.now(), AccountID: a.ID})
	return a, nil
}

// VerifyAccount checks an account's token again and records the result.
func (e *Engine) VerifyAccount(ctx context.Context, idOrName string) (storage.Account, error) {
	a, err := e.store.Account(idOrName)
	if err != nil {
		return storage.Account{}, err
	}
	me, err := e.verify(ctx, a.ID, a.OrgURL, a.Token.Reveal(), a.AllowHTTP || a.Kind == storage.AccountSandbox)
	if err != nil {
		return a, err
	}
	a.VerifiedAs, a.VerifiedAt = me.Login(), e.now().UTC()
	if err := e.store.UpdateAccount(a); err != nil {
		return a, err
	}
	e.bus.publish(Event{Kind: AccountChanged, At: e.now(), AccountID: a.ID})
	return a, nil
}

func (e *Engine) verify(ctx context.Context, accountID, orgURL, token string, allowHTTP bool) (*okta.User, error) {
	if p, _, ok := strings.Cut(strings.TrimSpace(token), " "); ok && (strings.EqualFold(p, "SSWS") || strings.EqualFold(p, "Bearer")) {
		return nil, &AccountError{Field: FieldToken, Msg: "paste the API token itself, without \"" + p + " \" in front"}
	}
	cl, err := e.newClient(accountID, orgURL, token, allowHTTP)
	if err != nil { // the URL is checked already: what is left is the token's form
		return nil, &AccountError{Field: FieldToken, Msg: strings.TrimPrefix(err.Error(), "okta: "), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	me, err := cl.Me(ctx)
	switch {
	case okta.IsInvalidToken(err):
		return nil, &AccountError{Field: FieldToken, Kind: ErrInvalidToken, Err: err,
			Msg: "Okta rejected the API token (E0000011 Invalid token provided): check it, or create a new one in the Admin Console under Security → API → Tokens"}
	case okta.IsInvalidSession(err):
		return nil, &AccountError{Field: FieldToken, Kind: ErrInvalidToken, Err: err,
			Msg: "Okta did not accept the token as an SSWS API token (E0000005): paste the token itself, without \"SSWS \" or \"Bearer \""}
	case err != nil:
		return nil, fmt.Errorf("could not verify the account at %s: %w", orgURL, err)
	}
	return me, nil
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
