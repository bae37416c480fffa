package oktatest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// A client written for these tests from Okta's documentation: it signs
// client assertions and DPoP proofs the way a service app does.

var (
	testRSAOnce sync.Once
	testRSAKey  *rsa.PrivateKey
)

func rsaTestKey() *rsa.PrivateKey {
	testRSAOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testRSAKey = k
	})
	return testRSAKey
}

func ecTestKey(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func publicPEM(t *testing.T, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// publicJWK is the JWK of a public key.
func publicJWK(key crypto.Signer) map[string]any {
	switch k := key.Public().(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "e": b64url(big.NewInt(int64(k.E)).Bytes()), "n": b64url(k.N.Bytes())}
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		raw, _ := k.Bytes()
		return map[string]any{"kty": "EC", "crv": k.Curve.Params().Name, "x": b64url(raw[1 : 1+size]), "y": b64url(raw[1+size:])}
	}
	panic("unsupported key")
}

// signJWT makes a compact JWS with alg.
func signJWT(t *testing.T, alg string, key crypto.Signer, header, claims map[string]any) string {
	t.Helper()
	header["alg"] = alg
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := b64url(h) + "." + b64url(c)
	hash := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}[alg[2:]]
	d := hash.New()
	d.Write([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		s, err := rsa.SignPKCS1v15(rand.Reader, k, hash, d.Sum(nil))
		if err != nil {
			t.Fatal(err)
		}
		sig = s
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, d.Sum(nil))
		if err != nil {
			t.Fatal(err)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		sig = make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
	}
	return input + "." + b64url(sig)
}

var jtiCounter struct {
	sync.Mutex
	n int
}

func newJTI() string {
	jtiCounter.Lock()
	defer jtiCounter.Unlock()
	jtiCounter.n++
	return "jti-" + strings.Repeat("x", 4) + "-" + big.NewInt(int64(jtiCounter.n)).String()
}

// assertionClaims are the claims of a valid client assertion for the org.
func (o *testOrg) assertionClaims(clientID string) map[string]any {
	now := o.clock.now().Unix()
	return map[string]any{"iss": clientID, "sub": clientID, "aud": o.srv.URL + "/oauth2/v1/token", "iat": now, "exp": now + 300, "jti": newJTI()}
}

// tokenForm is a client_credentials request with an assertion.
func tokenForm(assertion, scope string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {scope},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
}

// postToken sends a token request, with a DPoP proof when dpop is not "".
func (o *testOrg) postToken(form url.Values, dpop string) response {
	o.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, o.srv.URL+"/oauth2/v1/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	return o.send(req)
}

// send performs req and reads the response.
func (o *testOrg) send(req *http.Request) response {
	o.t.Helper()
	resp, err := o.srv.Client().Do(req)
	if err != nil {
		o.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: []byte(b.String())}
}

// proof is a DPoP proof for method and URL, with the given nonce and
// access token ("" for none).
func (o *testOrg) proof(key crypto.Signer, alg, method, htu, nonce, accessToken string) string {
	claims := map[string]any{"htm": method, "htu": htu, "iat": o.clock.now().Unix(), "jti": newJTI()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = b64url(sum[:])
	}
	return signJWT(o.t, alg, key, map[string]any{"typ": "dpop+jwt", "jwk": publicJWK(key)}, claims)
}

// doToken sends an API request with an access token, the DPoP scheme and a
// fresh proof when dpopKey is set.
func (o *testOrg) doToken(method, path, body, token string, dpopKey crypto.Signer) response {
	o.t.Helper()
	req, _ := http.NewRequest(method, o.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if dpopKey != nil {
		req.Header.Set("Authorization", "DPoP "+token)
		u, _ := url.Parse(o.srv.URL + path)
		u.RawQuery = ""
		req.Header.Set("DPoP", o.proof(dpopKey, "ES256", method, u.String(), "", token))
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return o.send(req)
}

// oauthErr checks an OAuth error body.
func oauthErr(t *testing.T, r response, status int, code, description string) {
	t.Helper()
	mustStatus(t, r, status)
	e := r.object(t)
	if e["error"] != code || e["error_description"] != description {
		t.Errorf("error %v %q, want %s %q", e["error"], e["error_description"], code, description)
	}
}

// wwwAuth checks a resource server refusal: no body and a WWW-Authenticate
// header with the error, its description and (when given) the scope.
func wwwAuth(t *testing.T, r response, status int, scheme, code, description, scope string) {
	t.Helper()
	mustStatus(t, r, status)
	h := r.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(h, scheme+" ") || !strings.Contains(h, `error="`+code+`"`) || !strings.Contains(h, `error_description="`+description+`"`) {
		t.Errorf("WWW-Authenticate %q, want %s error=%q error_description=%q", h, scheme, code, description)
	}
	if scope != "" && !strings.Contains(h, `scope="`+scope+`"`) {
		t.Errorf("WWW-Authenticate %q does not name scope %s", h, scope)
	}
	if len(r.body) != 0 {
		t.Errorf("body %q, want none", r.body)
	}
}

// tokenClaims decodes an access token's payload.
func tokenClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("access token %q is not a JWT", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
