package okta

import (
	"bytes"
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testClientID = "0oa1serviceAPPid"

// oauthClient returns a client for f's org with cfg's blanks filled in.
func oauthClient(t *testing.T, f *fakeOrg, cfg OAuthConfig, opts ...Option) *Client {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID = testClientID
	}
	opts = append([]Option{WithAllowHTTPLoopback(), fastRetry}, opts...)
	c, err := NewOAuthClient(f.srv.URL, cfg, opts...)
	if err != nil {
		t.Fatalf("NewOAuthClient: %v", err)
	}
	return c
}

// A Bearer service app: the token request is Okta's client_credentials + private_key_jwt
// form, the assertion's claims are right and signed with the registered key, and
// Authenticate reports the client, its granted scopes and the call that proved them.
func TestOAuthAuthenticateBearer(t *testing.T) {
	rk := rsaKey(t)
	f := newFakeOrg(t, testClientID, &rk.PublicKey, ScopeUsersManage, ScopeGroupsRead)
	f.kid = "key-1"
	c := oauthClient(t, f, OAuthConfig{KeyID: "key-1", PrivateKey: pkcs8(t, rk), Scopes: []string{"okta.users.manage okta.groups.read"}})
	id, err := c.Authenticate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{Kind: AuthOAuth, ClientID: testClientID, Scopes: []string{ScopeUsersManage, ScopeGroupsRead}, Checked: "GET /api/v1/groups"}
	if fmt.Sprint(id) != fmt.Sprint(want) || id.Checked != want.Checked || id.DPoP {
		t.Errorf("Identity %+v; want %+v", id, want)
	}
	if s := id.String(); s != "Authenticated as client 0oa1serviceAPPid with scopes okta.users.manage okta.groups.read" {
		t.Errorf("String() = %q", s)
	}
	if f.lastForm["scope"] != "okta.users.manage okta.groups.read" {
		t.Errorf("scope %q", f.lastForm["scope"])
	}
	a, h := f.lastAssert, f.lastHeader
	if h["kid"] != "key-1" || h["alg"] != "RS256" || a["iss"] != testClientID || a["sub"] != testClientID ||
		a["aud"] != f.srv.URL+"/oauth2/v1/token" || num(a["exp"])-num(a["iat"]) > 300 || a["jti"] == "" {
		t.Errorf("assertion header %v claims %v", h, a)
	}
	if len(f.authz) != 1 || !strings.HasPrefix(f.authz[0], "Bearer at.") {
		t.Errorf("resource Authorization %q", f.authz)
	}
}

// Every supported key format authenticates end to end.
func TestOAuthKeyFormats(t *testing.T) {
	rk := rsaKey(t)
	p256, p384 := ecKey(t, elliptic.P256()), ecKey(t, elliptic.P384())
	sec1, _ := x509.MarshalECPrivateKey(p384)
	for _, tc := range []struct {
		name string
		pub  crypto.PublicKey
		key  []byte
		kid  string // registered
	}{
		{"PKCS#1 RSA", &rk.PublicKey, pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), ""},
		{"PKCS#8 P-256", &p256.PublicKey, pkcs8(t, p256), ""},
		{"SEC1 P-384", &p384.PublicKey, pemOf("EC PRIVATE KEY", sec1), ""},
		{"JWK RSA with kid", &rk.PublicKey, privateJWK(t, rk, "jwk-kid"), "jwk-kid"},
		{"JWK P-256 with kid", &p256.PublicKey, privateJWK(t, p256, "ec-kid"), "ec-kid"},
	} {
		f := newFakeOrg(t, testClientID, tc.pub, ScopeUsersRead)
		f.kid = tc.kid
		c := oauthClient(t, f, OAuthConfig{PrivateKey: tc.key, Scopes: []string{ScopeUsersRead}})
		if _, err := c.Authenticate(context.Background()); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// One token serves many callers: concurrent calls share one token request; the token is
// refreshed ahead of expiry while still in use, and waited for once unusable.
func TestOAuthTokenCacheSingleFlight(t *testing.T) {
	rk := rsaKey(t)
	f := newFakeOrg(t, testClientID, &rk.PublicKey, ScopeUsersRead)
	clk := newFakeClock(time.Now().Truncate(time.Second))
	f.now = clk.Now
	gate := make(chan struct{})
	var slowTokens atomic.Bool
	slowTokens.Store(true)
	inner := f.srv.Config.Handler
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == tokenPath && slowTokens.Load() {
			<-gate // hold the first token request until every caller is waiting
		}
		inner.ServeHTTP(w, r)
	})
	c := oauthClient(t, f, OAuthConfig{PrivateKey: pkcs8(t, rk), Scopes: []string{ScopeUsersRead}}, withClock(clk), WithMaxConcurrency(40))
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for range 30 {
		wg.Go(func() {
			_, err := c.accessToken(ctx)
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	slowTokens.Store(false)
	calls := func() int { f.mu.Lock(); defer f.mu.Unlock(); return f.tokenCalls }
	if n := calls(); n != 1 {
		t.Fatalf("%d token requests for 30 concurrent callers; want 1", n)
	}
	first, _ := c.accessToken(ctx)

	clk.advance(50 * time.Minute) // still fresh
	if tok, _ := c.accessToken(ctx); tok != first || calls() != 1 {
		t.Fatalf("a fresh token was not reused (%d token requests)", calls())
	}
	clk.advance(9 * time.Minute) // inside the refresh window: the old token still serves
	if tok, _ := c.accessToken(ctx); tok != first {
		t.Fatal("the token in use was not served during its refresh")
	}
	deadline := time.Now().Add(5 * time.Second)
	for calls() != 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	waitFlight(c)
	second, _ := c.accessToken(ctx)
	if calls() != 2 || second == first {
		t.Fatalf("no refresh ahead of expiry (%d token requests)", calls())
	}
	clk.advance(2 * time.Hour) // past expiry: callers wait for a new one
	if third, err := c.accessToken(ctx); err != nil || third == second || calls() != 3 {
		t.Fatalf("expired token reused: %v, %d token requests", err, calls())
	}
}

func waitFlight(c *Client) {
	for {
		c.oauth.mu.Lock()
		f := c.oauth.flight
		c.oauth.mu.Unlock()
		if f == nil {
			return
		}
		<-f.done
	}
}

// DPoP end to end: the authorization server's use_dpop_nonce round trip, DPoP-bound tokens
// sent as "Authorization: DPoP" with a proof (htm, htu without the query, ath), the
// resource server's nonce challenge, and nonces reused without another round trip.
func TestOAuthDPoPNonceRoundTrips(t *testing.T) {
	p256 := ecKey(t, elliptic.P256())
	f := newFakeOrg(t, testClientID, &p256.PublicKey, ScopeUsersRead)
	f.dpop, f.asNonce, f.rsNonce = "required", "as-nonce-1", "rs-nonce-1"
	dk, _ := NewDPoPKey()
	c := oauthClient(t, f, OAuthConfig{PrivateKey: privateJWK(t, p256, ""), Scopes: []string{ScopeUsersRead}, DPoPKey: dk})
	ctx := context.Background()
	id, err := c.Authenticate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !id.DPoP || !strings.HasSuffix(id.String(), "(DPoP)") {
		t.Errorf("Identity %+v not DPoP", id)
	}
	// token: no nonce → use_dpop_nonce → with nonce; resource: no nonce → challenge → with nonce
	if f.tokenCalls != 2 || f.apiCalls != 2 {
		t.Fatalf("token requests %d, API requests %d; want 2 and 2", f.tokenCalls, f.apiCalls)
	}
	for _, it := range c.ListUsers(ctx, ListUsersParams{Search: `profile.lastName eq "X"`}) {
		_ = it
	}
	if f.tokenCalls != 2 || f.apiCalls != 3 {
		t.Errorf("nonces not reused: token requests %d, API requests %d", f.tokenCalls, f.apiCalls)
	}
	last := f.proofs[len(f.proofs)-1]
	if last["htm"] != "GET" || last["htu"] != f.srv.URL+"/api/v1/users" || last["nonce"] != "rs-nonce-1" || last["ath"] == nil {
		t.Errorf("resource proof %v", last)
	}
	if f.proofs[1]["nonce"] != "as-nonce-1" || f.proofs[1]["htu"] != f.srv.URL+"/oauth2/v1/token" {
		t.Errorf("token proof %v", f.proofs[1])
	}
	for _, a := range f.authz {
		if !strings.HasPrefix(a, "DPoP at.") {
			t.Errorf("Authorization %q; want DPoP", a)
		}
	}
	// The nonce rotates: the next call meets the challenge once more and follows it.
	f.mu.Lock()
	f.rsNonce = "rs-nonce-2"
	f.mu.Unlock()
	if _, err := c.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
}

// The DPoP choice follows the app: an app that demands DPoP works without a configured key
// (a key is made in memory), and an app that refuses proofs works with a configured key.
func TestOAuthDPoPFollowsTheApp(t *testing.T) {
	rk := rsaKey(t)
	ctx := context.Background()
	f := newFakeOrg(t, testClientID, &rk.PublicKey, ScopeUsersRead)
	f.dpop = "required"
	c := oauthClient(t, f, OAuthConfig{PrivateKey: pkcs8(t, rk), Scopes: []string{ScopeUsersRead}})
	if id, err := c.Authenticate(ctx); err != nil || !id.DPoP {
		t.Errorf("app requiring DPoP, no key: %+v, %v", id, err)
	}

	g := newFakeOrg(t, testClientID, &rk.PublicKey, ScopeUsersRead)
	g.dpop = "refused"
	dk, _ := NewDPoPKey()
	c = oauthClient(t, g, OAuthConfig{PrivateKey: pkcs8(t, rk), Scopes: []string{ScopeUsersRead}, DPoPKey: dk})
	if id, err := c.Authenticate(ctx); err != nil || id.DPoP {
		t.Errorf("app refusing DPoP, key given: %+v, %v", id, err)
	}
}

// Typed errors: invalid client, invalid_scope naming the scope, insufficient_scope on a
// call naming the scope from the challenge, E0000006 told apart from a missing scope.
func TestOAuthTypedErrors(t *testing.T) {
	rk := rsaKey(t)
	other := ecKey(t, elliptic.P256())
	ctx := context.Background()

	f := newFakeOrg(t, testClientID, &rk.PublicKey, ScopeUsersRead)
	f.kid = "right"
	_, err := oauthClient(t, f, OAuthConfig{KeyID: "wrong", PrivateKey: pkcs8(t, rk), Scopes: []string{ScopeUsersRead}}).Authenticate(ctx)
	if !IsInvalidClient(err) || !IsUnauthenticated(err) || !strings.Contains(err.Error(), "kid is invalid") || !strings.Contains(err.Error(), "key ID") {
		t.Errorf("wrong kid: %v", err)
	}
	_, err = oauthClient(t, f, OAuthConfig{PrivateKey: pkcs8(t, other), Scopes: []string{ScopeUsersRead}}).Authenticate(ctx)
	if !IsInvalidClient(err) {
		t.Errorf("wrong key: %v", err)
	}

	g := newFakeOrg(t, testClientID, &rk.PublicKey, ScopeUsersRead, ScopeGroupsRead)
	_, err = oauthClient(t, g, OAuthConfig{PrivateKey: pkcs8(t, rk), Scopes: []string{ScopeUsersRead, ScopeLogsRead}}).Authenticate(ctx)
	if s, ok := IsMissingScope(err); !ok || s != ScopeLogsRead || IsUnauthenticated(err) || !strings.Contains(err.Error(), "grant okta.logs.read") {
		t.Errorf("invalid_scope: %q %v: %v", s, ok, err)
	}
	if s, _ := IsMissingScope(&OAuthError{Code: "invalid_scope", Description: "nope", Requested: []string{"a.b", "c.d"}}); s != "a.b c.d" {
		t.Errorf("unnamed invalid_scope names %q", s)
	}

	c := oauthClient(t, g, OAuthConfig{PrivateKey: pkcs8(t, rk), Scopes: []string{ScopeGroupsRead}})
	_, err = c.GetUserSchema(ctx)
	if s, ok := IsMissingScope(err); !ok || s != ScopeSchemasRead || !strings.Contains(err.Error(), "lacks the scope okta.schemas.read") {
		t.Errorf("insufficient_scope: %q %v: %v", s, ok, err)
	}
	if e := apiError(err); e == nil || e.Status != 403 || e.AuthError != "insufficient_scope" || !strings.Contains(e.Summary, "does not contain the required scopes") {
		t.Errorf("APIError %+v", e)
	}

	// E0000006 with no challenge: a missing scope when the token lacks ScopeFor the call,
	// a role problem when it has it.
	g.answer = func(w http.ResponseWriter, r *http.Request) bool {
		writeJSON(w, 403, okta("E0000006"))
		return true
	}
	delete(fakeScopes, "GET /api/v1/groups")
	defer func() { fakeScopes["GET /api/v1/groups"] = ScopeGroupsRead }()
	err = func() error {
		for _, err := range c.ListGroups(ctx, "") {
			return err
		}
		return nil
	}()
	if _, ok := IsMissingScope(err); ok || !IsPermissionDenied(err) {
		t.Errorf("E0000006 with the scope granted: %v", err)
	}
	_, err = c.CreateGroup(ctx, "x", "")
	if s, ok := IsMissingScope(err); !ok || s != ScopeGroupsManage || !IsPermissionDenied(err) {
		t.Errorf("E0000006 without the scope: %q %v %v", s, ok, err)
	}
}

// A token the resource server calls invalid (revoked early) is dropped and replaced once.
func TestOAuthInvalidTokenIsReplaced(t *testing.T) {
	rk := rsaKey(t)
	f := newFakeOrg(t, testClientID, &rk.PublicKey, ScopeUsersRead)
	c := oauthClient(t, f, OAuthConfig{PrivateKey: pkcs8(t, rk), Scopes: []string{ScopeUsersRead}})
	ctx := context.Background()
	if _, err := c.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	for k, v := range f.tokens {
		v.revoked = true
		f.tokens[k] = v
	}
	f.mu.Unlock()
	if _, err := c.Authenticate(ctx); err != nil {
		t.Fatalf("revoked token not replaced: %v", err)
	}
	if f.tokenCalls != 2 {
		t.Errorf("%d token requests; want 2", f.tokenCalls)
	}
	// A token refused again is an error, not a loop.
	f.answer = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token is invalid."`)
		w.WriteHeader(401)
		return true
	}
	_, err := c.Authenticate(ctx)
	if !IsUnauthenticated(err) || f.tokenCalls != 3 {
		t.Errorf("persistent invalid_token: %v after %d token requests", err, f.tokenCalls)
	}
}

// Token requests are retried on 5xx like any call, each with a new assertion (the fake
// fails the test on a reused jti).
func TestOAuthTokenRetriesWithFreshAssertions(t *testing.T) {
	rk := rsaKey(t)
	f := newFakeOrg(t, testClientID, &rk.PublicKey, ScopeUsersRead)
	f.failFirst = 2
	c := oauthClient(t, f, OAuthConfig{PrivateKey: pkcs8(t, rk), Scopes: []string{ScopeUsersRead}})
	if _, err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.tokenCalls != 3 {
		t.Errorf("%d token requests; want 3", f.tokenCalls)
	}
	if b := c.RateLimits(); !slices.ContainsFunc(b, func(s BucketState) bool { return s.Bucket == BucketToken }) {
		t.Errorf("the token endpoint is not paced as its own bucket: %+v", b)
	}
}

// No secret reaches a log line, an error, a printed client or identity: not the private key,
// the DPoP key, an assertion, a proof or an access token.
func TestOAuthSecretsNeverPrinted(t *testing.T) {
	rk := rsaKey(t)
	f := newFakeOrg(t, testClientID, &rk.PublicKey, ScopeUsersRead)
	f.dpop, f.asNonce = "required", "n1"
	var logs bytes.Buffer
	keyPEM, dk := pkcs8(t, rk), must(NewDPoPKey())
	c := oauthClient(t, f, OAuthConfig{PrivateKey: keyPEM, Scopes: []string{ScopeUsersRead}, DPoPKey: dk},
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()
	id, err := c.Authenticate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.answer = func(w http.ResponseWriter, r *http.Request) bool { writeJSON(w, 500, okta("E0000009")); return true }
	_, callErr := c.GetUser(ctx, "x")
	js, _ := json.Marshal(struct{ C *Client }{c})
	printed := strings.Join([]string{
		logs.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprintf("%+v %#v", c.oauth, c.oauth.key),
		fmt.Sprintf("%+v", c.oauth.cur), fmt.Sprintf("%+v", id), string(js), callErr.Error(),
	}, "\n")
	var secrets []string
	for tok := range f.tokens {
		secrets = append(secrets, tok)
	}
	secrets = append(secrets, f.lastForm["client_assertion"], b64i(rk.D), string(keyPEM[40:80]), string(dk[40:70]))
	for _, p := range f.proofs {
		secrets = append(secrets, fmt.Sprint(p["jti"]))
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(printed, s) {
			t.Fatalf("secret %.12s… printed in:\n%s", s, printed)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestNewOAuthClientRejects(t *testing.T) {
	key := pkcs8(t, rsaKey(t))
	for _, tc := range []struct {
		cfg  OAuthConfig
		want string
	}{
		{OAuthConfig{PrivateKey: key, Scopes: []string{ScopeUsersRead}}, "client id is empty"},
		{OAuthConfig{ClientID: "0oa 1", PrivateKey: key, Scopes: []string{ScopeUsersRead}}, "spaces"},
		{OAuthConfig{ClientID: "0oa1", PrivateKey: key}, "no OAuth scopes"},
		{OAuthConfig{ClientID: "0oa1", PrivateKey: key, Scopes: []string{" "}}, "no OAuth scopes"},
		{OAuthConfig{ClientID: "0oa1", PrivateKey: []byte("junk"), Scopes: []string{ScopeUsersRead}}, "neither PEM"},
		{OAuthConfig{ClientID: "0oa1", KeyID: "a", PrivateKey: privateJWK(t, rsaKey(t), "b"), Scopes: []string{ScopeUsersRead}}, "differs"},
		{OAuthConfig{ClientID: "0oa1", PrivateKey: key, Scopes: []string{ScopeUsersRead}, DPoPKey: []byte("junk")}, "DPoP key"},
		{OAuthConfig{ClientID: "0oa1", PrivateKey: key, Scopes: []string{ScopeUsersRead}, DPoPKey: key}, "a key of its own"},
	} {
		_, err := NewOAuthClient("acme.okta.com", tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want %q", tc.cfg.ClientID, err, tc.want)
		}
	}
	c, err := NewOAuthClient("https://acme.okta.com", OAuthConfig{ClientID: "0oa1", PrivateKey: key, Scopes: []string{"okta.users.read okta.users.read", ScopeGroupsRead}})
	if err != nil || !slices.Equal(c.Scopes(), []string{ScopeUsersRead, ScopeGroupsRead}) || c.AuthKind() != AuthOAuth {
		t.Errorf("scopes %v kind %v: %v", c.Scopes(), c.AuthKind(), err)
	}
}

func TestAuthenticateSSWS(t *testing.T) {
	c, _, _ := scripted(t, []exchange{{method: "GET", path: "/api/v1/users/me", resp: `{"id":"00u1","profile":{"login":"admin@acme.com"}}`}})
	id, err := c.Authenticate(context.Background())
	if err != nil || id.Kind != AuthToken || id.Login != "admin@acme.com" || id.String() != "Authenticated as admin@acme.com" {
		t.Errorf("Authenticate = %+v, %v", id, err)
	}
	if c.AuthKind() != AuthToken || c.Scopes() != nil {
		t.Error("SSWS client kind/scopes")
	}
}

func TestScopeFor(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/api/v1/users", ScopeUsersRead}, {"POST", "/api/v1/users?activate=true", ScopeUsersManage},
		{"GET", "/api/v1/users/00u1", ScopeUsersRead}, {"POST", "/api/v1/users/00u1", ScopeUsersManage},
		{"DELETE", "/api/v1/users/00u1", ScopeUsersManage}, {"POST", "/api/v1/users/00u1/lifecycle/suspend", ScopeUsersManage},
		{"GET", "/api/v1/users/00u1/groups", ScopeUsersRead},
		{"GET", "/api/v1/groups", ScopeGroupsRead}, {"POST", "/api/v1/groups", ScopeGroupsManage},
		{"GET", "/api/v1/groups/00g1/users", ScopeGroupsRead}, {"PUT", "/api/v1/groups/00g1/users/00u1", ScopeGroupsManage},
		{"DELETE", "/api/v1/groups/00g1/users/00u1", ScopeGroupsManage}, {"PUT", "/api/v1/groups/00g1", ScopeGroupsManage},
		{"GET", "/api/v1/logs", ScopeLogsRead}, {"GET", "/api/v1/meta/schemas/user/default", ScopeSchemasRead},
		{"POST", "/api/v1/meta/schemas/user/default", ScopeSchemasManage}, {"GET", "/api/v1/org", ScopeOrgsRead},
		{"GET", "/api/v1/apps", ""}, {"POST", "/oauth2/v1/token", ""},
	} {
		if got := ScopeFor(tc.method, tc.path); got != tc.want {
			t.Errorf("ScopeFor(%s %s) = %q; want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestParseChallenges(t *testing.T) {
	h := http.Header{}
	h.Add("WWW-Authenticate", `DPoP algs="RS256 RS384 RS512 ES256 ES384 ES512", authorization_uri="http://x.okta.com/oauth2/v1/authorize", realm="http://x.okta.com", scope="okta.groups.read", error="invalid_dpop_proof", error_description="'htu' claim in the DPoP proof JWT is invalid.", resource="/api/v1/groups/00g/users"`)
	h.Add("WWW-Authenticate", `SSWS, Bearer realm="a\"b", error=insufficient_scope`)
	cs := authChallenges(h)
	if len(cs) != 3 || cs[0].scheme != "dpop" || cs[0].params["scope"] != "okta.groups.read" ||
		cs[0].params["error_description"] != "'htu' claim in the DPoP proof JWT is invalid." || cs[0].params["algs"] != "RS256 RS384 RS512 ES256 ES384 ES512" {
		t.Fatalf("challenges %+v", cs)
	}
	if cs[1].scheme != "ssws" || len(cs[1].params) != 0 || cs[2].scheme != "bearer" || cs[2].params["realm"] != `a"b` || cs[2].params["error"] != "insufficient_scope" {
		t.Errorf("challenges %+v", cs)
	}
	if ch, ok := authError(h); !ok || ch.params["error"] != "invalid_dpop_proof" {
		t.Errorf("authError = %+v", ch)
	}
	for _, bad := range []string{`Bearer error="unterminated`, `=x`, `Bearer ,,, error`} {
		_ = parseChallenges(bad) // must not panic
	}
}
