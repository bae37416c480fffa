package okta

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
)

var (
	testRSAOnce sync.Once
	testRSA     *rsa.PrivateKey
)

// rsaKey is one 2048-bit key for the whole package (generating them is slow).
func rsaKey(t testing.TB) *rsa.PrivateKey {
	testRSAOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testRSA = k
	})
	return testRSA
}

func ecKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8(t testing.TB, k any) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("PRIVATE KEY", der)
}

func b64i(i *big.Int) string { return base64.RawURLEncoding.EncodeToString(i.Bytes()) }

// privateJWK encodes k as a private JWK with kid (what Okta's key generator shows once).
func privateJWK(t testing.TB, k crypto.Signer, kid string) []byte {
	m := map[string]any{"kid": kid, "use": "sig"}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		m["kty"], m["alg"] = "RSA", "RS256"
		m["n"], m["e"], m["d"] = b64i(k.N), b64i(big.NewInt(int64(k.E))), b64i(k.D)
		m["p"], m["q"] = b64i(k.Primes[0]), b64i(k.Primes[1])
		m["dp"], m["dq"], m["qi"] = b64i(k.Precomputed.Dp), b64i(k.Precomputed.Dq), b64i(k.Precomputed.Qinv)
	case *ecdsa.PrivateKey:
		pub, _ := publicJWK(k)
		d, _ := k.Bytes()
		m["kty"], m["crv"], m["x"], m["y"], m["d"] = "EC", pub.Crv, pub.X, pub.Y, base64.RawURLEncoding.EncodeToString(d)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePrivateKeyFormats(t *testing.T) {
	rk := rsaKey(t)
	p256, p384, p521 := ecKey(t, elliptic.P256()), ecKey(t, elliptic.P384()), ecKey(t, elliptic.P521())
	sec1 := func(k *ecdsa.PrivateKey) []byte {
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pemOf("EC PRIVATE KEY", der)
	}
	jwks, _ := json.Marshal(map[string]any{"keys": []json.RawMessage{privateJWK(t, p256, "k-set")}})
	for _, tc := range []struct {
		name string
		data []byte
		want crypto.Signer
		kid  string
		alg  string
	}{
		{"PKCS#1 RSA", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), rk, "", "RS256"},
		{"PKCS#8 RSA", pkcs8(t, rk), rk, "", "RS256"},
		{"SEC1 P-256", sec1(p256), p256, "", "ES256"},
		{"PKCS#8 P-256", pkcs8(t, p256), p256, "", "ES256"},
		{"SEC1 P-384", sec1(p384), p384, "", "ES384"},
		{"PKCS#8 P-384", pkcs8(t, p384), p384, "", "ES384"},
		{"PKCS#8 P-521", pkcs8(t, p521), p521, "", "ES512"},
		{"JWK RSA", privateJWK(t, rk, "rsa-1"), rk, "rsa-1", "RS256"},
		{"JWK P-256", privateJWK(t, p256, "ec-1"), p256, "ec-1", "ES256"},
		{"JWK P-384 padded", append([]byte("\n  "), privateJWK(t, p384, "")...), p384, "", "ES384"},
		{"JWK Set of one", jwks, p256, "k-set", "ES256"},
		{"PEM with text around", append([]byte("Okta key:\n"), pkcs8(t, rk)...), rk, "", "RS256"},
	} {
		s, kid, err := ParsePrivateKey(tc.data)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		eq, _ := s.(interface{ Equal(crypto.PrivateKey) bool })
		if eq == nil || !eq.Equal(tc.want) || kid != tc.kid {
			t.Errorf("%s: got another key or kid %q (want %q)", tc.name, kid, tc.kid)
		}
		if k, err := newSigningKey(s, kid); err != nil || k.alg != tc.alg {
			t.Errorf("%s: alg %v, %v; want %s", tc.name, k, err, tc.alg)
		}
	}
}

func TestParsePrivateKeyRejects(t *testing.T) {
	rk := rsaKey(t)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p224 := ecKey(t, elliptic.P224())
	p224der, _ := x509.MarshalECPrivateKey(p224)
	pubDER, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	pubJWK := privateJWK(t, rk, "k")
	var pj map[string]any
	_ = json.Unmarshal(pubJWK, &pj)
	delete(pj, "d")
	pubJWK, _ = json.Marshal(pj)
	noPrimes := map[string]any{}
	_ = json.Unmarshal(privateJWK(t, rk, "k"), &noPrimes)
	delete(noPrimes, "p")
	delete(noPrimes, "q")
	np, _ := json.Marshal(noPrimes)
	badEC := map[string]any{}
	_ = json.Unmarshal(privateJWK(t, ecKey(t, elliptic.P256()), "k"), &badEC)
	badEC["x"] = badEC["y"]
	be, _ := json.Marshal(badEC)
	encrypted := "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "  \n", "empty"},
		{"garbage", "not a key at all", "neither PEM"},
		{"damaged PEM", "-----BEGIN PRIVATE KEY-----\n@@@@\n-----END PRIVATE KEY-----", "damaged"},
		{"public PEM", string(pemOf("PUBLIC KEY", pubDER)), "public key"},
		{"certificate", string(pemOf("CERTIFICATE", []byte{1})), "certificate"},
		{"encrypted legacy PEM", encrypted, "encrypted"},
		{"encrypted PKCS#8", string(pemOf("ENCRYPTED PRIVATE KEY", []byte{1, 2})), "encrypted"},
		{"garbage DER", string(pemOf("PRIVATE KEY", []byte("xxxx"))), "does not parse"},
		{"unsupported curve", string(pemOf("EC PRIVATE KEY", p224der)), "curve"},
		{"short RSA", string(pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small))), "at least 2048"},
		{"public JWK", string(pubJWK), "public key"},
		{"JWK without primes", string(np), "primes"},
		{"JWK bad curve", `{"kty":"EC","crv":"P-224","d":"AA"}`, "curve"},
		{"JWK secp256k1", `{"kty":"EC","crv":"secp256k1","d":"AA"}`, "curve"},
		{"JWK OKP", `{"kty":"OKP","crv":"Ed25519","d":"AA","x":"AA"}`, "OKP"},
		{"JWK no kty", `{"d":"AA"}`, "kty"},
		{"JWK x y mismatch", string(be), "do not belong"},
		{"JWK set of two", `{"keys":[{"kty":"EC"},{"kty":"EC"}]}`, "2 keys"},
		{"broken JSON", `{"kty":"RSA",`, "does not parse"},
	} {
		_, _, err := ParsePrivateKey([]byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one saying %q", tc.name, err, tc.want)
		}
	}
}

// Signatures are valid JWS: verified here with the standard library against the public key.
func TestSignJWSVerifies(t *testing.T) {
	for _, s := range []crypto.Signer{rsaKey(t), ecKey(t, elliptic.P256()), ecKey(t, elliptic.P384()), ecKey(t, elliptic.P521())} {
		k, err := newSigningKey(s, "kid-9")
		if err != nil {
			t.Fatal(err)
		}
		jws, err := k.sign(map[string]any{"typ": "JWT", "kid": k.kid}, map[string]any{"iss": "me"})
		if err != nil {
			t.Fatal(err)
		}
		hdr, claims, err := verifyJWS(jws, func(map[string]any) (crypto.PublicKey, error) { return s.Public(), nil })
		if err != nil || hdr["kid"] != "kid-9" || hdr["alg"] != k.alg || claims["iss"] != "me" {
			t.Errorf("%s: %v %v %v", k.alg, hdr, claims, err)
		}
	}
}

func TestNewDPoPKey(t *testing.T) {
	a, err := NewDPoPKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewDPoPKey()
	if string(a) == string(b) || !strings.Contains(string(a), "BEGIN PRIVATE KEY") {
		t.Fatalf("keys not fresh PEM:\n%s", a)
	}
	s, _, err := ParsePrivateKey(a)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := newSigningKey(s, ""); k.alg != "ES256" {
		t.Errorf("DPoP key alg %s; want ES256", k.alg)
	}
	jwk, _ := publicJWK(s)
	if jwk.D != "" || jwk.Kty != "EC" || jwk.Crv != "P-256" || jwk.X == "" {
		t.Errorf("public JWK %+v", jwk)
	}
}
