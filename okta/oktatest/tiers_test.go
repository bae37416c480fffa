package oktatest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTierPresets checks the published per-minute limits reach the
// headers, bucket by bucket, and that an override wins.
func TestTierPresets(t *testing.T) {
	cases := []struct {
		tier   string
		bucket string
		method string
		path   string
		limit  int
	}{
		{TierIntegratorFree, "/api/v1/users", "GET", "/api/v1/users", 100},
		{TierIntegratorFree, "/api/v1/logs", "GET", "/api/v1/logs", 20},
		{TierWorkforce, "/api/v1/users/{id:.+}", "GET", "/api/v1/users/admin@example.com", 2000},
		{TierWorkforce, "/api/v1/groups", "GET", "/api/v1/groups", 500},
		{TierWorkforce, "/api/v1/groups/{id}", "GET", "/api/v1/groups/00gnope", 1000},
		{TierWorkforce, "/api/v1", "GET", "/api/v1/meta/schemas/user/default", 1200},
		{TierOneApp, "/api/v1/users/{id:.+}", "GET", "/api/v1/users/admin@example.com", 1000},
		{TierEnterprise, "/api/v1/logs", "GET", "/api/v1/logs", 50},
		{TierEnterprise, "/oauth2/v1", "POST", "/oauth2/v1/token", 1200},
	}
	for _, c := range cases {
		t.Run(c.tier+c.bucket, func(t *testing.T) {
			// TokenShare 100: the whole bucket, to read the org's limit.
			o := newTestOrg(t, Options{Tier: c.tier, TokenShare: 100})
			r := o.do(c.method, c.path, "")
			if got := r.header.Get("X-Rate-Limit-Limit"); got != strconv.Itoa(c.limit) {
				t.Errorf("%s %s: X-Rate-Limit-Limit %s, want %d", c.method, c.path, got, c.limit)
			}
			if n, ok := TierLimit(c.tier, c.bucket); !ok || n != c.limit {
				t.Errorf("TierLimit = %d %v", n, ok)
			}
		})
	}
	o := newTestOrg(t, Options{Tier: TierIntegratorFree, TokenShare: 100, RateLimits: map[string]int{"/api/v1/logs": 7}})
	if got := o.do("GET", "/api/v1/logs", "").header.Get("X-Rate-Limit-Limit"); got != "7" {
		t.Errorf("override: limit %s, want 7", got)
	}
	if got := o.do("GET", "/api/v1/users", "").header.Get("X-Rate-Limit-Limit"); got != "100" {
		t.Errorf("other buckets keep the tier: %s", got)
	}
	// Without a tier every bucket has RateLimit (600 by default), as before.
	plain := newTestOrg(t, Options{})
	if got := plain.do("GET", "/api/v1/logs", "").header.Get("X-Rate-Limit-Limit"); got != "600" {
		t.Errorf("no tier: %s", got)
	}
}

// TestTierConcurrency: the Integrator Free plan serves 35 requests at once,
// the others 75, unless Concurrency says otherwise.
func TestTierConcurrency(t *testing.T) {
	for tier, want := range map[string]int{TierIntegratorFree: 35, TierWorkforce: 75, "": 75} {
		if got := NewOrg(Options{Tier: tier}).opts.Concurrency; got != want {
			t.Errorf("tier %q: concurrency %d, want %d", tier, got, want)
		}
	}
	if got := NewOrg(Options{Tier: TierIntegratorFree, Concurrency: 5}).opts.Concurrency; got != 5 {
		t.Errorf("explicit concurrency: %d", got)
	}
}

// TestTokenShare: by default on a tier one API token may use half of each
// bucket (reference/rl2-token-oauth); the headers report that ceiling, and
// another principal (an OAuth app) has its own half of the same bucket.
func TestTokenShare(t *testing.T) {
	o := newTestOrg(t, Options{Tier: TierIntegratorFree, RateLimits: map[string]int{"/api/v1/users": 10}, OAuthClients: []OAuthClient{{
		ID: clientID, PublicKey: publicPEM(t, rsaTestKey()), Scopes: []string{"okta.users.read"},
	}}})
	for i := 4; i >= 0; i-- {
		r := o.do("GET", "/api/v1/users", "")
		mustStatus(t, r, http.StatusOK)
		if l, rem := r.header.Get("X-Rate-Limit-Limit"), r.header.Get("X-Rate-Limit-Remaining"); l != "5" || rem != strconv.Itoa(i) {
			t.Errorf("limit %s remaining %s, want 5 and %d", l, rem, i)
		}
	}
	wantError(t, o.do("GET", "/api/v1/users", ""), http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
	token := o.postToken(tokenForm(o.assertion(nil), "okta.users.read"), "").object(t)["access_token"].(string)
	for range 5 {
		mustStatus(t, o.doToken("GET", "/api/v1/users", "", token, nil), http.StatusOK)
	}
	r := o.doToken("GET", "/api/v1/users", "", token, nil)
	mustStatus(t, r, http.StatusTooManyRequests)
	// A new window gives both their share again.
	o.advance(time.Minute)
	mustStatus(t, o.do("GET", "/api/v1/users", ""), http.StatusOK)

	// With the share at 100 one token may use the whole bucket.
	full := newTestOrg(t, Options{Tier: TierIntegratorFree, TokenShare: 100, RateLimits: map[string]int{"/api/v1/users": 10}})
	for range 10 {
		mustStatus(t, full.do("GET", "/api/v1/users", ""), http.StatusOK)
	}
}

func TestTierOptionErrors(t *testing.T) {
	for _, opts := range []Options{{Tier: "gold"}, {TokenShare: 101}, {RateLimits: map[string]int{"/api/v2": 5}}, {RateLimits: map[string]int{"/api/v1/users": 0}}} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("NewOrg(%+v) did not panic", opts)
				}
			}()
			NewOrg(opts)
		}()
	}
	if _, err := LoadOrg(strings.NewReader("{}"), Options{Tier: "gold"}); err == nil || !strings.Contains(err.Error(), "unknown tier") {
		t.Errorf("LoadOrg with a bad tier: %v", err)
	}
	got, err := ParseBucketLimits(" /api/v1/users=50, /api/v1/logs=10 ")
	if err != nil || got["/api/v1/users"] != 50 || got["/api/v1/logs"] != 10 || len(got) != 2 {
		t.Errorf("ParseBucketLimits = %v, %v", got, err)
	}
	for spec, want := range map[string]string{
		"/api/v1/users":                   "want bucket=limit",
		"/api/v2=5":                       "unknown bucket",
		"/api/v1/users=0":                 "at least 1",
		"/api/v1/users=1,/api/v1/users=2": "listed twice",
	} {
		if _, err := ParseBucketLimits(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBucketLimits(%q) = %v, want %q", spec, err, want)
		}
	}
}
