package okta

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The one real 429 on record (okta-sdk-python, agent pools): a 200 that already says
// Remaining 0 with Reset 49 s after its Date, then a 429 E0000047, then a 200 in the next
// window. Replayed on the fake clock: the client paces before the 429 (it waits for the
// reset the 200 announced), and when the 429 comes anyway it waits Reset − Date + 1s by the
// server's clock and retries with Okta's retry headers.
func TestReplayRecorded429(t *testing.T) {
	var fx *Fixture
	for _, f := range LoadFixtures(t) {
		if strings.Contains(f.Name, "TestAgentPoolsResource") {
			fx = f
		}
	}
	if fx == nil || len(fx.Interactions) != 3 || fx.Interactions[1].Response.Status != 429 {
		t.Fatal("the recorded 429 exchange is missing from the fixtures")
	}
	date0, _ := http.ParseTime(fx.Header(0).Get("Date"))
	clk := newFakeClock(date0.Add(300 * time.Millisecond)) // local and server clocks agree
	var served atomic.Int32
	var retryFor, retryCount []string
	c, _ := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		i := int(served.Add(1)) - 1
		if i >= 3 {
			t.Errorf("request %d beyond the recording", i)
			return
		}
		if r.URL.RawQuery != strings.SplitN(fx.Interactions[i].Request.URL, "?", 2)[1] {
			t.Errorf("request %d query %q", i, r.URL.RawQuery)
		}
		retryFor = append(retryFor, r.Header.Get("X-Okta-Retry-For"))
		retryCount = append(retryCount, r.Header.Get("X-Okta-Retry-Count"))
		for k, vs := range fx.Header(i) {
			if k != "Content-Encoding" && k != "Transfer-Encoding" && k != "Content-Length" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(fx.Interactions[i].Response.Status)
		_, _ = w.Write([]byte(fx.Interactions[i].Response.Body))
	}, withClock(clk))
	ctx := context.Background()
	get := func(q string) error {
		_, err := c.call(ctx, &request{method: "GET", path: "/api/v1/agentPools", query: mustQuery(q)}, nil)
		return err
	}
	if err := get("limitPerPoolType=5&poolType=LDAP"); err != nil {
		t.Fatal(err)
	}
	if err := get("limitPerPoolType=5&poolType=Radius"); err != nil {
		t.Fatal(err)
	}
	sleeps := clk.slept()
	if len(sleeps) != 2 {
		t.Fatalf("sleeps %v; want a pacing wait and a 429 wait", sleeps)
	}
	if sleeps[0] < 48500*time.Millisecond || sleeps[0] > 49500*time.Millisecond {
		t.Errorf("paced %v before the second request; the first answer announced 0 left for 49 s", sleeps[0])
	}
	// The recording's clock jumped back 49 s, so the 429's own Date is all the client knows
	// of the server's clock: the reset is surely past Reset − Date = 48 s later (Date is the
	// server's time truncated, never ahead of it), plus the clocks' possible drift over
	// those 48 s (200 ppm: 9.6 ms) and the few ms margin.
	if sleeps[1] < 48*time.Second+resetMargin || sleeps[1] > 48*time.Second+10*time.Millisecond+2*resetMargin {
		t.Errorf("after the 429 waited %v; want Reset − Date = 48 s plus a few ms", sleeps[1])
	}
	if retryFor[2] != "5168be8d5f54ca5371398055415254ff" || retryCount[2] != "1" || retryFor[1] != "" {
		t.Errorf("retry headers for %q count %q", retryFor, retryCount)
	}
	s := c.RateLimits()
	if len(s) != 1 || s[0].Bucket != BucketAPIDefault || s[0].Limit != 10 || s[0].Remaining != 9 {
		t.Errorf("RateLimits = %+v", s)
	}
}
