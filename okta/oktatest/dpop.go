package oktatest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest/internal/jose"
)

// DPoP (RFC 9449) as Okta's org authorization server and Okta's resource
// server check it (developer docs, guides/dpop, "Okta resource server"):
// the proof is a JWT with typ dpop+jwt, an asymmetric alg, the public jwk
// in its header, and the claims htm, htu, iat and jti (plus nonce at the
// token endpoint, ath at a resource). Okta's nonce is renewed every 24
// hours and an old one keeps working for three days.
const (
	dpopMaxAge      = 5 * time.Minute // "issued more than five minutes in the past"
	dpopFutureSkew  = time.Minute     // tolerated clock skew for iat in the future
	dpopNoncePeriod = 24 * time.Hour
	dpopNonceValid  = 3 // periods a nonce is accepted: the current one and two before
)

// dpopProof is a verified DPoP proof.
type dpopProof struct {
	jkt   string // RFC 7638 thumbprint of the proof's key
	jti   string
	iat   time.Time
	nonce string
	ath   string
}

// errDPoP is a DPoP proof problem: the OAuth error code and description
// Okta answers with (data/oauth2-error-codes.json).
type errDPoP struct{ code, description string }

func (e *errDPoP) Error() string { return e.code + ": " + e.description }

func dpopErr(description string) *errDPoP {
	return &errDPoP{"invalid_dpop_proof", description}
}

var (
	errDPoPMissing  = dpopErr("The DPoP proof JWT header is missing.")
	errDPoPMultiple = dpopErr("Multiple DPoP proof JWT headers are not allowed.")
	errDPoPReused   = dpopErr("The DPoP proof JWT has already been used.")
	errDPoPNonce    = &errDPoP{"use_dpop_nonce", "Authorization server requires nonce in DPoP proof."}
)

// readDPoP verifies the DPoP header of r for method and target URL htu: its
// form, signature, htm, htu, iat and jti. It does not check the nonce, the
// ath or replay; the caller does, since they differ between the token
// endpoint and resources. A request without the header answers
// errDPoPMissing.
func readDPoP(r *http.Request, htu string, now time.Time) (*dpopProof, *errDPoP) {
	headers := r.Header.Values("DPoP")
	switch {
	case len(headers) == 0:
		return nil, errDPoPMissing
	case len(headers) > 1:
		return nil, errDPoPMultiple
	}
	j, err := jose.Parse(strings.TrimSpace(headers[0]))
	if err != nil {
		return nil, dpopErr("The DPoP proof JWT cannot be parsed.")
	}
	if j.Typ != "dpop+jwt" {
		return nil, dpopErr("'typ' must be 'dpop+jwt' in the DPoP proof JWT.")
	}
	if len(j.JWK) == 0 || strings.Contains(string(j.JWK), `"d"`) {
		return nil, dpopErr("The DPoP proof JWT is invalid.")
	}
	key, err := jose.ParseJWK(j.JWK)
	if err != nil {
		return nil, dpopErr("The DPoP proof JWT is invalid.")
	}
	switch err := j.Verify(key.Public); {
	case errors.Is(err, jose.ErrAlgorithm):
		return nil, dpopErr("The DPoP proof JWT signature algorithm is invalid.")
	case err != nil:
		return nil, dpopErr("The DPoP proof JWT signature is invalid.")
	}
	if j.String("htm") != r.Method {
		return nil, dpopErr("'htm' claim in the DPoP proof JWT is invalid.")
	}
	if !sameURL(j.String("htu"), htu) {
		return nil, dpopErr("'htu' claim in the DPoP proof JWT is invalid.")
	}
	iat, ok := j.NumericDate("iat")
	if !ok {
		return nil, dpopErr("'iat' claim in the DPoP proof JWT is invalid.")
	}
	issued := time.Unix(iat, 0)
	switch {
	case issued.After(now.Add(dpopFutureSkew)):
		return nil, dpopErr("The DPoP proof JWT is issued in the future.")
	case issued.Before(now.Add(-dpopMaxAge)):
		return nil, dpopErr("The DPoP proof JWT is issued more than five minutes in the past.")
	}
	jti := j.String("jti")
	if jti == "" {
		return nil, dpopErr("'jti' claim in the DPoP proof JWT is invalid.")
	}
	jkt, err := jose.Thumbprint(key.Public)
	if err != nil {
		return nil, dpopErr("The DPoP proof JWT is invalid.")
	}
	return &dpopProof{jkt: jkt, jti: jti, iat: issued, nonce: j.String("nonce"), ath: j.String("ath")}, nil
}

// sameURL compares htu with the request URL without query and fragment,
// ignoring the case of scheme and host and a default port.
func sameURL(htu, want string) bool {
	a, err1 := url.Parse(htu)
	b, err2 := url.Parse(want)
	if err1 != nil || err2 != nil || a.Host == "" {
		return false
	}
	norm := func(u *url.URL) string {
		scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
		host = strings.TrimSuffix(host, map[string]string{"http": ":80", "https": ":443"}[scheme])
		return scheme + "://" + host + u.EscapedPath()
	}
	return norm(a) == norm(b)
}

// spendProof records a proof's jti, refusing one used already. Proofs are
// kept until they are too old to be accepted anyway.
func (o *Org) spendProof(p *dpopProof) *errDPoP {
	o.pruneTokens(p.iat)
	key := "dpop:" + p.jkt + ":" + p.jti
	if _, used := o.seenJTI[key]; used {
		return errDPoPReused
	}
	o.seenJTI[key] = p.iat.Add(dpopMaxAge + dpopFutureSkew)
	return nil
}

// dpopNonce is the nonce of the 24-hour period holding t.
func (o *Org) dpopNonce(t time.Time) string {
	return o.nonceFor(t.Unix() / int64(dpopNoncePeriod/time.Second))
}

func (o *Org) nonceFor(period int64) string {
	m := hmac.New(sha256.New, o.nonceKey)
	m.Write([]byte(strconv.FormatInt(period, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:32]
}

// nonceValid accepts the current nonce and those of the two periods before.
func (o *Org) nonceValid(nonce string, now time.Time) bool {
	if nonce == "" {
		return false
	}
	period := now.Unix() / int64(dpopNoncePeriod/time.Second)
	for i := range int64(dpopNonceValid) {
		if hmac.Equal([]byte(nonce), []byte(o.nonceFor(period-i))) {
			return true
		}
	}
	return false
}

// tokenHash is the ath of an access token: base64url(SHA-256(token)).
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
