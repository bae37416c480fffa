package oktatest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest/internal/jose"
)

// The org authorization server's token endpoint, as Okta documents it for
// service apps ("Implement OAuth for Okta with a service app"): the
// client_credentials grant, authenticated by a private_key_jwt client
// assertion (iss = sub = client id, aud = the token URL, exp at most one
// hour ahead, optional jti never reused), granting a one-hour access token
// for the requested scopes the app was granted; with DPoP, bound to the
// proof's key. Errors are Okta's OAuth error bodies
// (data/oauth2-error-codes.json).
const (
	tokenPath         = "/oauth2/v1/token"
	jwtBearer         = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	assertionMaxAhead = time.Hour
	assertionSkew     = 5 * time.Second // tolerated clock skew for iat in the future
)

// oauthError is an OAuth error response {"error","error_description"}.
func oauthError(status int, code, description string) *reply {
	return &reply{
		status: status,
		body:   object{{"error", code}, {"error_description", description}},
		header: http.Header{"Cache-Control": {"no-cache, no-store"}, "Pragma": {"no-cache"}},
	}
}

func invalidClient(description string) *reply {
	return oauthError(http.StatusUnauthorized, "invalid_client", description)
}

// tokenEndpoint is POST /oauth2/v1/token.
func (o *Org) tokenEndpoint(c *call) *reply {
	if c.r.Method != http.MethodPost {
		rep := fail(errMethod)
		rep.header = http.Header{"Allow": {http.MethodPost}}
		return rep
	}
	if q := c.r.URL.Query(); q.Has("client_assertion") || q.Has("client_secret") {
		return oauthError(http.StatusBadRequest, "invalid_request", "Client credentials cannot be supplied via query parameters.")
	}
	form, err := url.ParseQuery(string(c.body))
	if err != nil {
		return oauthError(http.StatusBadRequest, "invalid_request", "Invalid request")
	}
	for _, vs := range form {
		if len(vs) > 1 {
			return oauthError(http.StatusBadRequest, "invalid_request", "The request contained multiple parameters with the same name.")
		}
	}
	if _, _, basic := c.r.BasicAuth(); basic || form.Has("client_secret") {
		return invalidClient("Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.")
	}
	switch gt := form.Get("grant_type"); {
	case gt == "":
		return oauthError(http.StatusBadRequest, "invalid_request", "The token request must specify a 'grant_type'. Valid values: [client_credentials]")
	case gt != "client_credentials":
		return oauthError(http.StatusBadRequest, "unsupported_grant_type",
			"The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].")
	}
	if form.Get("client_assertion") == "" {
		return invalidClient("No client credentials found.")
	}
	if form.Get("client_assertion_type") != jwtBearer {
		return oauthError(http.StatusBadRequest, "invalid_request", "The client_assertion_type is invalid.")
	}
	cl, jti, rep := o.verifyAssertion(c, form.Get("client_assertion"), form.Get("client_id"))
	if rep != nil {
		return rep
	}
	scopes, rep := grantedScopes(cl, form.Get("scope"))
	if rep != nil {
		return rep
	}
	jkt := ""
	if cl.DPoP {
		if jkt, rep = o.tokenProof(c); rep != nil {
			return rep
		}
	}
	// The assertion is spent only once a token is issued, so that a client
	// retrying after a use_dpop_nonce answer may send it again.
	if jti != "" {
		o.seenJTI["assertion:"+cl.ID+":"+jti] = c.now.Add(assertionMaxAhead + assertionSkew)
	}
	o.pruneTokens(c.now)
	token := o.issueToken(c, cl, scopes, jkt)
	c.principal = principal{client: cl}
	o.logEvent(c, c.now, "app.oauth2.as.token.grant.access_token", logTarget{ID: cl.ID, Type: "AppInstance", AlternateID: cl.Name, DisplayName: cl.Name})
	tokenType := "Bearer"
	if jkt != "" {
		tokenType = "DPoP"
	}
	rep = ok(object{
		{"token_type", tokenType},
		{"expires_in", int(accessTokenLifetime / time.Second)},
		{"access_token", token},
		{"scope", strings.Join(scopes, " ")},
	})
	rep.header = http.Header{"Cache-Control": {"no-cache, no-store"}, "Pragma": {"no-cache"}}
	return rep
}

// verifyAssertion checks a private_key_jwt client assertion and returns
// its client and jti ("" when the assertion has none).
func (o *Org) verifyAssertion(c *call, assertion, clientIDParam string) (*oauthClient, string, *reply) {
	j, err := jose.Parse(assertion)
	if err != nil {
		return nil, "", invalidClient("The parsing of the client_assertion failed.")
	}
	iss := j.String("iss")
	cl := o.clients[iss]
	switch {
	case cl == nil:
		return nil, "", invalidClient("The issuer claim for client_assertion is not a valid client_id.")
	case j.String("sub") != iss:
		return nil, "", invalidClient("The subject claim for client_assertion is not a valid client_id.")
	case clientIDParam != "" && clientIDParam != iss:
		return nil, "", invalidClient("Invalid value for 'client_id' parameter.")
	case !slices.Contains(jose.Algorithms, j.Alg):
		return nil, "", invalidClient("The client_assertion JWT signature algorithm is invalid.")
	}
	if rep := verifyWithClientKeys(j, cl.Keys); rep != nil {
		return nil, "", rep
	}
	tokenURL := c.base + tokenPath
	if !slices.ContainsFunc(j.Audiences(), func(a string) bool { return sameURL(a, tokenURL) }) {
		return nil, "", invalidClient("The audience claim for client_assertion must be the endpoint invoked for the request.")
	}
	exp, hasExp := j.NumericDate("exp")
	switch expires := time.Unix(exp, 0); {
	case !hasExp:
		return nil, "", invalidClient("The client_assertion must contain the 'exp' claim as seconds since epoch.")
	case !expires.After(c.now):
		return nil, "", invalidClient("The client_assertion token is expired.")
	case expires.After(c.now.Add(assertionMaxAhead + assertionSkew)):
		return nil, "", invalidClient("The client_assertion token has an expiration too far into the future.")
	}
	if iat, hasIat := j.NumericDate("iat"); hasIat && time.Unix(iat, 0).After(c.now.Add(assertionSkew)) {
		return nil, "", invalidClient("The client_assertion token must be issued before the current time.")
	}
	jti := j.String("jti")
	if jti != "" {
		if _, used := o.seenJTI["assertion:"+cl.ID+":"+jti]; used {
			return nil, "", invalidClient("The client_assertion token has already been used.")
		}
	}
	return cl, jti, nil
}

// verifyWithClientKeys checks the signature against the client's keys: the
// one named by kid, or, without a kid, any of them.
func verifyWithClientKeys(j *jose.JWS, keys []jose.Key) *reply {
	var candidates []jose.Key
	for _, k := range keys {
		if j.Kid == "" || k.KeyID == "" || k.KeyID == j.Kid {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return invalidClient("The client_assertion JWT kid is invalid.")
	}
	algOK := false
	for _, k := range candidates {
		err := j.Verify(k.Public)
		if err == nil {
			return nil
		}
		if !errors.Is(err, jose.ErrAlgorithm) {
			algOK = true
		}
	}
	if !algOK {
		return invalidClient("The client_assertion JWT signature algorithm is invalid.")
	}
	return invalidClient("The client_assertion signature is invalid.")
}

// grantedScopes is the requested scopes the client was granted, in the
// order requested. Okta issues a token for the granted ones and leaves the
// rest out (recorded in okta/okta-sdk-golang#145 and
// okta/terraform-provider-okta#2375: the token's scp holds only the
// granted scopes, and a call needing another is 403 insufficient_scope);
// when none is granted it refuses with invalid_scope.
func grantedScopes(cl *oauthClient, requested string) ([]string, *reply) {
	asked := strings.Fields(requested)
	if len(asked) == 0 {
		return nil, oauthError(http.StatusBadRequest, "invalid_scope", "No scopes were requested.")
	}
	var out []string
	for _, s := range asked {
		if slices.Contains(cl.Scopes, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, oauthError(http.StatusBadRequest, "invalid_scope",
			"The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner.")
	}
	return out, nil
}

// tokenProof checks the DPoP proof of a token request and returns the key
// thumbprint to bind the token to. Without a valid nonce the answer is
// use_dpop_nonce with a DPoP-Nonce header, as Okta's first answer is.
func (o *Org) tokenProof(c *call) (string, *reply) {
	proof, e := readDPoP(c.r, c.base+tokenPath, c.now)
	if e != nil {
		return "", oauthError(http.StatusBadRequest, e.code, e.description)
	}
	if !o.nonceValid(proof.nonce, c.now) {
		rep := oauthError(http.StatusBadRequest, errDPoPNonce.code, errDPoPNonce.description)
		rep.header.Set("DPoP-Nonce", o.dpopNonce(c.now))
		return "", rep
	}
	if e := o.spendProof(proof); e != nil {
		return "", oauthError(http.StatusBadRequest, e.code, e.description)
	}
	return proof.jkt, nil
}

// issueToken mints and records an access token: a JWT in the shape of the
// org authorization server's (ver, jti "AT.…", iss and aud the org, cid,
// scp, sub, cnf.jkt for DPoP), signed RS256.
func (o *Org) issueToken(c *call, cl *oauthClient, scopes []string, jkt string) string {
	claims := object{
		{"ver", 1},
		{"jti", "AT." + o.ids.random(43)},
		{"iss", c.base},
		{"aud", c.base},
		{"iat", c.now.Unix()},
		{"exp", c.now.Add(accessTokenLifetime).Unix()},
		{"cid", cl.ID},
		{"scp", scopes},
		{"sub", cl.ID},
	}
	if jkt != "" {
		claims = append(claims, member{"cnf", object{{"jkt", jkt}}})
	}
	token := signToken(claims)
	o.tokens[token] = &accessToken{client: cl, scopes: scopes, jkt: jkt, expires: c.now.Add(accessTokenLifetime)}
	return token
}

// The key the simulator signs access tokens with: one per process, made on
// first use (a 2048-bit RSA key takes a moment). Nothing outside the
// simulator needs to verify these tokens: it recognises its own by lookup.
var (
	signerOnce sync.Once
	signer     *rsa.PrivateKey
	signerKid  string
)

func signToken(claims object) string {
	signerOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic("oktatest: cannot make the token signing key: " + err.Error())
		}
		signer = k
		signerKid, _ = jose.Thumbprint(&k.PublicKey)
	})
	header, _ := json.Marshal(map[string]string{"kid": signerKid, "alg": "RS256"})
	payload, _ := encodeJSON(claims)
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, signer, crypto.SHA256, sum[:])
	if err != nil {
		panic("oktatest: signing an access token: " + err.Error())
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}
