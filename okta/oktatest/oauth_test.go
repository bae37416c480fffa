package oktatest

import (
	"crypto"
	"crypto/elliptic"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

const clientID = "0oaservice1234567890"

// newOAuthOrg is an org with one service app signing with the test RSA key.
func newOAuthOrg(t *testing.T, dpop bool, scopes ...string) *testOrg {
	t.Helper()
	return newTestOrg(t, Options{OAuthClients: []OAuthClient{{
		ID: clientID, Name: "oktaflow", PublicKey: publicPEM(t, rsaTestKey()), Scopes: scopes, DPoP: dpop,
	}}})
}

func (o *testOrg) assertion(mutate func(map[string]any)) string {
	claims := o.assertionClaims(clientID)
	if mutate != nil {
		mutate(claims)
	}
	return signJWT(o.t, "RS256", rsaTestKey(), map[string]any{}, claims)
}

func TestTokenEndpoint(t *testing.T) {
	o := newOAuthOrg(t, false, "okta.users.read", "okta.groups.manage")
	r := o.postToken(tokenForm(o.assertion(nil), "okta.users.read"), "")
	mustStatus(t, r, http.StatusOK)
	got := r.object(t)
	// The documented answer: {"token_type":"Bearer","expires_in":3600,"access_token":…,"scope":"okta.users.read"}.
	if got["token_type"] != "Bearer" || got["expires_in"] != 3600.0 || got["scope"] != "okta.users.read" || len(got) != 4 {
		t.Errorf("token answer %v", got)
	}
	if r.header.Get("Cache-Control") == "" || !strings.Contains(r.header.Get("Cache-Control"), "no-store") {
		t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	token := got["access_token"].(string)
	claims := tokenClaims(t, token)
	if claims["cid"] != clientID || claims["sub"] != clientID || claims["iss"] != o.srv.URL || !strings.HasPrefix(claims["jti"].(string), "AT.") {
		t.Errorf("token claims %v", claims)
	}
	if claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
		t.Errorf("the token lives %v s, want 3600", claims["exp"].(float64)-claims["iat"].(float64))
	}
	if r.header.Get("X-Rate-Limit-Limit") == "" {
		t.Error("the token endpoint sent no rate-limit headers")
	}
	if o.org.RequestCount("/oauth2/v1", 200) != 1 {
		t.Errorf("the token request was not counted in bucket /oauth2/v1")
	}

	// The token reads users; it cannot create one (403 insufficient_scope,
	// the required scope named, no body).
	mustStatus(t, o.doToken(http.MethodGet, "/api/v1/users", "", token, nil), http.StatusOK)
	mustStatus(t, o.doToken(http.MethodGet, "/api/v1/users/"+o.org.Users()[0].ID, "", token, nil), http.StatusOK)
	denied := o.doToken(http.MethodPost, "/api/v1/users", `{"profile":{`+person("Ann", "Lee")+`}}`, token, nil)
	wwwAuth(t, denied, http.StatusForbidden, "Bearer", "insufficient_scope", "The access token provided does not contain the required scopes.", "okta.users.manage")
	if h := denied.header.Get("WWW-Authenticate"); !strings.Contains(h, `resource="/api/v1/users"`) || !strings.Contains(h, `realm="http://`) {
		t.Errorf("WWW-Authenticate %q", h)
	}
	if _, found := o.org.UserByLogin("ann.lee@example.com"); found {
		t.Error("a request refused for its scope was applied")
	}
	wwwAuth(t, o.doToken(http.MethodGet, "/api/v1/logs", "", token, nil), http.StatusForbidden, "Bearer", "insufficient_scope",
		"The access token provided does not contain the required scopes.", "okta.logs.read")
	// A service app is no user: /users/me is not found.
	wantError(t, o.doToken(http.MethodGet, "/api/v1/users/me", "", token, nil), http.StatusNotFound, "E0000007", "Not found: Resource not found: me (User)")

	// okta.groups.manage also reads groups; changes are logged with the app as actor.
	token = o.postToken(tokenForm(o.assertion(nil), "okta.groups.manage"), "").object(t)["access_token"].(string)
	mustStatus(t, o.doToken(http.MethodGet, "/api/v1/groups", "", token, nil), http.StatusOK)
	mustStatus(t, o.doToken(http.MethodPost, "/api/v1/groups", `{"profile":{"name":"Movers"}}`, token, nil), http.StatusOK)
	ev := findEvent(t, o, "group.lifecycle.create")
	if actor := ev["actor"].(map[string]any); actor["id"] != clientID || actor["type"] != "PublicClientApp" || actor["displayName"] != "oktaflow" {
		t.Errorf("actor %v", actor)
	}
	findEvent(t, o, "app.oauth2.as.token.grant.access_token")

	// Expired and unknown tokens are 401 invalid_token.
	o.advance(time.Hour)
	wwwAuth(t, o.doToken(http.MethodGet, "/api/v1/groups", "", token, nil), http.StatusUnauthorized, "Bearer", "invalid_token", "The token has expired.", "")
	wwwAuth(t, o.doToken(http.MethodGet, "/api/v1/groups", "", "eyJnope", nil), http.StatusUnauthorized, "Bearer", "invalid_token", "The access token is invalid.", "")

	// SSWS keeps working beside OAuth.
	mustStatus(t, o.do(http.MethodGet, "/api/v1/users/me", ""), http.StatusOK)
}

func TestTokenScopes(t *testing.T) {
	o := newOAuthOrg(t, false, "okta.users.read", "okta.groups.manage")
	// Okta grants the requested scopes the app holds and leaves the rest
	// out (okta/okta-sdk-golang#145, okta/terraform-provider-okta#2375).
	r := o.postToken(tokenForm(o.assertion(nil), "okta.users.manage okta.users.read okta.logs.read"), "")
	mustStatus(t, r, http.StatusOK)
	if got := r.object(t)["scope"]; got != "okta.users.read" {
		t.Errorf("scope %v, want only the granted okta.users.read", got)
	}
	if scp := tokenClaims(t, r.object(t)["access_token"].(string))["scp"].([]any); len(scp) != 1 || scp[0] != "okta.users.read" {
		t.Errorf("scp %v", scp)
	}
	oauthErr(t, o.postToken(tokenForm(o.assertion(nil), "okta.logs.read"), ""), http.StatusBadRequest, "invalid_scope",
		"The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner.")
	oauthErr(t, o.postToken(tokenForm(o.assertion(nil), ""), ""), http.StatusBadRequest, "invalid_scope", "No scopes were requested.")
}

func TestClientAssertionChecks(t *testing.T) {
	o := newOAuthOrg(t, false, "okta.users.read")
	other := ecTestKey(t, elliptic.P256())
	now := o.clock.now().Unix()
	cases := []struct {
		name        string
		assertion   string
		description string
	}{
		{"not a JWT", "garbage", "The parsing of the client_assertion failed."},
		{"unknown issuer", o.assertion(func(c map[string]any) { c["iss"], c["sub"] = "0oanobody", "0oanobody" }), "The issuer claim for client_assertion is not a valid client_id."},
		{"subject not the client", o.assertion(func(c map[string]any) { c["sub"] = "someone" }), "The subject claim for client_assertion is not a valid client_id."},
		{"audience not the token URL", o.assertion(func(c map[string]any) { c["aud"] = o.srv.URL + "/oauth2/default/v1/token" }), "The audience claim for client_assertion must be the endpoint invoked for the request."},
		{"no exp", o.assertion(func(c map[string]any) { delete(c, "exp") }), "The client_assertion must contain the 'exp' claim as seconds since epoch."},
		{"exp as a string", o.assertion(func(c map[string]any) { c["exp"] = "1614664267" }), "The client_assertion must contain the 'exp' claim as seconds since epoch."},
		{"expired", o.assertion(func(c map[string]any) { c["exp"] = now - 1 }), "The client_assertion token is expired."},
		{"exp over an hour ahead", o.assertion(func(c map[string]any) { c["exp"] = now + 7200 }), "The client_assertion token has an expiration too far into the future."},
		{"issued in the future", o.assertion(func(c map[string]any) { c["iat"] = now + 600 }), "The client_assertion token must be issued before the current time."},
		{"another key", signJWT(t, "ES256", other, map[string]any{}, o.assertionClaims(clientID)), "The client_assertion JWT signature algorithm is invalid."},
		{"forged signature", forge(o.assertion(nil)), "The client_assertion signature is invalid."},
		{"HS256", strings.Replace(o.assertion(nil), b64url([]byte(`{"alg":"RS256"}`)), b64url([]byte(`{"alg":"HS256"}`)), 1), "The client_assertion JWT signature algorithm is invalid."},
		{"unknown kid", signJWT(t, "RS256", rsaTestKey(), map[string]any{"kid": "nope"}, o.assertionClaims(clientID)), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := o.postToken(tokenForm(c.assertion, "okta.users.read"), "")
			if c.description == "" { // a kid is checked only against keys that carry one
				mustStatus(t, r, http.StatusOK)
				return
			}
			oauthErr(t, r, http.StatusUnauthorized, "invalid_client", c.description)
		})
	}

	// jti is single use: a replayed assertion is refused.
	a := o.assertion(nil)
	mustStatus(t, o.postToken(tokenForm(a, "okta.users.read"), ""), http.StatusOK)
	oauthErr(t, o.postToken(tokenForm(a, "okta.users.read"), ""), http.StatusUnauthorized, "invalid_client", "The client_assertion token has already been used.")

	// The request around the assertion.
	form := tokenForm(o.assertion(nil), "okta.users.read")
	form.Del("grant_type")
	oauthErr(t, o.postToken(form, ""), http.StatusBadRequest, "invalid_request", "The token request must specify a 'grant_type'. Valid values: [client_credentials]")
	form.Set("grant_type", "password")
	oauthErr(t, o.postToken(form, ""), http.StatusBadRequest, "unsupported_grant_type",
		"The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].")
	form.Set("grant_type", "client_credentials")
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
	oauthErr(t, o.postToken(form, ""), http.StatusBadRequest, "invalid_request", "The client_assertion_type is invalid.")
	form = tokenForm("", "okta.users.read")
	oauthErr(t, o.postToken(form, ""), http.StatusUnauthorized, "invalid_client", "No client credentials found.")
	form = tokenForm(o.assertion(nil), "okta.users.read")
	form.Set("client_secret", "s3cret")
	oauthErr(t, o.postToken(form, ""), http.StatusUnauthorized, "invalid_client",
		"Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.")
	form = tokenForm(o.assertion(nil), "okta.users.read")
	form.Set("client_id", "0oaother")
	oauthErr(t, o.postToken(form, ""), http.StatusUnauthorized, "invalid_client", "Invalid value for 'client_id' parameter.")
	r := o.send(mustRequest(t, http.MethodGet, o.srv.URL+"/oauth2/v1/token", ""))
	wantError(t, r, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
}

// TestClientKeyForms registers clients by EC JWK and JWK Set with kids and
// signs with ES256 and ES384.
func TestClientKeyForms(t *testing.T) {
	p256, p384 := ecTestKey(t, elliptic.P256()), ecTestKey(t, elliptic.P384())
	j1, j2 := publicJWK(p256), publicJWK(p384)
	j1["kid"], j2["kid"] = "k256", "k384"
	set, _ := json.Marshal(map[string]any{"keys": []any{j1, j2}})
	single, _ := json.Marshal(publicJWK(p256))
	o := newTestOrg(t, Options{})
	setID, err := o.org.RegisterOAuthClient(OAuthClient{PublicKey: set, Scopes: []string{"okta.users.read"}})
	if err != nil || !strings.HasPrefix(setID, "0oa") || len(setID) != 20 {
		t.Fatalf("RegisterOAuthClient = %q, %v", setID, err)
	}
	jwkID, err := o.org.RegisterOAuthClient(OAuthClient{ID: "0oajwk", PublicKey: single, Scopes: []string{"okta.users.read"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id, alg, kid string
		key          crypto.Signer
		status       int
	}{
		{setID, "ES256", "k256", p256, http.StatusOK},
		{setID, "ES384", "k384", p384, http.StatusOK},
		{setID, "ES384", "k256", p384, http.StatusUnauthorized}, // named key cannot verify
		{setID, "ES256", "k999", p256, http.StatusUnauthorized},
		{jwkID, "ES256", "", p256, http.StatusOK},
	} {
		h := map[string]any{}
		if c.kid != "" {
			h["kid"] = c.kid
		}
		r := o.postToken(tokenForm(signJWT(t, c.alg, c.key, h, o.assertionClaims(c.id)), "okta.users.read"), "")
		if r.status != c.status {
			t.Errorf("%s %s kid %q: %d %s", c.id, c.alg, c.kid, r.status, r.body)
		}
	}
	for _, bad := range []OAuthClient{
		{PublicKey: []byte("nope"), Scopes: []string{"okta.users.read"}},
		{PublicKey: single},
		{PublicKey: single, Scopes: []string{"openid"}},
		{ID: "0oajwk", PublicKey: single, Scopes: []string{"okta.users.read"}},
	} {
		if _, err := o.org.RegisterOAuthClient(bad); err == nil {
			t.Errorf("RegisterOAuthClient(%+v) accepted", bad)
		}
	}
}

// forge changes the payload of a JWT, keeping its signature.
func forge(jwt string) string {
	parts := strings.Split(jwt, ".")
	return parts[0] + "." + b64url([]byte(`{"iss":"`+clientID+`","sub":"`+clientID+`","exp":9999999999}`)) + "." + parts[2]
}

func mustRequest(t *testing.T, method, u, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestOAuthClientsPersist: Save keeps the registered service apps (public
// keys, scopes, DPoP), LoadOrg restores them and adds new ones from Options.
func TestOAuthClientsPersist(t *testing.T) {
	o := newOAuthOrg(t, true, "okta.users.read")
	var buf strings.Builder
	if err := o.org.Save(&buf); err != nil {
		t.Fatal(err)
	}
	second := OAuthClient{ID: "0oasecond", PublicKey: publicPEM(t, rsaTestKey()), Scopes: []string{"okta.logs.read"}}
	loaded, err := LoadOrg(strings.NewReader(buf.String()), Options{OAuthClients: []OAuthClient{second}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptestServer(t, loaded)
	lo := &testOrg{t: t, org: loaded, srv: ts, clock: &fakeClock{t: time.Now()}}
	// The saved client still demands DPoP; the added one gets a Bearer token.
	claims := lo.assertionClaims(clientID)
	oauthErr(t, lo.postToken(tokenForm(signJWT(t, "RS256", rsaTestKey(), map[string]any{}, claims), "okta.users.read"), ""),
		http.StatusBadRequest, "invalid_dpop_proof", "The DPoP proof JWT header is missing.")
	r := lo.postToken(tokenForm(signJWT(t, "RS256", rsaTestKey(), map[string]any{}, lo.assertionClaims("0oasecond")), "okta.logs.read"), "")
	if mustStatus(t, r, http.StatusOK); r.object(t)["token_type"] != "Bearer" {
		t.Errorf("second client: %s", r.body)
	}
}
