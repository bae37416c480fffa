package okta

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Okta error codes the helpers below decide on. Flow control uses these codes only: Okta's
// errorSummary texts are for people and change without notice.
const (
	CodeValidation       = "E0000001" // 400 Api validation failed
	CodeInvalidSession   = "E0000005" // 403 Invalid session (missing or non-SSWS auth)
	CodePermissionDenied = "E0000006" // 403 You do not have permission to perform the requested action
	CodeNotFound         = "E0000007" // 404 Not found
	CodeInternal         = "E0000009" // 500 Internal Server Error
	CodeInvalidToken     = "E0000011" // 401 Invalid token provided
	CodeAlreadyActive    = "E0000016" // 403 Activation failed because the user is already active
	CodeUnlockNotAllow   = "E0000032" // 403 Unlock is not allowed for this user
	CodeWrongStatus      = "E0000038" // 403 This operation is not allowed in the user's current status
	CodeRateLimited      = "E0000047" // 429 API call exceeded rate limit
	alreadyExistsMarker  = "already exists"
)

// ErrNotFound is returned by finders (FindGroupByName) when nothing matches.
// IsNotFound reports true for it as well as for Okta's E0000007.
var ErrNotFound = errors.New("okta: not found")

// APIError is a non-2xx answer from Okta. Its JSON form is Okta's error body as received
// (errorCode, errorSummary, errorLink, errorId, errorCauses and any other key), so it can be
// stored and shown without loss; Status, RequestID, Method and Path come from the exchange.
type APIError struct {
	Status    int          // HTTP status code
	Code      string       // errorCode, e.g. "E0000001"; empty when the body was not Okta-shaped
	Summary   string       // errorSummary (or a description of a non-Okta body)
	Link      string       // errorLink
	ErrorID   string       // errorId
	Causes    []ErrorCause // errorCauses
	RequestID string       // X-Okta-Request-Id of the answer
	Method    string       // request method
	Path      string       // request path, without the query

	// From a WWW-Authenticate challenge with an error (OAuth answers; RFC 6750, RFC 9449):
	AuthError            string // e.g. "insufficient_scope", "invalid_token", "invalid_dpop_proof"
	AuthErrorDescription string
	// RequiredScope names the OAuth scope the call lacks when Okta refused it for that
	// reason (see IsMissingScope); empty otherwise.
	RequiredScope string

	Extra map[string]json.RawMessage // body keys not modelled above
	wire  wire
}

// ErrorCause is one entry of errorCauses.
type ErrorCause struct {
	Summary string `json:"errorSummary"`
}

func (e *APIError) fields() []jsonField {
	return []jsonField{
		{"errorCode", &e.Code}, {"errorSummary", &e.Summary}, {"errorLink", &e.Link},
		{"errorId", &e.ErrorID}, {"errorCauses", &e.Causes},
	}
}

// UnmarshalJSON decodes an Okta error body, keeping unknown keys.
func (e *APIError) UnmarshalJSON(data []byte) error {
	*e = APIError{}
	w, err := decodeObject(data, e.fields(), &e.Extra)
	e.wire = w
	return err
}

// MarshalJSON encodes the error body as Okta sent it.
func (e APIError) MarshalJSON() ([]byte, error) {
	return encodeObject(e.wire, e.fields(), e.Extra)
}

// Error reads like "okta: POST /api/v1/users: 400 E0000001 Api validation failed: login
// (login: An object with this field already exists ...) [request 5168be8d...]".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("okta: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	fmt.Fprintf(&b, "%d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Summary != "" {
		b.WriteString(" " + e.Summary)
	}
	if len(e.Causes) > 0 {
		parts := make([]string, len(e.Causes))
		for i, c := range e.Causes {
			parts[i] = c.Summary
		}
		b.WriteString(" (" + strings.Join(parts, "; ") + ")")
	}
	if e.RequiredScope != "" {
		b.WriteString(" (the OAuth token lacks the scope " + e.RequiredScope + ": grant it in the service app's Okta API Scopes tab and add it to the account's scopes)")
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	return b.String()
}

// newAPIError builds the error for a non-2xx answer. A body that is not Okta-shaped (an HTML
// page, {"status":404,"message":...}) still yields an APIError with Status set.
func newAPIError(method, path string, status int, h http.Header, body []byte) *APIError {
	e := &APIError{}
	if json.Unmarshal(body, e) != nil || (e.Code == "" && e.Summary == "") {
		*e = APIError{Summary: foreignSummary(status, h, body)}
	}
	e.Status, e.Method, e.Path = status, method, path
	e.RequestID = h.Get("X-Okta-Request-Id")
	if ch, ok := authError(h); ok {
		e.AuthError, e.AuthErrorDescription = ch.params["error"], serverText(ch.params["error_description"])
		if e.Code == "" { // no Okta body (Okta sends the challenge alone): the challenge is the summary
			e.Summary = e.AuthError
			if e.AuthErrorDescription != "" {
				e.Summary += ": " + e.AuthErrorDescription
			}
		}
	}
	return e
}

// foreignSummary describes a body that is not an Okta error, without echoing arbitrary
// content: only a JSON "message" string is quoted.
func foreignSummary(status int, h http.Header, body []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &m) == nil && m.Message != "" {
		return clip(m.Message)
	}
	s := http.StatusText(status)
	if s == "" {
		s = "HTTP " + fmt.Sprint(status)
	}
	if len(body) > 0 {
		ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
		if ct == "" {
			ct = "unknown type"
		}
		s += fmt.Sprintf(" (non-Okta %s body, %d bytes)", ct, len(body))
	}
	return s
}

// RateLimitError is returned when a request still met 429 answers after the client's bound
// on rate-limit waits. RetryAt (local clock) is when the bucket's window resets.
type RateLimitError struct {
	Bucket  string
	RetryAt time.Time
	Err     *APIError // the last 429 answer
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("okta: rate limit of %s still exhausted after retries; retry at %s: %v",
		e.Bucket, e.RetryAt.Format("15:04:05"), e.Err)
}

// Unwrap gives the last 429 answer.
func (e *RateLimitError) Unwrap() error { return e.Err }

// apiError finds an *APIError in err's chain.
func apiError(err error) *APIError {
	var e *APIError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func hasCode(err error, codes ...string) bool {
	e := apiError(err)
	if e == nil {
		return false
	}
	for _, c := range codes {
		if e.Code == c {
			return true
		}
	}
	return false
}

// IsNotFound reports an Okta E0000007 (also what deactivating a DEPROVISIONED user answers)
// or ErrNotFound from a finder.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || hasCode(err, CodeNotFound)
}

// IsAlreadyExists reports an E0000001 whose causes say a unique field "already exists"
// (creating a user whose login is taken). This is the one documented case where a cause text
// is read: Okta gives uniqueness no code of its own.
func IsAlreadyExists(err error) bool {
	e := apiError(err)
	if e == nil || e.Code != CodeValidation {
		return false
	}
	for _, c := range e.Causes {
		if strings.Contains(strings.ToLower(c.Summary), alreadyExistsMarker) {
			return true
		}
	}
	return false
}

// IsInvalidToken reports E0000011: the API token is wrong, revoked or expired.
func IsInvalidToken(err error) bool { return hasCode(err, CodeInvalidToken) }

// IsInvalidSession reports E0000005: the request was not authenticated as SSWS.
func IsInvalidSession(err error) bool { return hasCode(err, CodeInvalidSession) }

// IsRateLimited reports an E0000047 answer or a *RateLimitError.
func IsRateLimited(err error) bool {
	var rl *RateLimitError
	return errors.As(err, &rl) || hasCode(err, CodeRateLimited)
}

// IsValidation reports E0000001 (any request validation failure, including already-exists).
func IsValidation(err error) bool { return hasCode(err, CodeValidation) }

// IsWrongState reports that a lifecycle operation does not apply to the user's current
// status: E0000016 (activate an active user), E0000038 (reactivate), E0000032 (unlock), or
// E0000001 answered to suspend/unsuspend, which Okta uses for "not active"/"not suspended".
// The last case is recognised by the operation's path, not by the message.
func IsWrongState(err error) bool {
	if hasCode(err, CodeAlreadyActive, CodeWrongStatus, CodeUnlockNotAllow) {
		return true
	}
	e := apiError(err)
	return e != nil && e.Code == CodeValidation &&
		(strings.HasSuffix(e.Path, "/lifecycle/suspend") || strings.HasSuffix(e.Path, "/lifecycle/unsuspend"))
}

// IsServerError reports a 5xx answer from Okta.
func IsServerError(err error) bool {
	e := apiError(err)
	return e != nil && e.Status >= 500
}
