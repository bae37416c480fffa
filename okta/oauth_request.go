package okta

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
)

// Authorizing each request: SSWS or the access token with its DPoP proof,
// Okta's DPoP nonce noted, and the one retry a nonce or an expired token
// calls for.

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
