package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// flakyAPI is a JSON API for an http_poll trigger whose answer the test sets.
type flakyAPI struct {
	*httptest.Server
	status     atomic.Int32
	retryAfter atomic.Value // string
	calls      atomic.Int32
}

func newFlakyAPI(t *testing.T) *flakyAPI {
	api := &flakyAPI{}
	api.status.Store(200)
	api.retryAfter.Store("")
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		api.calls.Add(1)
		if ra := api.retryAfter.Load().(string); ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		st := int(api.status.Load())
		w.WriteHeader(st)
		if st == 200 {
			io.WriteString(w, `{"items":[]}`)
		} else {
			io.WriteString(w, `{"error":"nope"}`)
		}
	}))
	t.Cleanup(api.Close)
	return api
}

func pollDoc(url string) string {
	return fmt.Sprintf(`{"name": "Poll an API", "trigger": {"type": "http_poll", "config": {"url": %q, "items_path": "items", "id_field": "id"}},
	  "steps": [{"id": "find", "action": "okta.get_user", "account": "sandbox", "fields": {"login": "{{ trigger.email }}"}}]}`, url)
}

// TestFailingTriggerIsVisibleEverywhereAndRecovers: a trigger whose API
// answers 401 shows as failing (health, event, /healthz degraded with the
// integration's detail, Prometheus counters), backs off, and recovers by
// itself once the API answers again.
func TestFailingTriggerIsVisibleEverywhereAndRecovers(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.AllowPrivateAddresses = true // the flaky API is on loopback
	api := newFlakyAPI(t)
	in := h.importOn(pollDoc(api.URL))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := h.e.Subscribe(ctx)
	h.start()
	waitUntil(t, func() bool {
		hl, ok := h.e.TriggerHealth(in.ID)
		return ok && hl.State == TriggerOK && !hl.LastOKAt.IsZero()
	})

	api.status.Store(401)
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return hl.Failures >= 2 })
	hl, _ := h.e.TriggerHealth(in.ID)
	if hl.State != TriggerFailing || !strings.Contains(hl.LastError, "401") || hl.LastErrorAt.IsZero() || !hl.NextPollAt.After(hl.LastErrorAt) {
		t.Fatalf("health %+v", hl)
	}
	if stored, _ := h.store.TriggerHealth(in.ID); stored.State != TriggerFailing || stored.Failures < 2 {
		t.Fatalf("stored health %+v (the CLI reads it)", stored)
	}
	sawEvent := false
	for !sawEvent {
		select {
		case ev := <-events:
			sawEvent = ev.Kind == TriggerHealthChanged && ev.IntegrationID == in.ID && ev.Health != nil && ev.Health.State == TriggerFailing
		case <-time.After(30 * time.Second):
			t.Fatal("no TriggerHealthChanged event")
		}
	}
	var health struct {
		Status   string
		Triggers struct {
			OK      int
			Failing []struct {
				Integration, Name, Error string
				Failures                 int
			}
		}
	}
	getJSONBody(t, h.http.URL+"/healthz", &health)
	if health.Status != "degraded" || len(health.Triggers.Failing) != 1 || health.Triggers.Failing[0].Integration != in.ID ||
		health.Triggers.Failing[0].Name != "Poll an API" || !strings.Contains(health.Triggers.Failing[0].Error, "401") {
		t.Fatalf("/healthz %+v", health)
	}
	metrics := getBody(t, h.http.URL+"/metrics")
	for _, want := range []string{
		fmt.Sprintf(`oktaflow_trigger_poll_failures_total{integration=%q,reason="auth"}`, in.ID),
		fmt.Sprintf(`oktaflow_trigger_failing{integration=%q} 1`, in.ID),
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	api.status.Store(200)
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return hl.State == TriggerOK })
	hl, _ = h.e.TriggerHealth(in.ID)
	if hl.Failures != 0 || hl.LastOKAt.Before(hl.LastErrorAt) {
		t.Fatalf("recovered health %+v", hl)
	}
	getJSONBody(t, h.http.URL+"/healthz", &health)
	if health.Status != "ok" || health.Triggers.OK != 1 {
		t.Fatalf("/healthz after recovery %+v", health)
	}
}

// TestFailingPollHonoursRetryAfter: a 429 with Retry-After puts the next
// poll at least that far away, whatever the trigger's interval.
func TestFailingPollHonoursRetryAfter(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.AllowPrivateAddresses = true // the flaky API is on loopback
	api := newFlakyAPI(t)
	api.status.Store(429)
	api.retryAfter.Store("120")
	in := h.importOn(pollDoc(api.URL))
	h.start()
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return hl.Failures >= 1 })
	hl, _ := h.e.TriggerHealth(in.ID)
	if gap := hl.NextPollAt.Sub(hl.LastErrorAt); gap < 120*time.Second {
		t.Fatalf("next poll %v after a Retry-After: 120 answer", gap)
	}
	if calls := api.calls.Load(); calls != 1 {
		t.Fatalf("%d polls despite Retry-After", calls)
	}
}

func TestPollDelayBacksOffExponentially(t *testing.T) {
	const every = 30 * time.Second
	prev := time.Duration(0)
	for n := 1; n <= 12; n++ {
		d := pollDelay(every, n, 0)
		if d < prev*3/2 && d < maxPollBackoff*9/10 {
			t.Fatalf("failure %d: %v after %v does not grow", n, d, prev)
		}
		if d > maxPollBackoff*11/10 {
			t.Fatalf("failure %d: %v past the cap", n, d)
		}
		prev = d
	}
	if d := pollDelay(every, 1, 10*time.Minute); d < 10*time.Minute {
		t.Fatalf("Retry-After ignored: %v", d)
	}
	if d := pollDelay(every, 1, 30*24*time.Hour); d > maxRetryAfter {
		t.Fatalf("an absurd Retry-After parks the trigger for %v", d)
	}
	if d := pollDelay(every, 0, 0); d != every {
		t.Fatalf("healthy: %v", d)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func getJSONBody(t *testing.T, url string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(getBody(t, url)), v); err != nil {
		t.Fatal(err)
	}
}

// TestPollsAreStaggered: a thousand integrations with the same interval
// spread their polls over it instead of firing in the same second, and
// each keeps its own phase from one poll to the next.
func TestPollsAreStaggered(t *testing.T) {
	const n, every = 1000, 30 * time.Second
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	perSecond := map[int]int{}
	for i := range n {
		id := fmt.Sprintf("int_%06d", i)
		d := untilSlot(now, id, every)
		if d <= 0 || d > every {
			t.Fatalf("%s: wait %v outside (0, %v]", id, d, every)
		}
		if again := untilSlot(now.Add(d), id, every); again != every {
			t.Fatalf("%s: the next slot is %v after this one, want %v", id, again, every)
		}
		perSecond[int(d/time.Second)]++
	}
	mean := n / int(every/time.Second)
	for sec, c := range perSecond {
		if c > 3*mean {
			t.Fatalf("%d polls in second %d (mean %d): not staggered", c, sec, mean)
		}
	}
}
