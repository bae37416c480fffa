package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// simOptions parses sim flags into the simulator's options.
func simOptions(t *testing.T, args ...string) (oktatest.Options, error) {
	t.Helper()
	var f simFlags
	cmd := newSimCmdInto(&f)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatalf("flags %v: %v", args, err)
	}
	return f.options(cmd)
}

func writeKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	path := filepath.Join(t.TempDir(), "app.pub.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSimFlags(t *testing.T) {
	key := writeKey(t)
	opts, err := simOptions(t, "--tier", "integrator-free", "--bucket-limit", "/api/v1/logs=5", "--search-lag", "1s",
		"--oauth-client", "key="+key+",scopes=okta.users.manage+okta.groups.manage,id=0oasandbox,name=Sandbox app",
		"--oauth-client", "key="+key+",scopes=okta.logs.read,dpop=false", "--token-share", "40")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Tier != "integrator-free" || opts.RateLimits["/api/v1/logs"] != 5 || opts.SearchLag != time.Second || opts.TokenShare != 40 {
		t.Errorf("options %+v", opts)
	}
	// Without --rate-limit and --concurrency the tier decides.
	if opts.RateLimit != 0 || opts.Concurrency != 0 {
		t.Errorf("rate limit %d concurrency %d, want 0 (the tier's)", opts.RateLimit, opts.Concurrency)
	}
	if len(opts.OAuthClients) != 2 || opts.OAuthClients[0].ID != "0oasandbox" || !opts.OAuthClients[0].DPoP || opts.OAuthClients[1].DPoP ||
		strings.Join(opts.OAuthClients[0].Scopes, " ") != "okta.users.manage okta.groups.manage" {
		t.Errorf("clients %+v", opts.OAuthClients)
	}
	if opts, _ := simOptions(t, "--rate-limit", "50"); opts.RateLimit != 50 {
		t.Errorf("--rate-limit 50 gave %d", opts.RateLimit)
	}

	bad := map[string][]string{
		"not a tier":            {"--tier", "gold"},
		"unknown bucket":        {"--bucket-limit", "/api/v2=5"},
		"percentage from 1":     {"--token-share", "150"},
		"cannot be negative":    {"--search-lag", "-1s"},
		"key=FILE is missing":   {"--oauth-client", "scopes=okta.users.read"},
		"scopes=… is missing":   {"--oauth-client", "key=" + key},
		"cannot read":           {"--oauth-client", "key=/nonexistent.pem,scopes=okta.users.read"},
		"not an Okta API scope": {"--oauth-client", "key=" + key + ",scopes=openid"},
		"unknown key":           {"--oauth-client", "key=" + key + ",scopes=okta.users.read,color=red"},
		"registered already":    {"--oauth-client", "key=" + key + ",scopes=okta.users.read,id=0oa1", "--oauth-client", "key=" + key + ",scopes=okta.users.read,id=0oa1"},
	}
	for want, args := range bad {
		if _, err := simOptions(t, args...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want an error saying %q", args, err, want)
		}
	}
}

func TestSimRunPrintsOAuthApps(t *testing.T) {
	key := writeKey(t)
	opts, err := simOptions(t, "--token", "dev-token", "--oauth-client", "key="+key+",scopes=okta.users.read,id=0oaprinted")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut simOutput
	done := make(chan error, 1)
	go func() { done <- runSim(ctx, &out, &errOut, "127.0.0.1:0", opts, true) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl-C") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "OAuth app:  0oaprinted (token endpoint http://127.0.0.1:") {
		t.Errorf("banner:\n%s", out.String())
	}
}

// simOutput is a bytes.Buffer safe to read while runSim writes it.
type simOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *simOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *simOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
