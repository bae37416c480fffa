package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestNewClientRejectsBadTokens(t *testing.T) {
	for _, tok := range []string{"", "   ", "{apiToken}", "SSWS {apiToken}", "00ab cd", "00ab\ncd"} {
		_, err := NewClient("acme.okta.com", tok)
		if err == nil {
			t.Errorf("token %q accepted", tok)
			continue
		}
		if secretish := strings.TrimSpace(tok); secretish != "" && !strings.Contains(tok, "{apiToken}") && strings.Contains(err.Error(), secretish) {
			t.Errorf("error %q repeats the token", err)
		}
	}
	if _, err := NewClient("acme-admin.okta.com", testToken); err == nil || !strings.Contains(err.Error(), "admin") {
		t.Errorf("admin host accepted: %v", err)
	}
	if _, err := NewClient("http://127.0.0.1:9", testToken); err == nil {
		t.Error("plain http loopback accepted without WithAllowHTTPLoopback")
	}
	for _, o := range []Option{WithMaxConcurrency(0), WithMaxRetries(-1), WithRetryBackoff(0, 1), WithRetryBackoff(2, 1)} {
		if _, err := NewClient("acme.okta.com", testToken, o); err == nil {
			t.Error("invalid option accepted")
		}
	}
	c, err := NewClient("https://ACME.okta.com/", testToken)
	if err != nil || c.OrgURL() != "https://acme.okta.com" {
		t.Fatalf("NewClient = %v, %v", c, err)
	}
}

func TestClientNeverPrintsToken(t *testing.T) {
	c, err := NewClient("acme.okta.com", testToken)
	if err != nil {
		t.Fatal(err)
	}
	holder := struct {
		C *Client
		V Client
	}{c, *c}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("client", "c", c, "token", c.token)
	js, _ := json.Marshal(holder)
	for _, s := range []string{
		c.String(), c.GoString(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c),
		fmt.Sprintf("%v %+v %#v", holder, holder, holder), fmt.Sprintf("%+v %#v", c.token, c.token),
		logged.String(), string(js),
	} {
		if strings.Contains(s, testToken) {
			t.Fatalf("token printed: %s", s)
		}
	}
	if !strings.Contains(c.String(), "https://acme.okta.com") {
		t.Errorf("String() = %q; want the org", c)
	}
}

// Every request carries SSWS auth and JSON headers; logs and errors never carry the token.
func TestRequestHeadersAndTokenHygiene(t *testing.T) {
	var n atomic.Int32
	var rec recorder
	var logs bytes.Buffer
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		switch n.Add(1) {
		case 1:
			writeJSON(w, 500, okta("E0000009"))
		case 2:
			writeJSON(w, 200, `{"id":"00u1"}`)
		case 3:
			w.Header().Set("WWW-Authenticate", "SSWS")
			writeJSON(w, 401, `{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oae1","errorCauses":[]}`)
		default:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}
	}, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithUserAgent("oktaflow-test/9"), WithMaxRetries(1))
	ctx := context.Background()
	if _, err := c.CreateUser(ctx, CreateUserRequest{Profile: map[string]any{"login": "a@b.c"}, Password: "Pw-Secret-9"}); err != nil {
		t.Fatal(err)
	}
	_, err401 := c.Me(ctx)
	if !IsInvalidToken(err401) {
		t.Fatalf("Me = %v; want invalid token", err401)
	}
	_, errNet := c.GetUser(ctx, "x")
	if errNet == nil {
		t.Fatal("network failure not reported")
	}
	for _, s := range []string{logs.String(), err401.Error(), errNet.Error(), fmt.Sprintf("%+v %#v", err401, errNet)} {
		if strings.Contains(s, testToken) || strings.Contains(s, "Pw-Secret-9") {
			t.Fatalf("secret leaked: %s", s)
		}
	}
	if !strings.Contains(logs.String(), "retrying") || !strings.Contains(logs.String(), "status=200") {
		t.Errorf("logs miss the retry or the request line:\n%s", logs.String())
	}
	for i, r := range rec.all() {
		if r.Header.Get("Authorization") != "SSWS "+testToken || r.Header.Get("Accept") != "application/json" ||
			r.Header.Get("User-Agent") != "oktaflow-test/9" {
			t.Errorf("request %d headers %v", i, r.Header)
		}
		wantCT := ""
		if r.Method == http.MethodPost {
			wantCT = "application/json"
		}
		if r.Header.Get("Content-Type") != wantCT {
			t.Errorf("request %d %s Content-Type %q", i, r.Method, r.Header.Get("Content-Type"))
		}
	}
}

func TestRateLimitsSnapshot(t *testing.T) {
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		for k, v := range rateHeader(600, 599, t0.Add(60e9), t0) {
			w.Header()[k] = v
		}
		writeJSON(w, 200, `{"id":"00u1"}`)
	})
	if got := c.RateLimits(); len(got) != 0 {
		t.Fatalf("RateLimits before any request = %+v", got)
	}
	ctx := context.Background()
	_, _ = c.GetUser(ctx, "00u1")
	_, _ = c.Me(ctx)
	got := c.RateLimits()
	if len(got) != 2 || got[0].Bucket != BucketMe || got[1].Bucket != BucketUserByID || got[0].Limit != 600 || got[0].Remaining != 599 || got[0].ResetAt.IsZero() {
		t.Fatalf("RateLimits = %+v", got)
	}
}
