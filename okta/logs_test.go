package okta

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

const logEvent1 = `{"uuid":"e1","published":"2026-03-02T10:00:01.123Z","eventType":"user.lifecycle.create","version":"0","severity":"INFO",
"legacyEventType":"core.user.config.user_creation.success","displayMessage":"Create Okta user",
"actor":{"id":"00uA","type":"User","alternateId":"admin@acme.com","displayName":"Admin","detailEntry":null},
"client":{"userAgent":{"rawUserAgent":"curl","os":"Unknown","browser":"UNKNOWN"},"zone":"null","device":"Unknown","id":null,"ipAddress":"10.0.0.1","geographicalContext":null},
"outcome":{"result":"SUCCESS","reason":null},
"target":[{"id":"00u1","type":"User","alternateId":"a@b.c","displayName":"A B","detailEntry":null,"changeDetails":{"from":{},"to":{}}}],
"transaction":{"type":"WEB","id":"tx1","detail":{}},"debugContext":{"debugData":{"requestId":"r1"}},
"authenticationContext":{"externalSessionId":"x"},"securityContext":{"isp":null},"request":{"ipChain":[]}}`

func TestLogEventRoundTrip(t *testing.T) {
	var e LogEvent
	if err := json.Unmarshal([]byte(logEvent1), &e); err != nil {
		t.Fatal(err)
	}
	if e.UUID != "e1" || e.EventType != "user.lifecycle.create" || e.Published == nil || e.Actor.AlternateID != "admin@acme.com" ||
		len(e.Target) != 1 || e.Target[0].ID != "00u1" || e.Outcome.Result != "SUCCESS" || e.Client.IPAddress != "10.0.0.1" ||
		e.Severity != "INFO" || e.DisplayMessage != "Create Okta user" || e.Transaction.ID != "tx1" || e.Extra["request"] == nil {
		t.Fatalf("decoded %+v", e)
	}
	out, _ := json.Marshal(e)
	assertSameJSON(t, logEvent1, string(out))
}

func TestLogPoller(t *testing.T) {
	since := time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	first := url.Values{"since": {"2026-03-02T09:00:00.000Z"}, "sortOrder": {"ASCENDING"}, "limit": {"1000"},
		"filter": {`eventType sw "user.lifecycle"`}}
	const q2, q3 = "limit=1000&after=1677_1&sortOrder=ASCENDING", "limit=1000&after=1677_2&sortOrder=ASCENDING"
	c, srv, served := scripted(t, []exchange{
		{method: "GET", path: "/api/v1/logs", query: first, resp: "[" + logEvent1 + "," + strings.Replace(logEvent1, `"e1"`, `"e2"`, 1) + "]",
			header: links("self", "{base}/api/v1/logs?x", "next", "{base}/api/v1/logs?"+q2)},
		{method: "GET", path: "/api/v1/logs", rawQuery: q2, resp: "[" + strings.Replace(logEvent1, `"e1"`, `"e3"`, 1) + "]",
			header: links("next", "{base}/api/v1/logs?"+q3)},
		{method: "GET", path: "/api/v1/logs", rawQuery: q3, resp: "[]", header: links("next", "{base}/api/v1/logs?"+q3)},
		// The next poll resumes exactly at the persisted cursor.
		{method: "GET", path: "/api/v1/logs", rawQuery: q3, resp: "[]", header: links("next", "{base}/api/v1/logs?"+q3)},
	})
	p := c.NewLogPoller(LogPollerOptions{Since: since, Filter: `eventType sw "user.lifecycle"`})
	ctx := context.Background()
	events, cursor, err := p.Poll(ctx, "")
	if err != nil || len(events) != 3 || events[2].UUID != "e3" || cursor != srv.URL+"/api/v1/logs?"+q3 {
		t.Fatalf("Poll = %d events, cursor %q, %v", len(events), cursor, err)
	}
	events, again, err := p.Poll(ctx, cursor)
	if err != nil || len(events) != 0 || again != cursor || served.Load() != 4 {
		t.Fatalf("resumed Poll = %d events, cursor %q, %v", len(events), again, err)
	}
	for _, bad := range []string{"https://other.okta.com/api/v1/logs?after=1", srv.URL + "/api/v1/users?after=1", "not a url", "/api/v1/logs"} {
		if _, _, err := p.Poll(ctx, bad); err == nil || !strings.Contains(err.Error(), "cursor") {
			t.Errorf("cursor %q accepted: %v", bad, err)
		}
	}
	if served.Load() != 4 {
		t.Errorf("a bad cursor was followed")
	}
}

func TestLogPollerBoundsAndEnds(t *testing.T) {
	ev := "[" + logEvent1 + "]"
	c, srv, _ := scripted(t, []exchange{
		{method: "GET", path: "/api/v1/logs", query: url.Values{"since": {"2026-03-02T10:00:00.000Z"}, "sortOrder": {"ASCENDING"}, "limit": {"5"}},
			resp: ev, header: links("next", "{base}/api/v1/logs?after=1")},
		{method: "GET", path: "/api/v1/logs", rawQuery: "after=1", resp: ev, header: links("next", "{base}/api/v1/logs?after=2")},
		// MaxPages reached: the third page waits for the next Poll.
		{method: "GET", path: "/api/v1/logs", rawQuery: "after=2", resp: ev},
		{method: "GET", path: "/api/v1/logs", rawQuery: "after=2", status: 500, resp: okta("E0000009")},
	}, WithMaxRetries(0))
	p := c.NewLogPoller(LogPollerOptions{Since: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Limit: 5, MaxPages: 2})
	ctx := context.Background()
	events, cursor, err := p.Poll(ctx, "")
	if err != nil || len(events) != 2 || cursor != srv.URL+"/api/v1/logs?after=2" {
		t.Fatalf("Poll = %d events, %q, %v", len(events), cursor, err)
	}
	// An answer without a next link: the cursor stays on that page rather than going back.
	events, cursor2, err := p.Poll(ctx, cursor)
	if err != nil || len(events) != 1 || cursor2 != cursor {
		t.Fatalf("Poll = %d events, %q, %v", len(events), cursor2, err)
	}
	events, cursor3, err := p.Poll(ctx, cursor)
	if err == nil || events != nil || cursor3 != "" {
		t.Fatalf("failed Poll = %v, %q, %v; want nothing and the error", events, cursor3, err)
	}
}
