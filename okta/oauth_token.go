package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Getting the access token of a service app: one fetch at a time for all
// callers, the client assertion (private_key_jwt) in the token form, and
// the granted scopes read from the answer (the ones asked for when it names none).

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
