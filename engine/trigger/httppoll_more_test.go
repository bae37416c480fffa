package trigger

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loopbackOK lets a poller reach the tests' loopback servers, as
// --allow-private-addresses does.
var loopbackOK = Deps{AllowPrivate: true}

func httpPollConfig(url string, values map[string]any) Config {
	v := map[string]any{"url": url, "id_field": "id"}
	for k, x := range values {
		v[k] = x
	}
	return Config{Values: v}
}

// Items whose cursor value equals the stored cursor are still considered:
// another item stamped in the same second as the last one seen fires.
func TestHTTPPollItemAtTheCursorStillFires(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	api.set(map[string]any{"id": "a", "updated_at": "2026-11-30T09:30:00Z"})
	p, err := NewPoller(HTTPPoll, httpPollConfig(srv.URL, map[string]any{"items_path": "data.items", "cursor_field": "updated_at"}), loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", start)
	if err != nil || b.Cursor != "2026-11-30T09:30:00Z" {
		t.Fatalf("first poll %+v %v", b, err)
	}
	api.set(map[string]any{"id": "a", "updated_at": "2026-11-30T09:30:00Z"}, map[string]any{"id": "b", "updated_at": "2026-11-30T09:30:00Z"})
	b, err = p.Poll(context.Background(), b.Cursor, start)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys(b.Events), ","); got != "http:a,http:b" { // a is dropped by its dedupe key
		t.Fatalf("items at the cursor: %s", got)
	}
}

// pagedAPI serves 7 items, 3 a page, linking pages in the style asked for.
type pagedAPI struct {
	style    string // "body", "link", "cursor"
	requests []string
}

func (f *pagedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests = append(f.requests, r.URL.RequestURI())
	start := 0
	switch f.style {
	case "cursor":
		start, _ = strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("after"), "c"))
	default:
		start, _ = strconv.Atoi(r.URL.Query().Get("from"))
	}
	var items []map[string]any
	for i := start; i < start+3 && i < 7; i++ {
		items = append(items, map[string]any{"id": fmt.Sprint(i)})
	}
	more := start+3 < 7
	next := fmt.Sprintf("http://%s/items?from=%d", r.Host, start+3)
	body := map[string]any{"items": items}
	switch f.style {
	case "body":
		if more {
			body["links"] = map[string]any{"next": next}
		}
	case "link":
		if more {
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next))
		}
	case "cursor":
		if more {
			body["meta"] = map[string]any{"next_cursor": fmt.Sprintf("c%d", start+3)}
		} else {
			body["meta"] = map[string]any{"next_cursor": ""}
		}
	}
	json.NewEncoder(w).Encode(body)
}

func TestHTTPPollFollowsPages(t *testing.T) {
	for _, tc := range []struct {
		style  string
		values map[string]any
	}{
		{"body", map[string]any{"next_path": "links.next"}},
		{"link", map[string]any{}},
		{"cursor", map[string]any{"next_cursor_path": "meta.next_cursor", "cursor_param": "after"}},
	} {
		t.Run(tc.style, func(t *testing.T) {
			api := &pagedAPI{style: tc.style}
			srv := httptest.NewServer(api)
			defer srv.Close()
			tc.values["items_path"] = "items"
			p, err := NewPoller(HTTPPoll, httpPollConfig(srv.URL+"/items", tc.values), loopbackOK)
			if err != nil {
				t.Fatal(err)
			}
			b, err := p.Poll(context.Background(), "", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(keys(b.Events), ","); got != "http:0,http:1,http:2,http:3,http:4,http:5,http:6" {
				t.Fatalf("items over pages: %s (requests %v)", got, api.requests)
			}
		})
	}
	// bounded: at most max_pages pages, and the cut is reported
	api := &pagedAPI{style: "link"}
	srv := httptest.NewServer(api)
	defer srv.Close()
	p, err := NewPoller(HTTPPoll, httpPollConfig(srv.URL+"/items", map[string]any{"items_path": "items", "max_pages": "2"}), loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", time.Now())
	if err != nil || len(api.requests) != 2 || len(b.Events) != 6 || !strings.Contains(strings.Join(problemTexts(b.Problems), " "), "max pages") {
		t.Fatalf("bounded paging: %d requests, %d events, %q, %v", len(api.requests), len(b.Events), b.Problems, err)
	}
}

// A next link to another host is not followed: the headers (secrets) would
// go with it.
func TestHTTPPollRefusesNextLinkToAnotherHost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"items": []any{map[string]any{"id": 1}}, "next": "http://evil.example/steal"})
	}))
	defer srv.Close()
	p, err := NewPoller(HTTPPoll, httpPollConfig(srv.URL, map[string]any{"items_path": "items", "next_path": "next"}), loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", time.Now())
	if err != nil || len(b.Events) != 1 || !strings.Contains(strings.Join(problemTexts(b.Problems), " "), "another host") {
		t.Fatalf("got %+v %v", b, err)
	}
}

func TestHTTPPollSecretsAreSecretFields(t *testing.T) {
	spec, _ := Lookup(HTTPPoll)
	secret := map[string]bool{}
	for _, f := range spec.Fields {
		secret[f.Key] = f.Secret
	}
	if !secret["headers"] || !secret["authorization"] || !secret["secret_query"] {
		t.Fatalf("headers, authorization and secret query parameters must be sealed: %v", secret)
	}
	// a secret-looking query parameter in the URL is refused with what to do
	err := Validate(HTTPPoll, Config{Values: map[string]any{"url": "https://api.example.com/items?page=1&api_key=abc123", "id_field": "id"}})
	if err == nil || !strings.Contains(err.Error(), "api_key") || !strings.Contains(err.Error(), "Secret query parameters") || strings.Contains(err.Error(), "abc123") {
		t.Fatalf("secret in the URL: %v", err)
	}
	// SplitSecrets moves them, and the headers, out of the plain settings
	plain, secrets := SplitSecrets(HTTPPoll, map[string]any{
		"url": "https://api.example.com/items?page=1&api_key=abc123&Token=t", "id_field": "id",
		"headers": map[string]any{"X-Api-Key": "k1"},
	})
	if plain["url"] != "https://api.example.com/items?page=1" || plain["headers"] != nil {
		t.Fatalf("plain settings keep a secret: %v", plain)
	}
	if secrets["secret_query"] != "Token: t\napi_key: abc123" || secrets["headers"] != "X-Api-Key: k1" {
		t.Fatalf("secrets %q", secrets)
	}

	// the poller sends both, from the sealed settings
	var got http.Header
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, query = r.Header.Clone(), r.URL.RawQuery
		w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	cfg := httpPollConfig(srv.URL+"/items?page=1", nil)
	cfg.Secrets = map[string]string{"headers": "X-Api-Key: k1\nX-Other: two", "secret_query": "api_key: abc 123"}
	p, err := NewPoller(HTTPPoll, cfg, loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Poll(context.Background(), "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Api-Key") != "k1" || got.Get("X-Other") != "two" || query != "api_key=abc+123&page=1" {
		t.Fatalf("headers %v query %q", got, query)
	}
}

// Loopback, link-local and private addresses are refused at connect time
// (a name that resolves there, or a redirect, cannot get around it) unless
// the operator allows the private network (Deps.AllowPrivate).
func TestHTTPPollRefusesPrivateAddressesUnlessAllowed(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++; w.Write([]byte(`[]`)) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	for _, u := range []string{srv.URL, "http://localhost:" + port} {
		p, err := NewPoller(HTTPPoll, Config{Values: map[string]any{"url": u, "id_field": "id"}}, Deps{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Poll(context.Background(), "", time.Now())
		if err == nil || !strings.Contains(err.Error(), "loopback") || !strings.Contains(err.Error(), "allow") {
			t.Fatalf("%s: want a refusal naming the setting, got %v", u, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the private address was reached %d times", hits)
	}
	for _, ip := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "::1", "fe80::1", "fd00::1", "100.64.0.1"} {
		if err := checkIP(net.ParseIP(ip)); err == nil {
			t.Errorf("%s must be refused", ip)
		}
	}
	for _, ip := range []string{"8.8.8.8", "2606:4700::1111", "93.184.216.34"} {
		if err := checkIP(net.ParseIP(ip)); err != nil {
			t.Errorf("%s must be allowed: %v", ip, err)
		}
	}
	if err := CheckURLPolicy(context.Background(), "http://127.0.0.1:9/x", false); err == nil {
		t.Fatal("CheckURLPolicy: loopback literal must be refused at save")
	}
	if err := CheckURLPolicy(context.Background(), "http://127.0.0.1:9/x", true); err != nil {
		t.Fatalf("CheckURLPolicy with allow: %v", err)
	}
}

// One check per setting, shared by the form and by save.
func TestCheckFieldAgreesWithValidate(t *testing.T) {
	cases := []struct {
		typ, key, raw string
		ok            bool
	}{
		{Kissflow, "page_size", "5abc", false},
		{Kissflow, "page_size", "50", true},
		{Kissflow, "page_size", "0", false},
		{HTTPPoll, "poll_interval", "2s", false},
		{HTTPPoll, "poll_interval", "1m", true},
		{HTTPPoll, "url", "ftp://x", false},
		{HTTPPoll, "url", "https://api.example.com/x?token=1", false},
		{HTTPPoll, "max_pages", "101", false},
		{HTTPPoll, "filter", "item.", false},
		{HTTPPoll, "headers", "X-Key: 1\nbroken line", false},
		{HTTPPoll, "headers", "X-Key: 1\nX-Two: 2", true},
		{CSV, "delimiter", ";;", false},
		{CSV, "encoding", "windows-1252", true},
		{CSV, "encoding", "utf-16", false},
		{OktaEvent, "event_types", "user.lifecycle.create, ", true},
	}
	for _, c := range cases {
		err := CheckField(c.typ, c.key, c.raw)
		if (err == nil) != c.ok {
			t.Errorf("CheckField(%s, %s, %q) = %v, want ok=%v", c.typ, c.key, c.raw, err, c.ok)
		}
		// save says the same thing about the same text
		values := map[string]any{c.key: c.raw}
		verr := Validate(c.typ, Config{Values: values})
		hasKey := verr != nil && strings.Contains(verr.Error(), "trigger.config."+c.key+":")
		if hasKey == c.ok {
			t.Errorf("Validate disagrees with CheckField on %s %s=%q: %v", c.typ, c.key, c.raw, verr)
		}
	}
	if err := CheckField(CSV, "colour", "x"); err == nil {
		t.Fatal("unknown setting")
	}
}

func TestSecretLookingQueryParameters(t *testing.T) {
	for name, want := range map[string]bool{
		"api_key": true, "apikey": true, "API-Key": true, "access_token": true, "token": true, "key": true, "sig": true,
		"signature": true, "client_secret": true, "password": true, "auth": true, "code": true,
		"page": false, "limit": false, "q": false, "since": false, "sort": false, "keyword": false,
	} {
		if got := secretLooking(name); got != want {
			t.Errorf("secretLooking(%q) = %v", name, got)
		}
	}
}
