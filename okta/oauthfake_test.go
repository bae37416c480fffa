package okta

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeOrg is an Okta org authorization server and resource server for the client's OAuth
// tests, written from Okta's service-app and DPoP guides and RFC 7523/9449 rather than from
// the client: it verifies every signature with the registered public key (or the proof's
// jwk), checks each claim, refuses a replayed jti, and answers the way Okta's docs show.
type fakeOrg struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex

	clientID  string
	pub       crypto.PublicKey
	kid       string // registered key id; "" accepts any
	granted   []string
	dpop      string // "required", "optional" (bound when a proof comes), "refused" (proofs rejected)
	asNonce   string // when set, token proofs must carry it (use_dpop_nonce otherwise)
	rsNonce   string // when set, resource proofs must carry it
	lifetime  int64  // expires_in
	now       func() time.Time
	failFirst int // answer this many token requests with 503 first

	jtis       map[string]bool
	tokens     map[string]fakeToken
	tokenCalls int
	apiCalls   int
	lastForm   map[string]string
	lastAssert map[string]any
	lastHeader map[string]any
	proofs     []map[string]any // claims of every accepted proof
	authz      []string         // Authorization headers of resource requests
	errs       []string         // protocol violations seen (a test fails on any)
	// resource answers for a path (default: a one-user list)
	answer func(w http.ResponseWriter, r *http.Request) bool
}

type fakeToken struct {
	scopes  []string
	jkt     crypto.PublicKey // DPoP binding; nil: Bearer
	expires time.Time
	revoked bool
}

func newFakeOrg(t *testing.T, clientID string, pub crypto.PublicKey, granted ...string) *fakeOrg {
	f := &fakeOrg{t: t, clientID: clientID, pub: pub, granted: granted, dpop: "optional", lifetime: 3600,
		now: time.Now, jtis: map[string]bool{}, tokens: map[string]fakeToken{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, e := range f.errs {
			t.Errorf("fake org saw a protocol violation: %s", e)
		}
	})
	return f
}

func (f *fakeOrg) violation(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *fakeOrg) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Date", f.now().UTC().Format(http.TimeFormat))
	w.Header().Set("X-Okta-Request-Id", fmt.Sprint("req-", f.tokenCalls+f.apiCalls))
	if r.URL.Path == "/oauth2/v1/token" {
		f.token(w, r)
		return
	}
	f.resource(w, r)
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, fmt.Sprintf(`{"error":%q,"error_description":%q}`, code, desc))
}

func (f *fakeOrg) token(w http.ResponseWriter, r *http.Request) {
	f.tokenCalls++
	if f.failFirst > 0 {
		f.failFirst--
		writeJSON(w, 503, okta("E0000009"))
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		f.violation("token request %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
	}
	if r.Header.Get("Authorization") != "" {
		f.violation("token request carries an Authorization header")
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(w, 400, "invalid_request", "bad form")
		return
	}
	f.lastForm = map[string]string{}
	for k := range r.PostForm {
		f.lastForm[k] = r.PostForm.Get(k)
	}
	if f.lastForm["grant_type"] != "client_credentials" || f.lastForm["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		f.violation("token form %v", f.lastForm)
		oauthErr(w, 400, "invalid_request", "grant_type or client_assertion_type")
		return
	}
	hdr, claims, err := verifyJWS(f.lastForm["client_assertion"], func(h map[string]any) (crypto.PublicKey, error) { return f.pub, nil })
	if err != nil {
		oauthErr(w, 401, "invalid_client", "The client_assertion signature is invalid.")
		return
	}
	f.lastAssert, f.lastHeader = claims, hdr
	if kid, _ := hdr["kid"].(string); f.kid != "" && kid != f.kid {
		oauthErr(w, 401, "invalid_client", "The client_assertion JWT kid is invalid.")
		return
	}
	iat, exp := num(claims["iat"]), num(claims["exp"])
	now := f.now().Unix()
	switch {
	case claims["iss"] != f.clientID || claims["sub"] != f.clientID:
		oauthErr(w, 401, "invalid_client", "Invalid value for 'client_id' parameter.")
		return
	case claims["aud"] != f.srv.URL+"/oauth2/v1/token":
		oauthErr(w, 401, "invalid_client", "The audience claim for client_assertion must be the endpoint invoked for the request.")
		return
	case exp <= now || exp-iat > 300 || iat > now+60:
		f.violation("assertion times iat %d exp %d at %d", iat, exp, now)
		oauthErr(w, 401, "invalid_client", "The client_assertion token is expired.")
		return
	}
	jti, _ := claims["jti"].(string)
	if jti == "" || f.jtis[jti] {
		f.violation("assertion jti %q missing or reused", jti)
		oauthErr(w, 401, "invalid_client", "The client_assertion token has already been used.")
		return
	}
	f.jtis[jti] = true

	var bound crypto.PublicKey
	proof := r.Header.Get("DPoP")
	switch {
	case proof == "" && f.dpop == "required":
		oauthErr(w, 400, "invalid_dpop_proof", "The DPoP proof JWT header is missing.")
		return
	case proof != "" && f.dpop == "refused":
		oauthErr(w, 400, "invalid_dpop_proof", "DPoP proof JWT is not allowed for this client.")
		return
	case proof != "":
		key, pc, err := f.checkProof(proof, r, "")
		if err != nil {
			oauthErr(w, 400, "invalid_dpop_proof", err.Error())
			return
		}
		if f.asNonce != "" && pc["nonce"] != f.asNonce {
			w.Header().Set("DPoP-Nonce", f.asNonce)
			oauthErr(w, 400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
			return
		}
		bound = key
	}
	requested := strings.Fields(f.lastForm["scope"])
	var missing []string
	for _, s := range requested {
		if !slices.Contains(f.granted, s) {
			missing = append(missing, s)
		}
	}
	if len(requested) == 0 || len(missing) > 0 {
		oauthErr(w, 400, "invalid_scope", "The following scopes are not allowed: "+strings.Join(missing, ", "))
		return
	}
	value := "at." + newJTI()
	f.tokens[value] = fakeToken{scopes: requested, jkt: bound, expires: f.now().Add(time.Duration(f.lifetime) * time.Second)}
	typ := "Bearer"
	if bound != nil {
		typ = "DPoP"
		if f.asNonce != "" {
			w.Header().Set("DPoP-Nonce", f.asNonce)
		}
	}
	writeJSON(w, 200, fmt.Sprintf(`{"token_type":%q,"expires_in":%d,"access_token":%q,"scope":%q}`, typ, f.lifetime, value, strings.Join(requested, " ")))
}

// checkProof verifies a DPoP proof for request r (token: the access token for ath, "" at
// the token endpoint) and returns its key and claims.
func (f *fakeOrg) checkProof(proof string, r *http.Request, token string) (crypto.PublicKey, map[string]any, error) {
	var key crypto.PublicKey
	hdr, claims, err := verifyJWS(proof, func(h map[string]any) (crypto.PublicKey, error) {
		if h["typ"] != "dpop+jwt" {
			return nil, errors.New("typ is not dpop+jwt")
		}
		k, err := jwkPublic(h["jwk"])
		key = k
		return k, err
	})
	if err != nil {
		return nil, nil, err
	}
	if jwk, _ := hdr["jwk"].(map[string]any); jwk["d"] != nil {
		f.violation("DPoP jwk header holds the private key")
	}
	htu := "http://" + r.Host + r.URL.EscapedPath()
	switch {
	case claims["htm"] != r.Method:
		return nil, nil, fmt.Errorf("'htm' claim %v is invalid", claims["htm"])
	case claims["htu"] != htu:
		f.violation("htu %v; want %s", claims["htu"], htu)
		return nil, nil, errors.New("'htu' claim in the DPoP proof JWT is invalid.")
	case abs(num(claims["iat"])-f.now().Unix()) > 60:
		return nil, nil, errors.New("'iat' claim is out of range")
	}
	jti, _ := claims["jti"].(string)
	if jti == "" || f.jtis[jti] {
		f.violation("proof jti %q missing or reused", jti)
		return nil, nil, errors.New("'jti' claim reused")
	}
	f.jtis[jti] = true
	ath, hasAth := claims["ath"]
	if token == "" && hasAth {
		f.violation("token-endpoint proof carries ath")
	}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		if ath != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return nil, nil, errors.New("'ath' claim is invalid")
		}
	}
	f.proofs = append(f.proofs, claims)
	return key, claims, nil
}

// fakeScopes is the fake's own table of what its endpoints need.
var fakeScopes = map[string]string{
	"GET /api/v1/users": "okta.users.read", "POST /api/v1/users": "okta.users.manage",
	"GET /api/v1/groups": "okta.groups.read", "GET /api/v1/logs": "okta.logs.read",
	"GET /api/v1/meta/schemas/user/default": "okta.schemas.read",
}

func (f *fakeOrg) resource(w http.ResponseWriter, r *http.Request) {
	f.apiCalls++
	authz := r.Header.Get("Authorization")
	f.authz = append(f.authz, authz)
	scheme, value, _ := strings.Cut(authz, " ")
	tok, ok := f.tokens[value]
	challenge := func(status int, sch, params string) {
		w.Header().Set("WWW-Authenticate", sch+` authorization_uri="`+f.srv.URL+`/oauth2/v1/authorize", realm="`+f.srv.URL+`", `+params+`, resource="`+r.URL.Path+`"`)
		w.WriteHeader(status)
	}
	switch {
	case !ok || tok.revoked || !f.now().Before(tok.expires):
		challenge(401, "Bearer", `error="invalid_token", error_description="The access token is invalid."`)
		return
	case tok.jkt == nil && scheme != "Bearer", tok.jkt != nil && scheme != "DPoP":
		f.violation("Authorization scheme %q for a token of binding %v", scheme, tok.jkt != nil)
		challenge(401, "Bearer", `error="invalid_token", error_description="scheme"`)
		return
	case tok.jkt != nil:
		key, pc, err := f.checkProof(r.Header.Get("DPoP"), r, value)
		if err != nil {
			challenge(400, "DPoP", `error="invalid_dpop_proof", error_description="`+err.Error()+`"`)
			return
		}
		if !key.(interface{ Equal(crypto.PublicKey) bool }).Equal(tok.jkt) {
			challenge(401, "DPoP", `error="invalid_dpop_proof", error_description="key"`)
			return
		}
		if f.rsNonce != "" && pc["nonce"] != f.rsNonce {
			w.Header().Set("DPoP-Nonce", f.rsNonce)
			challenge(401, "DPoP", `algs="RS256 ES256", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof."`)
			return
		}
	}
	if need := fakeScopes[r.Method+" "+r.URL.Path]; need != "" && !slices.Contains(tok.scopes, need) {
		challenge(403, "Bearer", `scope="`+need+`", error="insufficient_scope", error_description="The access token provided does not contain the required scopes."`)
		return
	}
	if f.answer != nil && f.answer(w, r) {
		return
	}
	writeJSON(w, 200, `[{"id":"00u1","status":"ACTIVE","profile":{"login":"a@example.com"}}]`)
}

// verifyJWS checks a compact JWS with the key keyFor picks and returns header and claims.
func verifyJWS(jws string, keyFor func(map[string]any) (crypto.PublicKey, error)) (map[string]any, map[string]any, error) {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, nil, errors.New("not a compact JWS")
	}
	var hdr, claims map[string]any
	for i, dst := range []*map[string]any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(b, dst); err != nil {
			return nil, nil, err
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, nil, err
	}
	key, err := keyFor(hdr)
	if err != nil {
		return nil, nil, err
	}
	input := []byte(parts[0] + "." + parts[1])
	alg, _ := hdr["alg"].(string)
	switch k := key.(type) {
	case *rsa.PublicKey:
		if alg != "RS256" {
			return nil, nil, fmt.Errorf("alg %s for an RSA key", alg)
		}
		d := sha256.Sum256(input)
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, d[:], sig); err != nil {
			return nil, nil, err
		}
	case *ecdsa.PublicKey:
		var digest []byte
		want := map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[k.Curve.Params().Name]
		if alg != want {
			return nil, nil, fmt.Errorf("alg %s for curve %s", alg, k.Curve.Params().Name)
		}
		switch alg {
		case "ES256":
			d := sha256.Sum256(input)
			digest = d[:]
		case "ES384":
			d := sha512.Sum384(input)
			digest = d[:]
		case "ES512":
			d := sha512.Sum512(input)
			digest = d[:]
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return nil, nil, fmt.Errorf("ES signature of %d bytes; want %d", len(sig), 2*size)
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest, r, s) {
			return nil, nil, errors.New("bad signature")
		}
	default:
		return nil, nil, fmt.Errorf("key type %T", key)
	}
	return hdr, claims, nil
}

func jwkPublic(v any) (crypto.PublicKey, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("no jwk header")
	}
	dec := func(name string) []byte {
		s, _ := m[name].(string)
		b, _ := base64.RawURLEncoding.DecodeString(s)
		return b
	}
	switch m["kty"] {
	case "RSA":
		return &rsa.PublicKey{N: new(big.Int).SetBytes(dec("n")), E: int(new(big.Int).SetBytes(dec("e")).Int64())}, nil
	case "EC":
		curve := map[any]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}[m["crv"]]
		if curve == nil {
			return nil, errors.New("crv")
		}
		return ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, dec("x")...), dec("y")...))
	}
	return nil, errors.New("kty")
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
