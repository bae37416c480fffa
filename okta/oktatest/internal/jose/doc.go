// Package jose reads what the Okta simulator's OAuth 2.0 endpoints receive:
// public keys (PEM or JWK, RSA and EC), compact JWS tokens (client
// assertions, DPoP proofs) and their signatures, and RFC 7638 JWK
// thumbprints. It implements the parts of RFC 7515/7517/7518/7638 that
// Okta's org authorization server uses: RS256, RS384, RS512, ES256, ES384
// and ES512 (the algorithms Okta lists in its DPoP WWW-Authenticate header).
//
// It is written for the simulator alone and shares no code with the
// client in package okta, so that the simulator stays an independent
// witness of the wire format.
package jose
