package jose

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Algorithms are the JWS algorithms accepted, in the order Okta lists them
// (WWW-Authenticate: DPoP algs="RS256 RS384 RS512 ES256 ES384 ES512").
var Algorithms = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"}

// maxToken bounds a compact JWS: client assertions and DPoP proofs are a
// few kilobytes at most.
const maxToken = 16 << 10

// JWS is a parsed compact JWS (a signed JWT) whose signature has not been
// checked yet.
type JWS struct {
	Alg, Typ, Kid string
	// JWK is the "jwk" header (a DPoP proof's public key), nil when absent.
	JWK    json.RawMessage
	Claims map[string]any // numbers as json.Number

	signingInput []byte
	signature    []byte
}

// Parse splits and decodes a compact JWS. It checks the form only: three
// base64url parts, JSON objects for header and claims, an alg header.
func Parse(token string) (*JWS, error) {
	if len(token) > maxToken {
		return nil, fmt.Errorf("the JWT is longer than %d bytes", maxToken)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("a JWT has three dot-separated parts, this one has %d", len(parts))
	}
	rawHeader, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	rawClaims, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errors.New("a JWT part is not base64url without padding")
	}
	var h struct {
		Alg string          `json:"alg"`
		Typ string          `json:"typ"`
		Kid string          `json:"kid"`
		JWK json.RawMessage `json:"jwk"`
	}
	if err := json.Unmarshal(rawHeader, &h); err != nil {
		return nil, fmt.Errorf("the JWT header is not a JSON object: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(rawClaims))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, errors.New("the JWT claims are not a JSON object")
	}
	if h.Alg == "" {
		return nil, errors.New("the JWT header has no alg")
	}
	return &JWS{
		Alg: h.Alg, Typ: h.Typ, Kid: h.Kid, JWK: h.JWK, Claims: claims,
		signingInput: []byte(parts[0] + "." + parts[1]), signature: sig,
	}, nil
}

// ErrAlgorithm is returned by Verify for an algorithm outside Algorithms
// or one that does not suit the key.
var ErrAlgorithm = errors.New("unsupported signature algorithm")

// ErrSignature is returned by Verify when the signature does not match.
var ErrSignature = errors.New("the signature does not match")

// Verify checks the signature with pub.
func (j *JWS) Verify(pub crypto.PublicKey) error {
	if !slices.Contains(Algorithms, j.Alg) {
		return ErrAlgorithm
	}
	var h crypto.Hash
	switch j.Alg[2:] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	default:
		h = crypto.SHA512
	}
	d := h.New()
	d.Write(j.signingInput)
	digest := d.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if j.Alg[0] != 'R' {
			return ErrAlgorithm
		}
		if rsa.VerifyPKCS1v15(k, h, digest, j.signature) != nil {
			return ErrSignature
		}
	case *ecdsa.PublicKey:
		if j.Alg[0] != 'E' || curveFor(j.Alg) != curveName(k.Curve) {
			return ErrAlgorithm
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(j.signature) != 2*size {
			return ErrSignature
		}
		r := new(big.Int).SetBytes(j.signature[:size])
		s := new(big.Int).SetBytes(j.signature[size:])
		if !ecdsa.Verify(k, digest, r, s) {
			return ErrSignature
		}
	default:
		return ErrAlgorithm
	}
	return nil
}

// curveFor is the curve an ES algorithm signs with.
func curveFor(alg string) string {
	return map[string]string{"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg]
}

// String returns a claim's string value ("" when absent or not a string).
func (j *JWS) String(name string) string {
	s, _ := j.Claims[name].(string)
	return s
}

// NumericDate returns a claim as seconds since the epoch; ok is false when
// it is absent or not a JSON number.
func (j *JWS) NumericDate(name string) (int64, bool) {
	n, isNumber := j.Claims[name].(json.Number)
	if !isNumber {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil {
		return 0, false
	}
	return int64(f), true
}

// Audiences returns the aud claim as a list (a string or an array of strings).
func (j *JWS) Audiences() []string {
	switch v := j.Claims["aud"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, a := range v {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
