package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve without its webhook listener would run on with nothing to answer
// webhooks, /healthz or /metrics, and only a log line to say so: a port
// already taken (the app left open, another serve) stops it at once with
// what to do.
func TestServeStopsWhenItsPortIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	db := filepath.Join(t.TempDir(), "oktaflow.db")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	_, stderr, code := cli(t, ctx, "", "serve", "--db", db, "--http-addr", ln.Addr().String(), "--ssh-addr", freeAddr(t))
	if ctx.Err() != nil {
		t.Fatal("serve kept running without its webhook listener")
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{ln.Addr().String(), "--http-addr"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the error does not name %q:\n%s", want, stderr)
		}
	}
}
