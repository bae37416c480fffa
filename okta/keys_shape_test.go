package okta

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"
)

// A key the x509 parser refuses is explained from its own structure, not
// from the parser's error text: a curve Go does not know (secp256k1) in SEC 1
// or PKCS#8, and a PKCS#8 key of an algorithm that is neither RSA nor EC.
func TestParsePrivateKeyExplainsRefusedKeys(t *testing.T) {
	secp256k1 := asn1.ObjectIdentifier{1, 3, 132, 0, 10}
	ed448 := asn1.ObjectIdentifier{1, 3, 101, 113}
	sec1 := func(curve asn1.ObjectIdentifier) []byte {
		der, err := asn1.Marshal(struct {
			Version    int
			PrivateKey []byte
			Curve      asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
		}{1, make([]byte, 32), curve})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	pkcs8 := func(alg asn1.ObjectIdentifier, params []byte, key []byte) []byte {
		ai := pkix.AlgorithmIdentifier{Algorithm: alg}
		if params != nil {
			ai.Parameters = asn1.RawValue{FullBytes: params}
		}
		der, err := asn1.Marshal(struct {
			Version    int
			Algo       pkix.AlgorithmIdentifier
			PrivateKey []byte
		}{0, ai, key})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	curveParam, _ := asn1.Marshal(secp256k1)
	for _, tc := range []struct {
		name, data, want string
	}{
		{"SEC 1 secp256k1", string(pemOf("EC PRIVATE KEY", sec1(secp256k1))), "curve Okta does not accept"},
		{"PKCS#8 EC secp256k1", string(pemOf("PRIVATE KEY", pkcs8(asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, curveParam, sec1(nil)))), "curve Okta does not accept"},
		{"PKCS#8 Ed448", string(pemOf("PRIVATE KEY", pkcs8(ed448, nil, make([]byte, 59)))), "not an RSA or EC key (algorithm 1.3.101.113)"},
		{"PKCS#8 damaged RSA", string(pemOf("PRIVATE KEY", pkcs8(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, []byte{5, 0}, []byte{1, 2, 3}))), "damaged or incomplete"},
	} {
		_, _, err := ParsePrivateKey([]byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one saying %q", tc.name, err, tc.want)
		}
	}
}
