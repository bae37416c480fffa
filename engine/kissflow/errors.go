package kissflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APIError is a Kissflow answer that is not a success. Kissflow's error
// body is {"_id": ..., "error_code": ..., "message": ...}.
type APIError struct {
	Status  int    // HTTP status
	Code    string // error_code, when the body had one
	Message string // message, or the start of the body
	ID      string // _id of the error, for Kissflow support
	// Op says what was being done ("list the items of process X").
	Op         string
	RetryAfter time.Duration // from a 429's Retry-After
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Kissflow answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Op != "" {
		fmt.Fprintf(&b, " to %s", e.Op)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	switch e.Status {
	case http.StatusUnauthorized:
		b.WriteString("; check the access key id and secret, and that the account id is the key's account")
	case http.StatusForbidden:
		b.WriteString("; the access key's user needs the Process Admin role on this process (in Kissflow: the process → Settings → Roles/Permissions → Process admin)")
	case http.StatusNotFound:
		b.WriteString("; check the account id, the process id and the item id")
	case http.StatusTooManyRequests:
		b.WriteString("; the account's 400 calls a minute are spent (Kissflow's UI counts too)")
	}
	if e.ID != "" {
		fmt.Fprintf(&b, " [error id %s]", e.ID)
	}
	return b.String()
}

// Temporary reports whether trying again later may help (429, 5xx).
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// MissingRole reports whether a 403 says the key's user lacks the Process
// Admin role.
func (e *APIError) MissingRole() bool { return e.Status == http.StatusForbidden }

func statusIs(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}

// IsNotFound reports whether Kissflow answered 404 (no such account,
// process or item).
func IsNotFound(err error) bool { return statusIs(err, http.StatusNotFound) }

// IsUnauthorized reports whether Kissflow refused the access key (401).
func IsUnauthorized(err error) bool { return statusIs(err, http.StatusUnauthorized) }

// IsForbidden reports whether the key's user may not do this: on the admin
// API, the Process Admin role is missing (403).
func IsForbidden(err error) bool { return statusIs(err, http.StatusForbidden) }

// IsRateLimited reports whether Kissflow answered 429.
func IsRateLimited(err error) bool { return statusIs(err, http.StatusTooManyRequests) }

// Sentinels of Verify's verdicts, for errors.Is (the error also says it in
// words, with what to do).
var (
	ErrInvalidKey     = errors.New("Kissflow refused the access key")
	ErrUnknownAccount = errors.New("no such Kissflow account")
	ErrNoProcessAdmin = errors.New("the access key's user is not a Process Admin")
	ErrUnknownProcess = errors.New("no such Kissflow process")
)

// VerifyError is a verdict of Verify: Kind is one of the sentinels above.
type VerifyError struct {
	Kind  error
	Field string // the Config setting to fix: "access_key_id", "account_id", "process_id", "host"
	Msg   string
	Err   error // the API answer
}

func (e *VerifyError) Error() string { return e.Msg }

// Unwrap gives errors.Is and errors.As the verdict and the API answer.
func (e *VerifyError) Unwrap() []error { return []error{e.Kind, e.Err} }

// parseError reads an error answer.
func parseError(status int, body []byte, op string, retryAfter time.Duration) *APIError {
	e := &APIError{Status: status, Op: op, RetryAfter: retryAfter}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		e.ID, _ = m["_id"].(string)
		e.Code, _ = m["error_code"].(string)
		if e.Code == "" {
			e.Code, _ = m["code"].(string)
		}
		for _, k := range []string{"message", "Message", "error", "error_description"} {
			if s, ok := m[k].(string); ok && s != "" {
				e.Message = s
				break
			}
		}
	}
	if e.Message == "" && e.Code == "" {
		e.Message = snippet(body)
	}
	return e
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
