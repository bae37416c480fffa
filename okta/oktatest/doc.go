// Package oktatest is an in-memory Okta org behind net/http, in the spirit of
// net/http/httptest: tests, the `oktaflow sim` command and the in-app sandbox
// account talk to it exactly as they would to a real Okta org.
//
// It reproduces what real orgs were recorded answering (../shared/okta-fixtures,
// replayed by conformance_test.go): the same status codes, error codes and
// error bodies, the same JSON shapes of users, groups, the user schema and
// System Log events, the same Link pagination headers and the same per-bucket
// rate-limit headers. Where recorded orgs differ from one another (realmId,
// credentials.emails, a 204 deactivate in 2020, ...) [Shape] selects which one
// to imitate; the zero Shape imitates the newest recordings.
//
// Beyond the recordings it follows Okta's documentation where no exchange
// was recorded: OAuth 2.0 service apps (Options.OAuthClients,
// Org.RegisterOAuthClient: /oauth2/v1/token with private_key_jwt, DPoP with
// its nonce, scopes per endpoint, Okta's WWW-Authenticate refusals), the
// published per-bucket limits of real org tiers (Options.Tier, RateLimits,
// TokenShare) and the search index's lag behind writes (Options.SearchLag).
//
// It deliberately imports nothing from package okta: it is an independent
// witness of the wire format, written from the recordings, so that a
// misunderstanding in the client's types cannot hide behind the same
// misunderstanding here.
//
// An [Org] is an http.Handler and safe for concurrent use: one mutex guards
// all state and is never held while sleeping (injected latency) or doing I/O.
// Faults (latency, 500s, connections dropped after the change was applied,
// 429 storms) and every generated id are deterministic for a given
// Options.Seed and request sequence.
package oktatest
