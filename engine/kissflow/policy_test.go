package kissflow_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/engine/trigger"
)

// An address the private-address policy refuses is refused for good: the
// client does not try it again (each try cost a backoff: ~7 s a poll), and
// the error says why, as a *trigger.AddressError.
func TestPolicyRefusalIsNotRetried(t *testing.T) {
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { served.Add(1) }))
	t.Cleanup(srv.Close)
	var tries atomic.Int32
	c, err := kissflow.New(kissflow.Config{Host: srv.URL, AllowHTTP: true, AccountID: "AcAcme", AccessKeyID: "kid", AccessKeySecret: "ksecret"},
		kissflow.WithHTTPClient(trigger.PolicyClient(&http.Client{Timeout: 5 * time.Second}, false)),
		kissflow.WithRetry(4, 50*time.Millisecond),
		kissflow.WithObserver(func(kissflow.Call) { tries.Add(1) }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListItems(context.Background(), "Onboarding", 1, 10)
	var refused *trigger.AddressError
	if !errors.As(err, &refused) || refused.Class != "loopback" {
		t.Fatalf("err = %v, want a *trigger.AddressError (loopback)", err)
	}
	// What trigger health shows: the refusal and the switch, without the
	// dial's wrapping.
	if msg := err.Error(); !strings.HasPrefix(msg, "Kissflow: list the items of process Onboarding: 127.0.0.1 is a loopback address") || !strings.Contains(msg, "--allow-private-addresses") {
		t.Errorf("error %q", msg)
	}
	if n := tries.Load(); n != 1 {
		t.Errorf("tried %d times, want 1: a refused address never passes on a retry", n)
	}
	if served.Load() != 0 {
		t.Errorf("the server was reached")
	}
}
