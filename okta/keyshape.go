package okta

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
)

// Why a PEM private key does not parse. crypto/x509's parse errors are plain
// text with no type to test, so rather than matching that text, refusedKey
// reads the key's own outer structure (the algorithm of a PKCS#8 key, the
// named curve of an EC key) to say why it was refused.

var (
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	// The curves Go's x509 reads; P-224 parses, and checkSigner refuses it.
	knownCurves = []asn1.ObjectIdentifier{
		{1, 3, 132, 0, 33},          // P-224
		{1, 2, 840, 10045, 3, 1, 7}, // P-256
		{1, 3, 132, 0, 34},          // P-384
		{1, 3, 132, 0, 35},          // P-521
	}
)

var errUnknownCurve = errors.New("okta: the EC private key uses a curve Okta does not accept; use P-256, P-384 or P-521")

// refusedKey explains why the DER of a PEM block of blockType did not parse
// as a private key.
func refusedKey(blockType string, der []byte) error {
	damaged := fmt.Errorf("okta: the %s block does not parse as a private key; the text between its BEGIN and END lines is damaged or incomplete", blockType)
	switch blockType {
	case "EC PRIVATE KEY":
		if curve, ok := sec1Curve(der); ok && curve != nil && !isKnownCurve(curve) {
			return errUnknownCurve
		}
	case "PRIVATE KEY":
		var p8 struct {
			Version    int
			Algo       pkix.AlgorithmIdentifier
			PrivateKey []byte
		}
		if _, err := asn1.Unmarshal(der, &p8); err != nil {
			return damaged
		}
		switch alg := p8.Algo.Algorithm; {
		case alg.Equal(oidECPublicKey):
			var curve asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(p8.Algo.Parameters.FullBytes, &curve); err == nil && !isKnownCurve(curve) {
				return errUnknownCurve
			}
			if curve, ok := sec1Curve(p8.PrivateKey); ok && curve != nil && !isKnownCurve(curve) {
				return errUnknownCurve
			}
		case !alg.Equal(oidRSAEncryption):
			return fmt.Errorf("okta: the private key is not an RSA or EC key (algorithm %s); use an RSA (2048+ bits) or EC P-256 key", alg)
		}
	}
	// The parser's own text (ASN.1 tags and offsets) helps nobody who pasted a key.
	return damaged
}

// sec1Curve reads the named curve of a SEC 1 EC private key (nil when the
// key leaves it to an outer PKCS#8 wrapper); ok is false if der is not one.
func sec1Curve(der []byte) (asn1.ObjectIdentifier, bool) {
	var k struct {
		Version    int
		PrivateKey []byte
		Curve      asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
		PublicKey  asn1.BitString        `asn1:"optional,explicit,tag:1"`
	}
	if _, err := asn1.Unmarshal(der, &k); err != nil {
		return nil, false
	}
	return k.Curve, true
}

func isKnownCurve(oid asn1.ObjectIdentifier) bool {
	for _, c := range knownCurves {
		if oid.Equal(c) {
			return true
		}
	}
	return false
}
