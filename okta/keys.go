package okta

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Keys for OAuth 2.0 service apps: the private key that signs the client assertion
// (private_key_jwt) and the DPoP key that signs proofs. Okta accepts RS256/384/512 and
// ES256/384/512 for both; this client signs RSA keys with RS256 and EC keys with the ES
// algorithm of their curve (P-256 → ES256, P-384 → ES384, P-521 → ES512).

// minRSABits is the smallest RSA key accepted; Okta's own key generator makes 2048-bit keys.
const minRSABits = 2048

// ParsePrivateKey reads a private key given as PEM (PKCS#1 "RSA PRIVATE KEY", PKCS#8
// "PRIVATE KEY", SEC 1 "EC PRIVATE KEY") or as a JWK (one key, or a JWK Set holding exactly
// one key). It returns the signer and, for a JWK, its "kid" (empty for PEM). The errors say
// what is wrong (a public key, an encrypted PEM, an unsupported curve or type, a short RSA
// key, text that is no key at all) and never repeat the key material.
func ParsePrivateKey(data []byte) (crypto.Signer, string, error) {
	text := bytes.TrimSpace(data)
	switch {
	case len(text) == 0:
		return nil, "", errors.New("okta: the private key is empty; paste the PEM or JWK of the service app's private key")
	case text[0] == '{':
		return parseJWK(text)
	case bytes.Contains(text, []byte("-----BEGIN")):
		k, err := parsePEMKey(text)
		return k, "", err
	}
	return nil, "", errors.New("okta: the private key is neither PEM (-----BEGIN ... PRIVATE KEY-----) nor JWK JSON ({\"kty\": ...})")
}

func parsePEMKey(text []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(text)
	if block == nil {
		return nil, errors.New("okta: the private key's PEM block is damaged (check that the BEGIN and END lines and the base64 between them were pasted whole)")
	}
	if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, errors.New("okta: the private key is encrypted with a passphrase; export it unencrypted (e.g. openssl pkey -in key.pem -out plain.pem)")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		return nil, fmt.Errorf("okta: this is a %s, not the private key; Okta keeps the public half, oktaflow needs the private key that matches it", strings.ToLower(block.Type))
	default:
		return nil, fmt.Errorf("okta: a PEM block of type %q is not a private key; expected RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, refusedKey(block.Type, block.Bytes)
	}
	return checkSigner(key)
}

// checkSigner accepts the key types Okta can verify.
func checkSigner(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("okta: the RSA key has %d bits; Okta needs at least %d", k.N.BitLen(), minRSABits)
		}
		return k, nil
	case *ecdsa.PrivateKey:
		if _, err := ecAlg(k.Curve); err != nil {
			return nil, err
		}
		return k, nil
	case ed25519.PrivateKey:
		return nil, errors.New("okta: Ed25519 keys are not accepted by Okta for service apps; use an RSA (2048+ bits) or EC P-256 key")
	}
	return nil, fmt.Errorf("okta: unsupported private key type %T; use RSA or EC", key)
}

// ecAlg is the JWS algorithm for an EC curve.
func ecAlg(c elliptic.Curve) (string, error) {
	switch c {
	case elliptic.P256():
		return "ES256", nil
	case elliptic.P384():
		return "ES384", nil
	case elliptic.P521():
		return "ES512", nil
	}
	return "", fmt.Errorf("okta: the EC key uses curve %s, which Okta does not accept; use P-256, P-384 or P-521", c.Params().Name)
}

// jwkFields is the subset of RFC 7517/7518 members read and written here.
type jwkFields struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	// RSA
	N  string `json:"n,omitempty"`
	E  string `json:"e,omitempty"`
	D  string `json:"d,omitempty"`
	P  string `json:"p,omitempty"`
	Q  string `json:"q,omitempty"`
	DP string `json:"dp,omitempty"`
	DQ string `json:"dq,omitempty"`
	QI string `json:"qi,omitempty"`
	// EC
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	// A JWK Set
	Keys []json.RawMessage `json:"keys,omitempty"`
}

func parseJWK(text []byte) (crypto.Signer, string, error) {
	var j jwkFields
	if err := json.Unmarshal(text, &j); err != nil {
		return nil, "", fmt.Errorf("okta: the private key looks like JSON but does not parse: %w", err)
	}
	if j.Kty == "" && j.Keys != nil {
		if len(j.Keys) != 1 {
			return nil, "", fmt.Errorf("okta: the JWK Set holds %d keys; paste the one private key the service app uses", len(j.Keys))
		}
		return parseJWK(j.Keys[0])
	}
	var (
		key any
		err error
	)
	switch j.Kty {
	case "RSA":
		key, err = j.rsaKey()
	case "EC":
		key, err = j.ecKey()
	case "":
		return nil, "", errors.New(`okta: the JWK has no "kty"; expected "RSA" or "EC"`)
	default:
		return nil, "", fmt.Errorf("okta: JWK key type %q is not accepted by Okta for service apps; use RSA or EC", j.Kty)
	}
	if err != nil {
		return nil, "", err
	}
	s, err := checkSigner(key)
	return s, j.Kid, err
}

func (j *jwkFields) rsaKey() (*rsa.PrivateKey, error) {
	if j.D == "" {
		return nil, errors.New("okta: this JWK is the public key (it has no \"d\"); paste the private key JWK that Okta showed once when the key was generated")
	}
	ints, err := b64Ints(map[string]string{"n": j.N, "e": j.E, "d": j.D, "p": j.P, "q": j.Q})
	if err != nil {
		return nil, err
	}
	if !ints["e"].IsInt64() || ints["e"].Int64() > 1<<31-1 {
		return nil, errors.New("okta: the RSA JWK's \"e\" is too large")
	}
	k := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: ints["n"], E: int(ints["e"].Int64())},
		D:         ints["d"], Primes: []*big.Int{ints["p"], ints["q"]},
	}
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("okta: the RSA JWK is inconsistent (its n, e, d, p, q do not form one key): %w", err)
	}
	k.Precompute()
	return k, nil
}

func (j *jwkFields) ecKey() (*ecdsa.PrivateKey, error) {
	var curve elliptic.Curve
	switch j.Crv {
	case "P-256":
		curve = elliptic.P256()
	case "P-384":
		curve = elliptic.P384()
	case "P-521":
		curve = elliptic.P521()
	default:
		return nil, fmt.Errorf("okta: the EC JWK uses curve %q, which Okta does not accept; use P-256, P-384 or P-521", j.Crv)
	}
	if j.D == "" {
		return nil, errors.New("okta: this JWK is the public key (it has no \"d\"); paste the private key JWK")
	}
	d, err := b64(j.D, "d")
	if err != nil {
		return nil, err
	}
	size := (curve.Params().BitSize + 7) / 8
	if len(d) < size { // some encoders drop leading zero bytes
		d = append(make([]byte, size-len(d)), d...)
	}
	k, err := ecdsa.ParseRawPrivateKey(curve, d)
	if err != nil {
		return nil, fmt.Errorf("okta: the EC JWK's \"d\" is not a valid %s private key", j.Crv)
	}
	if j.X != "" || j.Y != "" {
		pub, _ := publicJWK(k)
		if pub.X != j.X || pub.Y != j.Y {
			return nil, errors.New("okta: the EC JWK's x and y do not belong to its d")
		}
	}
	return k, nil
}

func b64(s, name string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("okta: the JWK lacks %q", name)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("okta: the JWK's %q is not base64url", name)
	}
	return b, nil
}

func b64Ints(m map[string]string) (map[string]*big.Int, error) {
	out := make(map[string]*big.Int, len(m))
	for _, name := range []string{"n", "e", "d", "p", "q"} {
		b, err := b64(m[name], name)
		if err != nil {
			if m[name] == "" && (name == "p" || name == "q") {
				return nil, errors.New("okta: the RSA JWK lacks its primes \"p\" and \"q\"; export the full private key")
			}
			return nil, err
		}
		out[name] = new(big.Int).SetBytes(b)
	}
	return out, nil
}

// publicJWK is the public half of key as a JWK (for the DPoP proof's jwk header).
func publicJWK(key crypto.Signer) (jwkFields, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return jwkFields{
			Kty: "RSA",
			N:   base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
		}, nil
	case *ecdsa.PrivateKey:
		pt, err := k.PublicKey.Bytes() // 0x04 || X || Y, each coordinate of fixed size
		if err != nil {
			return jwkFields{}, err
		}
		size := (len(pt) - 1) / 2
		return jwkFields{
			Kty: "EC", Crv: k.Curve.Params().Name,
			X: base64.RawURLEncoding.EncodeToString(pt[1 : 1+size]),
			Y: base64.RawURLEncoding.EncodeToString(pt[1+size:]),
		}, nil
	}
	return jwkFields{}, fmt.Errorf("okta: unsupported key type %T", key)
}

// NewDPoPKey makes a fresh DPoP key (EC P-256, signed ES256: small, fast, and among the
// algorithms Okta lists for DPoP) and returns it as PKCS#8 PEM, for OAuthConfig.DPoPKey.
// Keep one per account, sealed like the private key: it is a secret.
func NewDPoPKey() ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("okta: generating a DPoP key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("okta: encoding the DPoP key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
