package jose

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
	"errors"
	"strings"
	"sync"
	"testing"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testRSA(t *testing.T) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

func testEC(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sign makes a compact JWS, as a client would.
func sign(t *testing.T, alg string, key crypto.Signer, header, claims map[string]any) string {
	t.Helper()
	header["alg"] = alg
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
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
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func pemOf(t *testing.T, typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParseKeysForms(t *testing.T) {
	rk := testRSA(t)
	ek := testEC(t, elliptic.P256())
	pkix, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ek)
	ecDER, _ := x509.MarshalECPrivateKey(ek)
	n := base64.RawURLEncoding.EncodeToString(rk.N.Bytes())
	forms := map[string][]byte{
		"PKIX PEM":        pemOf(t, "PUBLIC KEY", pkix),
		"PKCS#1 public":   pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rk.PublicKey)),
		"PKCS#1 private":  pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)),
		"PKCS#8 private":  pemOf(t, "PRIVATE KEY", pkcs8),
		"SEC1 EC private": pemOf(t, "EC PRIVATE KEY", ecDER),
		"RSA JWK":         []byte(`{"kty":"RSA","kid":"k1","alg":"RS256","e":"AQAB","n":"` + n + `"}`),
		"JWK Set":         []byte(`{"keys":[{"kty":"RSA","kid":"k1","e":"AQAB","n":"` + n + `"}]}`),
	}
	for name, data := range forms {
		keys, err := ParseKeys(data)
		if err != nil || len(keys) != 1 {
			t.Errorf("%s: %v %v", name, keys, err)
		}
	}
	bad := map[string]string{
		"":                       "empty",
		"hello":                  "PEM block",
		`{"kty":"oct","k":"AA"}`: "unsupported JWK kty",
		`{"keys":[]}`:            "holds no key",
		`{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}`:     "not on the curve",
		`{"kty":"RSA","e":"AQAB","n":"AQAB"}`:              "at least 2048",
		string(pemOf(t, "CERTIFICATE REQUEST", []byte{1})): "is not a key",
	}
	for in, want := range bad {
		if _, err := ParseKeys([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKeys(%.30q) = %v, want an error saying %q", in, err, want)
		}
	}
}

func TestVerify(t *testing.T) {
	rk := testRSA(t)
	keys := map[string]crypto.Signer{
		"RS256": rk, "RS384": rk, "RS512": rk,
		"ES256": testEC(t, elliptic.P256()), "ES384": testEC(t, elliptic.P384()), "ES512": testEC(t, elliptic.P521()),
	}
	for alg, key := range keys {
		tok := sign(t, alg, key, map[string]any{"kid": "k"}, map[string]any{"iss": "me", "exp": 1700000000})
		j, err := Parse(tok)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if err := j.Verify(key.Public()); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
		if exp, ok := j.NumericDate("exp"); !ok || exp != 1700000000 || j.String("iss") != "me" || j.Kid != "k" {
			t.Errorf("%s claims %v", alg, j.Claims)
		}
		// A changed payload no longer verifies.
		parts := strings.Split(tok, ".")
		forged, _ := Parse(parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"you"}`)) + "." + parts[2])
		if err := forged.Verify(key.Public()); !errors.Is(err, ErrSignature) {
			t.Errorf("%s forged: %v", alg, err)
		}
	}
	// The wrong key type or curve for the algorithm, or none/HS256, is refused.
	tok := sign(t, "ES256", keys["ES256"], map[string]any{}, map[string]any{})
	j, _ := Parse(tok)
	if err := j.Verify(keys["ES384"].Public()); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("ES256 with a P-384 key: %v", err)
	}
	if err := j.Verify(rk.Public()); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("ES256 with an RSA key: %v", err)
	}
	for _, alg := range []string{"none", "HS256"} {
		j.Alg = alg
		if err := j.Verify(rk.Public()); !errors.Is(err, ErrAlgorithm) {
			t.Errorf("%s: %v", alg, err)
		}
	}
	for _, bad := range []string{"a.b", "a.b.c.d", "!!.e30.", base64.RawURLEncoding.EncodeToString([]byte(`{}`)) + ".e30.", strings.Repeat("a", maxToken+1)} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%.20q) accepted", bad)
		}
	}
}

// TestThumbprint checks the RFC 7638 §3.1 example.
func TestThumbprint(t *testing.T) {
	const n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	keys, err := ParseKeys([]byte(`{"kty":"RSA","e":"AQAB","alg":"RS256","kid":"2011-04-29","n":"` + n + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Thumbprint(keys[0].Public)
	if err != nil || got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Errorf("thumbprint %q %v", got, err)
	}
	// An EC thumbprint hashes crv, kty, x, y in that order.
	ek := testEC(t, elliptic.P256())
	size := 32
	x := make([]byte, size)
	y := make([]byte, size)
	ek.X.FillBytes(x)
	ek.Y.FillBytes(y)
	want := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + base64.RawURLEncoding.EncodeToString(x) + `","y":"` + base64.RawURLEncoding.EncodeToString(y) + `"}`))
	if got, _ := Thumbprint(&ek.PublicKey); got != base64.RawURLEncoding.EncodeToString(want[:]) {
		t.Errorf("EC thumbprint %q", got)
	}
}
