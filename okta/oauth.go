package okta

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

// accessToken returns a usable access token, fetching one (once for all callers) when needed.
func (c *Client) accessToken(ctx context.Context) (*accessToken, error) {
	o := c.oauth
	now := c.clk.Now()
	o.mu.Lock()
	cur := o.cur
	if cur != nil && now.Before(cur.usable) {
		if !now.Before(cur.refresh) && o.flight == nil && now.Sub(o.refreshFailed) > cur.lifetime/20 {
			c.startFetch(ctx)
		}
		o.mu.Unlock()
		return cur, nil
	}
	f := o.flight
	if f == nil {
		f = c.startFetch(ctx)
	}
	o.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, fmt.Errorf("okta: waiting for an OAuth access token: %w", ctx.Err())
	}
}

// startFetch runs one token request in the background, under o.mu. It does not end with the
// caller's ctx: other callers wait for the same answer (each with its own ctx).
func (c *Client) startFetch(ctx context.Context) *tokenFlight {
	o := c.oauth
	f := &tokenFlight{done: make(chan struct{})}
	o.flight = f
	go func() {
		tok, err := c.fetchToken(context.WithoutCancel(ctx))
		o.mu.Lock()
		if err == nil {
			o.cur = tok
		} else {
			o.refreshFailed = c.clk.Now()
		}
		o.flight = nil
		f.tok, f.err = tok, err
		o.mu.Unlock()
		close(f.done)
	}()
	return f
}

// dropToken forgets tok if it is still the current token (Okta refused it).
func (o *oauthState) dropToken(tok *accessToken) {
	o.mu.Lock()
	if o.cur == tok {
		o.cur = nil
	}
	o.mu.Unlock()
}

// tokenAnswer is the token endpoint's JSON.
type tokenAnswer struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
}

// fetchToken asks /oauth2/v1/token for a token (invariant 4 for the DPoP choice).
func (c *Client) fetchToken(ctx context.Context) (*accessToken, error) {
	o := c.oauth
	var firstErr error
	for flips := 0; ; flips++ {
		var ans tokenAnswer
		_, err := c.call(ctx, &request{method: http.MethodPost, path: tokenPath, token: true}, &ans)
		if err == nil {
			return c.newAccessToken(ans)
		}
		if firstErr == nil {
			firstErr = err
		}
		if oe := oauthError(err); oe == nil || oe.Code != "invalid_dpop_proof" || flips > 0 || !o.flipProofs() {
			return nil, firstErr
		}
		c.log.Info("okta: the token endpoint refused the DPoP choice; trying the other", "dpop", o.proofsOn())
	}
}

// flipProofs switches whether token requests carry DPoP proofs. It makes an in-memory DPoP
// key when proofs are wanted and none was configured.
func (o *oauthState) flipProofs() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.sendProofs && o.dpop == nil {
		k, err := NewDPoPKey()
		if err != nil {
			return false
		}
		s, _, err := ParsePrivateKey(k)
		if err != nil || o.setDPoPKey(s) != nil {
			return false
		}
	}
	o.sendProofs = !o.sendProofs
	o.asNonce = ""
	return true
}

func (o *oauthState) proofsOn() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sendProofs
}

func (c *Client) newAccessToken(ans tokenAnswer) (*accessToken, error) {
	if ans.AccessToken == "" {
		return nil, errors.New("okta: the token endpoint answered without an access_token")
	}
	t := &accessToken{value: secret{ans.AccessToken}, scopes: strings.Fields(ans.Scope)}
	switch {
	case strings.EqualFold(ans.TokenType, "DPoP"):
		t.dpop = true
		o := c.oauth
		o.mu.Lock()
		haveKey := o.dpop != nil
		o.mu.Unlock()
		if !haveKey {
			return nil, errors.New("okta: the token endpoint issued a DPoP token to a request without a DPoP proof")
		}
	case strings.EqualFold(ans.TokenType, "Bearer"):
	default:
		return nil, fmt.Errorf("okta: the token endpoint issued a token of type %q; expected Bearer or DPoP", ans.TokenType)
	}
	if len(t.scopes) == 0 {
		t.scopes = slices.Clone(c.oauth.scopes)
	}
	life := time.Duration(ans.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Hour // Okta's tokens for service apps live one hour
	}
	now := c.clk.Now()
	t.lifetime = life
	t.usable = now.Add(life - min(15*time.Second, life/10))
	t.refresh = now.Add(life - min(2*time.Minute, life/5))
	return t, nil
}

// tokenForm is the body of one token request, with a fresh assertion (invariant 2).
func (c *Client) tokenForm() (url.Values, error) {
	o := c.oauth
	now := c.lim.serverNow(c.clk.Now())
	header := map[string]any{"typ": "JWT"}
	if o.key.kid != "" {
		header["kid"] = o.key.kid
	}
	assertion, err := o.key.sign(header, map[string]any{
		"iss": o.clientID, "sub": o.clientID, "aud": o.aud,
		"iat": now.Unix(), "exp": now.Add(assertionTTL).Unix(), "jti": newJTI(),
	})
	if err != nil {
		return nil, err
	}
	return url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {strings.Join(o.scopes, " ")},
		"client_assertion_type": {assertionType},
		"client_assertion":      {assertion},
	}, nil
}

// authorize sets the auth headers of one attempt: SSWS, or the access token (with a DPoP
// proof for a DPoP token), or for a token request only the DPoP proof if proofs are on.
func (c *Client) authorize(req *http.Request, tokenReq bool, tok *accessToken) error {
	switch {
	case c.oauth == nil:
		req.Header.Set("Authorization", "SSWS "+c.token.v)
		return nil
	case tokenReq:
		proof, err := c.proof(req, "", true)
		if err != nil || proof == "" {
			return err
		}
		req.Header.Set("DPoP", proof)
		return nil
	case tok.dpop:
		proof, err := c.proof(req, tok.value.v, false)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "DPoP "+tok.value.v)
		req.Header.Set("DPoP", proof)
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+tok.value.v)
	return nil
}

// proof makes the DPoP proof for req: htm, htu (without query and fragment), iat on the
// estimated server clock, a fresh jti, ath for an access token, and the server's nonce.
// For a token request with proofs off it returns "".
func (c *Client) proof(req *http.Request, token string, tokenReq bool) (string, error) {
	o := c.oauth
	o.mu.Lock()
	key, jwk, nonce := o.dpop, o.dpopJWK, o.rsNonce
	if tokenReq {
		nonce = o.asNonce
		if !o.sendProofs {
			key = nil
		}
	}
	o.mu.Unlock()
	if key == nil {
		if tokenReq {
			return "", nil
		}
		return "", errors.New("okta: a DPoP token needs a DPoP key, and this client has none")
	}
	u := *req.URL
	htu := u.Scheme + "://" + u.Host + u.EscapedPath()
	claims := map[string]any{
		"jti": newJTI(), "htm": req.Method, "htu": htu, "iat": c.lim.serverNow(c.clk.Now()).Unix(),
	}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		claims["ath"] = b64url(sum[:])
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	return key.sign(map[string]any{"typ": "dpop+jwt", "jwk": jwk}, claims)
}

// noteNonce keeps a DPoP-Nonce header from any answer of the server it came from.
func (o *oauthState) noteNonce(tokenReq bool, h http.Header) {
	n := h.Get("DPoP-Nonce")
	if n == "" {
		return
	}
	o.mu.Lock()
	if tokenReq {
		o.asNonce = n
	} else {
		o.rsNonce = n
	}
	o.mu.Unlock()
}

// retryAtOnce decides whether a refused answer under OAuth is worth one more attempt right
// away: a use_dpop_nonce challenge that came with a nonce (invariant 3), or a resource
// server's verdict that the access token is invalid (it was revoked or expired early: the
// token is dropped and a new one fetched, once per call).
func (c *Client) retryAtOnce(tokenReq bool, resp *response, tok *accessToken, nonceRetries, tokenRetries *int) bool {
	nonce := resp.header.Get("DPoP-Nonce") != ""
	if tokenReq {
		var body struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(resp.body, &body)
		if body.Error == "use_dpop_nonce" && nonce && *nonceRetries < maxNonceRetries {
			*nonceRetries++
			return true
		}
		return false
	}
	if resp.status != http.StatusUnauthorized || tok == nil {
		return false
	}
	ch, _ := authError(resp.header)
	switch {
	case ch.params["error"] == "use_dpop_nonce" && nonce && tok.dpop && *nonceRetries < maxNonceRetries:
		*nonceRetries++
		return true
	case (ch.params["error"] == "invalid_token" || apiCode(resp.body) == CodeInvalidToken) && *tokenRetries == 0:
		*tokenRetries++
		c.oauth.dropToken(tok)
		return true
	}
	return false
}

// apiCode reads an Okta error body's errorCode ("" for other bodies).
func apiCode(body []byte) string {
	var b struct {
		Code string `json:"errorCode"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Code
}
