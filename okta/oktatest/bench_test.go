package oktatest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkServe measures the simulator's own cost per request (no
// network): creating a user and reading one by login, with the default
// options and with a tier's per-token share.
func BenchmarkServe(b *testing.B) {
	for _, opts := range []struct {
		name string
		o    Options
	}{
		{"default", Options{RateLimit: 1 << 30, SeedUsers: 1000}},
		{"tier", Options{Tier: TierWorkforce, RateLimits: map[string]int{bucketUsers: 1 << 30, bucketUserRead: 1 << 30}, SeedUsers: 1000}},
	} {
		b.Run(opts.name, func(b *testing.B) {
			org := NewOrg(opts.o)
			auth := "SSWS " + org.Token()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				login := fmt.Sprintf("bench.%d@example.com", i)
				body := `{"profile":{"firstName":"B","lastName":"N","email":"` + login + `","login":"` + login + `"}}`
				req := httptest.NewRequest(http.MethodPost, "/api/v1/users?activate=false", strings.NewReader(body))
				req.Header.Set("Authorization", auth)
				w := httptest.NewRecorder()
				org.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("create: %d %s", w.Code, w.Body)
				}
				req = httptest.NewRequest(http.MethodGet, "/api/v1/users/"+login, nil)
				req.Header.Set("Authorization", auth)
				w = httptest.NewRecorder()
				org.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("get: %d", w.Code)
				}
			}
			b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
