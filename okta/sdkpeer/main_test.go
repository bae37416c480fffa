package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// TestPeerCreatesUsers runs the peer against the simulator: every user is
// created once, and 429s are retried by the SDK itself and counted.
func TestPeerCreatesUsers(t *testing.T) {
	sim := oktatest.NewServer(oktatest.Options{Token: "peer-token", RateLimit: 6, RateWindow: time.Second})
	defer sim.Close()
	var out, errOut bytes.Buffer
	cfg, err := parseFlags([]string{"-org", sim.URL, "-token", "peer-token", "-users", "10", "-concurrency", "4", "-prefix", "t", "-json"}, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := report(cfg, res); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	for _, k := range []string{"users", "seconds", "users_per_sec", "status_429", "errors"} {
		if _, ok := got[k]; !ok {
			t.Errorf("output lacks %s: %s", k, out.String())
		}
	}
	if res.Users != 10 || res.Errors != 0 {
		t.Fatalf("result %+v", res)
	}
	// 10 creates in a 6-per-second bucket: some were refused and retried.
	if res.Status429 == 0 || int64(sim.RequestCount("/api/v1/users", 429)) != res.Status429 {
		t.Errorf("the peer counted %d × 429, the simulator answered %d", res.Status429, sim.RequestCount("/api/v1/users", 429))
	}
	for i := 1; i <= 10; i++ {
		if _, ok := sim.UserByLogin(fmt.Sprintf("t-%d@example.com", i)); !ok {
			t.Errorf("user t-%d was not created", i)
		}
	}
}

func TestPeerFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-token", "x"}, "-org is required"},
		{[]string{"-org", "ftp://x", "-token", "x"}, "not an http(s) URL"},
		{[]string{"-org", "http://127.0.0.1:1"}, "-token is required"},
		{[]string{"-org", "http://127.0.0.1:1", "-token", "x", "-users", "0"}, "-users must be at least 1"},
		{[]string{"-org", "http://127.0.0.1:1", "-token", "x", "-concurrency", "0"}, "-concurrency must be at least 1"},
		{[]string{"-org", "http://127.0.0.1:1", "-token", "x", "-prefix", "a@b"}, "-prefix"},
	} {
		t.Setenv("OKTA_CLIENT_TOKEN", "")
		if _, err := parseFlags(c.args, &out, &errOut); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
