package okta

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
)

// signingKey is a private key with its JWS algorithm. Every way of printing it prints a
// placeholder, like secret.
type signingKey struct {
	signer crypto.Signer
	alg    string // RS256, ES256, ES384, ES512
	kid    string // "kid" header of client assertions; empty: none
}

func newSigningKey(s crypto.Signer, kid string) (*signingKey, error) {
	switch k := s.(type) {
	case *rsa.PrivateKey:
		return &signingKey{signer: s, alg: "RS256", kid: kid}, nil
	case *ecdsa.PrivateKey:
		alg, err := ecAlg(k.Curve)
		if err != nil {
			return nil, err
		}
		return &signingKey{signer: s, alg: alg, kid: kid}, nil
	}
	return nil, fmt.Errorf("okta: unsupported key type %T", s)
}

func (signingKey) String() string               { return redacted }
func (signingKey) GoString() string             { return redacted }
func (signingKey) Format(f fmt.State, _ rune)   { io.WriteString(f, redacted) }
func (signingKey) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (signingKey) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// sign returns the compact JWS of claims with the given protected header (alg is added).
func (k *signingKey) sign(header map[string]any, claims map[string]any) (string, error) {
	h := map[string]any{"alg": k.alg}
	for name, v := range header {
		h[name] = v
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	cj, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64url(hj) + "." + b64url(cj)
	sig, err := k.signBytes([]byte(input))
	if err != nil {
		return "", fmt.Errorf("okta: signing a %s JWT: %w", k.alg, err)
	}
	return input + "." + b64url(sig), nil
}

// signBytes makes the JWS signature of input (RFC 7518 §3.3, §3.4): PKCS#1 v1.5 for RS256,
// and for ES* the two fixed-size big-endian integers R || S (not the ASN.1 form that
// crypto.Signer returns).
func (k *signingKey) signBytes(input []byte) ([]byte, error) {
	var (
		digest []byte
		h      crypto.Hash
	)
	switch k.alg {
	case "RS256", "ES256":
		d := sha256.Sum256(input)
		digest, h = d[:], crypto.SHA256
	case "ES384":
		d := sha512.Sum384(input)
		digest, h = d[:], crypto.SHA384
	case "ES512":
		d := sha512.Sum512(input)
		digest, h = d[:], crypto.SHA512
	default:
		return nil, fmt.Errorf("unsupported algorithm %s", k.alg)
	}
	sig, err := k.signer.Sign(rand.Reader, digest, h)
	if err != nil || k.alg == "RS256" {
		return sig, err
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &rs); err != nil {
		return nil, err
	}
	size := (k.signer.(*ecdsa.PrivateKey).Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// newJTI returns a random JWT id: 128 bits, base64url.
func newJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics if the OS source breaks)
	return b64url(b)
}
