package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oktaflow/oktaflow/engine/internal/retryafter"
)

// maxAnswer bounds what a poll reads from an outside API.
const maxAnswer = 16 << 20

// getJSON GETs url with headers and decodes the JSON answer. Errors name
// the service, the status and the start of the answer, never a header
// value, nor the value of a secret-looking query parameter or of one named
// in hidden.
func getJSON(ctx context.Context, client *http.Client, service, rawURL string, headers map[string]string, hidden map[string]string) (any, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return nil, nil, fmt.Errorf("%s: bad URL %q: %v", service, redactURL(rawURL, hidden), err)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redactURL(ue.URL, hidden)
		}
		return nil, nil, fmt.Errorf("%s: %w", service, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: reading the answer: %w", service, err)
	}
	if len(body) > maxAnswer {
		return nil, nil, fmt.Errorf("%s: the answer is larger than %d MiB; narrow the query", service, maxAnswer>>20)
	}
	if resp.StatusCode/100 != 2 {
		return nil, nil, &HTTPError{Service: service, Status: resp.StatusCode, Body: snippet(body), RetryAfter: retryafter.Parse(resp.Header.Get("Retry-After"), time.Now())}
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, nil, fmt.Errorf("%s: the answer is not JSON (%v): %s", service, err, snippet(body))
	}
	return v, resp.Header, nil
}

// redactURL hides the values of secret-looking query parameters and of
// those named in hidden (a trigger's secret query parameters).
func redactURL(raw string, hidden map[string]string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, part := range parts {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err != nil || secretLooking(n) || hasKey(hidden, n) {
			parts[i] = name + "=REDACTED"
		}
	}
	u.RawQuery = strings.Join(parts, "&")
	return u.String()
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// HTTPError is an outside API's non-2xx answer.
type HTTPError struct {
	Service string
	Status  int
	Body    string
	// RetryAfter is what the answer's Retry-After header asked for (0: none).
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	hint := ""
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint = "; check the credentials in the trigger's settings"
	case http.StatusNotFound:
		hint = "; check the ids and URL in the trigger's settings"
	}
	return fmt.Sprintf("%s answered %d %s%s: %s", e.Service, e.Status, http.StatusText(e.Status), hint, e.Body)
}

// Temporary reports whether retrying later may help (429 and 5xx).
func (e *HTTPError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
