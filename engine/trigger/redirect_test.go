package trigger

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// elsewhere is a server on another host name than the API (localhost
// instead of 127.0.0.1): it records what reaches it.
func elsewhere(t *testing.T) (url string, hits *atomic.Int32, got *atomic.Value) {
	hits, got = &atomic.Int32{}, &atomic.Value{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		got.Store(r.Header.Clone())
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"id": 1}]`))
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), hits, got
}

func redirectingAPI(t *testing.T, target func(r *http.Request) string) *httptest.Server {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`[{"id": 1, "key": "` + r.Header.Get("X-Api-Key") + `"}]`))
			return
		}
		http.Redirect(w, r, target(r), http.StatusFound)
	}))
	t.Cleanup(api.Close)
	return api
}

// A redirect to another host is not followed while the poll carries
// secrets (headers, authorization, secret query parameters): Go would copy
// the custom headers, and the Referer the query, to whatever host the API
// names. The poll fails saying so.
func TestHTTPPollDoesNotCarrySecretsThroughARedirectElsewhere(t *testing.T) {
	evilURL, hits, _ := elsewhere(t)
	api := redirectingAPI(t, func(r *http.Request) string { return evilURL + "/steal?" + r.URL.RawQuery })
	for name, secrets := range map[string]map[string]string{
		"headers":       {"headers": "X-Api-Key: s3cret"},
		"authorization": {"authorization": "Bearer tok"},
		"secret query":  {"secret_query": "api_key: qsecret"},
	} {
		cfg := Config{Values: map[string]any{"url": api.URL, "id_field": "id"}, Secrets: secrets}
		p, err := NewPoller(HTTPPoll, cfg, loopbackOK)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Poll(context.Background(), "", time.Now())
		if err == nil || !strings.Contains(err.Error(), "redirect") || strings.Contains(err.Error(), "qsecret") {
			t.Errorf("%s: a redirect to another host: %v", name, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the other host got %d requests carrying the trigger's secrets", n)
	}
}

// A redirect on the same host (or up to https on it) is followed with the
// headers; a redirect elsewhere of a poll that carries nothing secret is
// followed too.
func TestHTTPPollFollowsHarmlessRedirects(t *testing.T) {
	api := redirectingAPI(t, func(*http.Request) string { return "/final" })
	cfg := Config{Values: map[string]any{"url": api.URL + "/start", "id_field": "id"}, Secrets: map[string]string{"headers": "X-Api-Key: s3cret"}}
	p, err := NewPoller(HTTPPoll, cfg, loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", time.Now())
	if err != nil || len(b.Events) != 1 || b.Events[0].Data["key"] != "s3cret" {
		t.Fatalf("a redirect on the same host: %+v %v", b.Events, err)
	}
	otherURL, hits, got := elsewhere(t)
	moved := redirectingAPI(t, func(*http.Request) string { return otherURL + "/items" })
	p, err = NewPoller(HTTPPoll, Config{Values: map[string]any{"url": moved.URL, "id_field": "id"}}, loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := p.Poll(context.Background(), "", time.Now()); err != nil || len(b.Events) != 1 || hits.Load() != 1 {
		t.Fatalf("a redirect elsewhere without secrets: %+v %v", b, err)
	}
	if h := got.Load().(http.Header); h.Get("Authorization") != "" {
		t.Fatalf("headers went along: %v", h)
	}
}

// The http.request step's client is PolicyClient over the runner's own
// (at most 5 redirects): the redirect rule holds for it as well, and the
// base client's limit still applies.
func TestPolicyClientRedirectRuleKeepsTheBaseLimit(t *testing.T) {
	evilURL, hits, _ := elsewhere(t)
	api := redirectingAPI(t, func(r *http.Request) string {
		if r.URL.Path == "/loop" {
			return "/loop"
		}
		return evilURL + "/steal"
	})
	base := &http.Client{CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errTooMany
		}
		return nil
	}}
	c := PolicyClient(base, true) // the servers are on loopback; the rule is the same without the switch
	req, _ := http.NewRequest(http.MethodPost, api.URL+"/hook", strings.NewReader(`{}`))
	req.Header.Set("X-Signature", "s3cret")
	if _, err := c.Do(req); err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("a step's redirect elsewhere: %v", err)
	}
	if _, err := c.Get(api.URL + "/loop"); err == nil || !strings.Contains(err.Error(), errTooMany.Error()) {
		t.Errorf("the base client's limit: %v", err)
	}
	if hits.Load() != 0 {
		t.Fatal("the step's header went to another host")
	}
}

var errTooMany = errors.New("too many redirects")

// A failed poll's error names the URL without the secret query
// parameters' values, whatever their names (any name may be put under
// secret query parameters), nor the secret-looking ones of the URL.
func TestHTTPPollErrorsHideSecretQueryValues(t *testing.T) {
	cfg := Config{Values: map[string]any{"url": "http://127.0.0.1:1/items?page=1", "id_field": "id"},
		Secrets: map[string]string{"secret_query": "k2: topsecret-0123\napi_key: keysecret-0123\nsig: urlsig-0123"}}
	p, err := NewPoller(HTTPPoll, cfg, loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Poll(context.Background(), "", time.Now())
	if err == nil {
		t.Fatal("a poll of a closed port succeeded")
	}
	for _, secret := range []string{"topsecret", "keysecret", "urlsig"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows %s: %v", secret, err)
		}
	}
	if !strings.Contains(err.Error(), "page=1") {
		t.Errorf("the error no longer names the URL: %v", err)
	}
}
