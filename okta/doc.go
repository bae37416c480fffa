// Package okta is oktaflow's own thin net/http client for the Okta Management API.
//
// It covers what the Okta connector needs: users (create, get by id or login, list, search
// by name), the user lifecycle, the default user schema, System Log polling and groups.
// Every call goes through one request path (client.go) that
//
//   - authenticates with "Authorization: SSWS <token>" (NewClient) or as an OAuth 2.0 service
//     app (NewOAuthClient: private_key_jwt client assertions, cached access tokens, DPoP
//     proofs with the use_dpop_nonce round trip; oauth.go), and never shows a token, key,
//     assertion or proof in an error, a log line or the client's string forms;
//   - paces requests per rate-limit bucket so that a healthy org does not answer 429: what
//     the budget left allows goes at once, only demand beyond it is spread over the window,
//     and Pace reports round trips and allowed rates for sizing concurrency (ratelimit.go);
//     caps concurrent requests per org, and retries network errors, 5xx and 429 with a
//     bound, a 429 waiting just past the reset on the estimated server clock (retry.go);
//   - turns every non-2xx answer into an *APIError whose helpers (IsNotFound,
//     IsAlreadyExists, ...) decide by Okta's errorCode, never by message text (errors.go).
//
// Response types (User, Group, LogEvent, UserSchema, APIError) decode Okta's JSON without
// loss: keys the client does not model are kept and re-encoded unchanged, so a decoded value
// can be shown or stored as the JSON Okta sent.
//
// Create one Client per Okta org and share it: pacing and the concurrency cap only see the
// requests that go through the same Client.
package okta
