package action

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine/trigger"
)

// A target the address policy refuses (loopback, private, link-local,
// without --allow-private-addresses) fails the step at once with the
// policy's words: it is permanent, never retried as a network failure.
// So is a redirect the policy does not follow.
func TestHTTPRequestPolicyRefusalIsPermanent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			http.Redirect(w, r, "https://elsewhere.example/x", http.StatusFound)
			return
		}
		w.WriteHeader(204)
	}))
	defer srv.Close()
	a, _ := Lookup("http.request")

	// The policy, at connect time (the dialer's hook): a real transport.
	strict := Conn{HTTP: trigger.PolicyClient(&http.Client{}, false), Key: "run1:notify"}
	_, err := a.Run(context.Background(), strict, Input{Fields: map[string]any{"url": srv.URL + "/hook?token=abc"}})
	var ae *Error
	var addr *trigger.AddressError
	if !IsPermanent(err) || !errors.As(err, &ae) || ae.Code != CodeRefused || !errors.As(err, &addr) {
		t.Fatalf("loopback: %v (%T); want a permanent refusal keeping the policy's error", err, err)
	}
	if !strings.Contains(err.Error(), "--allow-private-addresses") || !strings.Contains(err.Error(), "loopback") || strings.Contains(err.Error(), "token=abc") {
		t.Fatalf("message: %v", err)
	}

	// The same by name, before the request (another transport: a test's).
	byName := Conn{HTTP: trigger.PolicyClient(&http.Client{Transport: roundTripFunc(http.DefaultTransport.RoundTrip)}, false)}
	if _, err := a.Run(context.Background(), byName, Input{Fields: map[string]any{"url": "http://10.0.0.1/hook"}}); !IsPermanent(err) {
		t.Fatalf("private by name: %v; want permanent", err)
	}

	// A redirect to another host with the request's credentials is not
	// followed, however often it is tried.
	allowed := Conn{HTTP: trigger.PolicyClient(&http.Client{}, true)}
	_, err = a.Run(context.Background(), allowed, Input{Fields: map[string]any{"url": srv.URL + "/away", "authorization": "Bearer s3cret"}})
	if !IsPermanent(err) || !strings.Contains(err.Error(), "redirected to another host") {
		t.Fatalf("redirect: %v; want a permanent refusal", err)
	}

	// Allowed, the same target is called.
	if out, err := a.Run(context.Background(), allowed, Input{Fields: map[string]any{"url": srv.URL + "/hook"}}); err != nil || out["status"] != 204 {
		t.Fatalf("allowed: %v, %v", out, err)
	}
	// A network failure stays worth another attempt.
	srv.Close()
	_, err = a.Run(context.Background(), allowed, Input{Fields: map[string]any{"url": srv.URL + "/hook?token=abc"}})
	if err == nil || IsPermanent(err) {
		t.Fatalf("connection refused: %v; want a retryable error", err)
	}
	if strings.Contains(err.Error(), "token=abc") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("connection refused: %v; want the failure without the URL's query", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
