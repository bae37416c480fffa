package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Key is a public key with the kid and alg it was published with (either
// may be "").
type Key struct {
	Public crypto.PublicKey // *rsa.PublicKey or *ecdsa.PublicKey
	KeyID  string
	Alg    string
}

// jwk is the JSON form of a public (or private: d, p, q, ... are ignored) key.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// ParseKeys reads one or more public keys: a JWK, a JWK Set
// ({"keys":[…]}), or PEM blocks (PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE,
// or a private key — PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY — whose
// public half is taken). Errors say what was wrong.
func ParseKeys(data []byte) ([]Key, error) {
	trimmed := strings.TrimSpace(string(data))
	if trimmed == "" {
		return nil, errors.New("no key: the input is empty")
	}
	if strings.HasPrefix(trimmed, "{") {
		return parseJSONKeys([]byte(trimmed))
	}
	if !strings.Contains(trimmed, "-----BEGIN ") {
		return nil, errors.New("not a key: expected a PEM block (-----BEGIN PUBLIC KEY-----) or a JWK ({\"kty\":…})")
	}
	var keys []Key
	rest := []byte(trimmed)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		pub, err := pemPublic(block)
		if err != nil {
			return nil, err
		}
		keys = append(keys, Key{Public: pub})
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM block could be decoded")
	}
	return keys, nil
}

func parseJSONKeys(data []byte) ([]Key, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("not a JWK: %v", err)
	}
	if set.Keys == nil {
		k, err := ParseJWK(data)
		if err != nil {
			return nil, err
		}
		return []Key{k}, nil
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("the JWK Set holds no key")
	}
	keys := make([]Key, 0, len(set.Keys))
	for i, raw := range set.Keys {
		k, err := ParseJWK(raw)
		if err != nil {
			return nil, fmt.Errorf("key %d of the JWK Set: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// ParseJWK reads one JWK (RSA or EC P-256/P-384/P-521).
func ParseJWK(raw []byte) (Key, error) {
	var j jwk
	if err := json.Unmarshal(raw, &j); err != nil {
		return Key{}, fmt.Errorf("not a JWK: %v", err)
	}
	k := Key{KeyID: j.Kid, Alg: j.Alg}
	switch j.Kty {
	case "RSA":
		n, err1 := b64int(j.N)
		e, err2 := b64int(j.E)
		if err1 != nil || err2 != nil || n.Sign() <= 0 || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return Key{}, errors.New("RSA JWK: n and e must be base64url big-endian integers")
		}
		if n.BitLen() < 2048 {
			return Key{}, fmt.Errorf("RSA JWK: the key has %d bits; at least 2048 are required", n.BitLen())
		}
		k.Public = &rsa.PublicKey{N: n, E: int(e.Int64())}
	case "EC":
		curve := curveByName(j.Crv)
		if curve == nil {
			return Key{}, fmt.Errorf("EC JWK: unsupported curve %q (want P-256, P-384 or P-521)", j.Crv)
		}
		x, err1 := b64int(j.X)
		y, err2 := b64int(j.Y)
		if err1 != nil || err2 != nil {
			return Key{}, errors.New("EC JWK: x and y must be base64url big-endian integers")
		}
		pub, err := ecdsaPublic(curve, x, y)
		if err != nil {
			return Key{}, err
		}
		k.Public = pub
	case "":
		return Key{}, errors.New("the JWK has no kty")
	default:
		return Key{}, fmt.Errorf("unsupported JWK kty %q (want RSA or EC)", j.Kty)
	}
	return k, nil
}

// ecdsaPublic builds an EC public key, refusing points off the curve.
func ecdsaPublic(curve elliptic.Curve, x, y *big.Int) (*ecdsa.PublicKey, error) {
	size := (curve.Params().BitSize + 7) / 8
	buf := make([]byte, 1+2*size)
	buf[0] = 4
	if len(x.Bytes()) > size || len(y.Bytes()) > size {
		return nil, errors.New("EC JWK: the point is not on the curve")
	}
	x.FillBytes(buf[1 : 1+size])
	y.FillBytes(buf[1+size:])
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, buf)
	if err != nil {
		return nil, errors.New("EC JWK: the point is not on the curve")
	}
	return pub, nil
}

func curveByName(name string) elliptic.Curve {
	switch name {
	case "P-256":
		return elliptic.P256()
	case "P-384":
		return elliptic.P384()
	case "P-521":
		return elliptic.P521()
	}
	return nil
}

func curveName(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return "P-256"
	case elliptic.P384():
		return "P-384"
	case elliptic.P521():
		return "P-521"
	}
	return ""
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, errors.New("bad base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}

// pemPublic extracts the public key of one PEM block.
func pemPublic(b *pem.Block) (crypto.PublicKey, error) {
	var pub any
	var err error
	switch b.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(b.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(b.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(b.Bytes); err == nil {
			pub = cert.PublicKey
		}
	case "PRIVATE KEY":
		var priv any
		if priv, err = x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
			pub = publicOf(priv)
		}
	case "RSA PRIVATE KEY":
		var priv *rsa.PrivateKey
		if priv, err = x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
			pub = &priv.PublicKey
		}
	case "EC PRIVATE KEY":
		var priv *ecdsa.PrivateKey
		if priv, err = x509.ParseECPrivateKey(b.Bytes); err == nil {
			pub = &priv.PublicKey
		}
	default:
		return nil, fmt.Errorf("PEM block %q is not a key (want PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE or a private key)", b.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("PEM block %q: %v", b.Type, err)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("the RSA key has %d bits; at least 2048 are required", k.N.BitLen())
		}
		return k, nil
	case *ecdsa.PublicKey:
		if curveName(k.Curve) == "" {
			return nil, errors.New("unsupported EC curve (want P-256, P-384 or P-521)")
		}
		return k, nil
	}
	return nil, fmt.Errorf("PEM block %q holds a %T key; only RSA and EC keys sign Okta client assertions", b.Type, pub)
}

func publicOf(priv any) any {
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey
	case *ecdsa.PrivateKey:
		return &k.PublicKey
	}
	return priv
}

// Thumbprint is the RFC 7638 JWK SHA-256 thumbprint of pub, base64url
// without padding: the jkt that binds a DPoP access token to its key.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	var canonical string
	switch k := pub.(type) {
	case *rsa.PublicKey:
		e := big.NewInt(int64(k.E)).Bytes()
		canonical = `{"e":"` + b64(e) + `","kty":"RSA","n":"` + b64(k.N.Bytes()) + `"}`
	case *ecdsa.PublicKey:
		name := curveName(k.Curve)
		if name == "" {
			return "", errors.New("unsupported EC curve")
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		raw, err := k.Bytes()
		if err != nil {
			return "", err
		}
		canonical = `{"crv":"` + name + `","kty":"EC","x":"` + b64(raw[1:1+size]) + `","y":"` + b64(raw[1+size:]) + `"}`
	default:
		return "", fmt.Errorf("unsupported key type %T", pub)
	}
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:]), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
