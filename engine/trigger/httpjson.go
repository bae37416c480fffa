package trigger

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxAnswer bounds what a poll reads from an outside API.
const maxAnswer = 16 << 20

// getJSON GETs url with headers and decodes the JSON answer. Errors name
// the service, the status and the start of the answer, never a header value.
func getJSON(ctx context.Context, client *http.Client, service, url string, headers map[string]string) (any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: bad URL %q: %w", service, url, err)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", service, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %w", service, err)
	}
	if len(body) > maxAnswer {
		return nil, fmt.Errorf("%s: the answer is larger than %d MiB; narrow the query", service, maxAnswer>>20)
	}
	if resp.StatusCode/100 != 2 {
		return nil, &HTTPError{Service: service, Status: resp.StatusCode, Body: snippet(body)}
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("%s: the answer is not JSON (%v): %s", service, err, snippet(body))
	}
	return v, nil
}

// HTTPError is an outside API's non-2xx answer.
type HTTPError struct {
	Service string
	Status  int
	Body    string
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
