package oktatest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// replay feeds one recording to a fresh simulated org (see TestConformance).
type replay struct {
	t     *testing.T
	rec   recording
	setup fixtureSetup
	org   *Org
	clock *fakeClock
	ids   map[string]string // recorded id → simulator id
	next  map[string]string // recorded rel="next" URL → the simulator's
	host  string            // scheme://host of the recording
}

func newReplay(t *testing.T, rec recording, setup fixtureSetup) *replay {
	r := &replay{t: t, rec: rec, setup: setup, clock: &fakeClock{}, ids: map[string]string{}, next: map[string]string{}}
	first, _ := url.Parse(rec.Interactions[0].Request.URL)
	r.host = first.Scheme + "://" + first.Host
	for _, it := range rec.Interactions {
		if d, ok := recordedDate(it); ok {
			r.clock.set(d.Add(-time.Minute)) // the org existed before the recording
			break
		}
	}
	opts := Options{Shape: setup.shape, RateLimit: setup.rateLimit, RateWindow: setup.rateWindow, Seed: 7}
	admin := r.recordedUser(setup.admin)
	if admin != nil {
		opts.AdminLogin = admin["profile"].(map[string]any)["login"].(string)
	}
	r.org = newOrg(opts, r.clock.now)
	if admin != nil {
		r.adoptAdmin(admin)
	}
	return r
}

func recordedDate(it interaction) (time.Time, bool) {
	d := header(it.Response.Headers, "Date")
	if len(d) == 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(http.TimeFormat, d[0])
	return t, err == nil
}

func (r *replay) run() {
	r.seedSchema()
	r.seedGroups()
	r.seedUsers()
	for i, it := range r.rec.Interactions {
		if d, ok := recordedDate(it); ok {
			r.clock.set(d)
		}
		r.step(i, it)
	}
}

// step replays one interaction and compares the answers.
func (r *replay) step(i int, it interaction) {
	t := r.t
	req := it.Request
	target, isNext := r.next[req.URL]
	if !isNext {
		target = r.mapIDs(req.URL)
	}
	body := ""
	if req.Body != nil {
		body = r.mapIDs(*req.Body)
	} else if req.Method == http.MethodPost && pathOf(req.URL) == "/api/v1/users" {
		body = rebuildCreate(t, it.Response.Body)
	}
	hreq := httptest.NewRequest(req.Method, target, strings.NewReader(body))
	for k, vs := range req.Headers {
		hreq.Header[http.CanonicalHeaderKey(k)] = vs
	}
	hreq.Header.Set("Authorization", "SSWS "+r.org.Token())
	rr := httptest.NewRecorder()
	r.org.ServeHTTP(rr, hreq)

	where := fmt.Sprintf("#%d %s %s", i, req.Method, req.URL)
	if rr.Code != it.Response.Status {
		t.Errorf("%s: status %d, recorded %d; body %s", where, rr.Code, it.Response.Status, rr.Body.String())
		return
	}
	for _, h := range []string{"Date", "X-Okta-Request-Id", "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
		if rr.Header().Get(h) == "" {
			t.Errorf("%s: no %s header", where, h)
		}
	}
	r.compareLinks(where, header(it.Response.Headers, "Link"), rr.Header().Values("Link"))
	r.compareBodies(where, it.Response.Body, rr.Body.String())
	r.learn(req.Method, req.URL, it.Response.Body, rr.Body.String())
}

// learn records the ids the simulator gave to what the recording created.
func (r *replay) learn(method, rawURL, recBody, simBody string) {
	if method != http.MethodPost || pathOf(rawURL) != "/api/v1/users" {
		return
	}
	var rec, sim map[string]any
	if json.Unmarshal([]byte(recBody), &rec) == nil && json.Unmarshal([]byte(simBody), &sim) == nil {
		if rid, ok := rec["id"].(string); ok {
			r.ids[rid], _ = sim["id"].(string)
		}
	}
}

func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}

// mapIDs replaces recorded ids by the simulator's.
func (r *replay) mapIDs(s string) string {
	for _, rid := range slices.Sorted(maps.Keys(r.ids)) {
		s = strings.ReplaceAll(s, rid, r.ids[rid])
	}
	return s
}

// rebuildCreate rebuilds the body of a create the recorder did not keep,
// from the user it returned.
func rebuildCreate(t *testing.T, respBody string) string {
	var u map[string]any
	if err := json.Unmarshal([]byte(respBody), &u); err != nil {
		t.Fatalf("cannot rebuild a create body from %q: %v", respBody, err)
	}
	b, _ := json.Marshal(createBodyFor(u))
	return string(b)
}

// createBodyFor is the request that creates a user like the recorded u.
func createBodyFor(u map[string]any) map[string]any {
	profile := map[string]any{}
	for k, v := range u["profile"].(map[string]any) {
		if v != nil {
			profile[k] = v
		}
	}
	body := map[string]any{"profile": profile}
	creds, _ := u["credentials"].(map[string]any)
	c := map[string]any{}
	if _, has := creds["password"]; has {
		c["password"] = map[string]any{"value": "Replay-Passw0rd"}
	}
	if rq, has := creds["recovery_question"].(map[string]any); has {
		c["recovery_question"] = map[string]any{"question": rq["question"], "answer": "replayed answer"}
	}
	if len(c) > 0 {
		body["credentials"] = c
	}
	return body
}

// send makes a setup request and requires a 200.
func (r *replay) send(method, path string, body any) map[string]any {
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(method, r.host+path, strings.NewReader(string(b)))
	req.Header.Set("Authorization", "SSWS "+r.org.Token())
	rr := httptest.NewRecorder()
	r.org.ServeHTTP(rr, req)
	if rr.Code != http.StatusOK {
		r.t.Fatalf("setup %s %s: %d %s", method, path, rr.Code, rr.Body.String())
	}
	var out map[string]any
	_ = json.Unmarshal(rr.Body.Bytes(), &out)
	return out
}

// responses yields every recorded response body that decodes as JSON.
func (r *replay) responses() []any {
	var out []any
	for _, it := range r.rec.Interactions {
		var v any
		if json.Unmarshal([]byte(it.Response.Body), &v) == nil {
			out = append(out, v)
		}
	}
	return out
}

// recordedUsers gathers the user objects of all responses, by id.
func (r *replay) recordedUsers() map[string]map[string]any {
	users := map[string]map[string]any{}
	add := func(v any) {
		m, _ := v.(map[string]any)
		id, _ := m["id"].(string)
		if _, hasProfile := m["profile"].(map[string]any); strings.HasPrefix(id, "00u") && hasProfile {
			if _, seen := users[id]; !seen {
				users[id] = m
			}
		}
	}
	for _, v := range r.responses() {
		if list, isList := v.([]any); isList {
			for _, e := range list {
				add(e)
			}
		} else {
			add(v)
		}
	}
	return users
}

func (r *replay) recordedUser(id string) map[string]any {
	if id == "" {
		return nil
	}
	u := r.recordedUsers()[id]
	if u == nil {
		r.t.Fatalf("fixtureSetups names admin %s, which no response shows", id)
	}
	return u
}

// adoptAdmin makes the simulator's admin look like the recorded token owner.
func (r *replay) adoptAdmin(rec map[string]any) {
	o := r.org
	o.mu.Lock()
	defer o.mu.Unlock()
	admin := o.byID[o.meta.AdminID]
	for k, v := range createBodyFor(rec)["profile"].(map[string]any) {
		admin.Profile[k] = v
	}
	if rq, has := rec["credentials"].(map[string]any)["recovery_question"].(map[string]any); has {
		admin.RecoveryQuestion, _ = rq["question"].(string)
	}
	r.ids[rec["id"].(string)] = admin.ID
}

// createdIDs are the users the recording itself created.
func (r *replay) createdIDs() map[string]bool {
	created := map[string]bool{}
	for _, it := range r.rec.Interactions {
		if it.Request.Method == http.MethodPost && pathOf(it.Request.URL) == "/api/v1/users" && it.Response.Status == http.StatusOK {
			var u map[string]any
			if json.Unmarshal([]byte(it.Response.Body), &u) == nil {
				created[u["id"].(string)] = true
			}
		}
	}
	return created
}

// seedUsers creates, in recorded id order, the users the recorded org had
// before the recording, through the API, and brings each to its recorded
// status.
func (r *replay) seedUsers() {
	created := r.createdIDs()
	users := r.recordedUsers()
	for _, id := range slices.Sorted(maps.Keys(users)) {
		if created[id] || r.ids[id] != "" {
			continue
		}
		u := users[id]
		status := u["status"].(string)
		sim := r.send(http.MethodPost, "/api/v1/users?activate="+fmt.Sprint(status != statusStaged), createBodyFor(u))
		simID := sim["id"].(string)
		switch status {
		case statusSuspended:
			r.send(http.MethodPost, "/api/v1/users/"+simID+"/lifecycle/suspend", nil)
		case statusDeprovisioned:
			r.send(http.MethodPost, "/api/v1/users/"+simID+"/lifecycle/deactivate", nil)
		}
		if got := r.send(http.MethodGet, "/api/v1/users/"+simID, nil)["status"]; got != status {
			r.t.Fatalf("seeding recorded user %s: status %v, recorded %s", id, got, status)
		}
		r.ids[id] = simID
	}
}

// seedGroups maps the recorded built-in Everyone group to the simulator's.
func (r *replay) seedGroups() {
	for _, v := range r.responses() {
		list, _ := v.([]any)
		for _, e := range list {
			g, _ := e.(map[string]any)
			if id, _ := g["id"].(string); strings.HasPrefix(id, "00g") && g["type"] == groupBuiltIn {
				r.ids[id] = r.org.Groups()[0].ID
			}
		}
	}
}

// seedSchema adds the custom properties the first recorded schema shows
// but its own request did not add.
func (r *replay) seedSchema() {
	for _, it := range r.rec.Interactions {
		if !strings.HasPrefix(pathOf(it.Request.URL), "/api/v1/meta/schemas/user/") {
			continue
		}
		var doc struct {
			Definitions struct {
				Custom struct {
					Properties map[string]any `json:"properties"`
				} `json:"custom"`
			} `json:"definitions"`
		}
		if err := json.Unmarshal([]byte(it.Response.Body), &doc); err != nil {
			r.t.Fatalf("recorded schema: %v", err)
		}
		added := ""
		if it.Request.Body != nil {
			added = *it.Request.Body
		}
		props := map[string]any{}
		for name, def := range doc.Definitions.Custom.Properties {
			if !strings.Contains(added, `"`+name+`"`) {
				props[name] = def
			}
		}
		if len(props) > 0 {
			// The recorded order of the properties is kept by sending them one by one.
			var raw struct {
				Definitions struct {
					Custom struct {
						Properties object `json:"properties"`
					} `json:"custom"`
				} `json:"definitions"`
			}
			_ = json.Unmarshal([]byte(it.Response.Body), &raw)
			for _, m := range raw.Definitions.Custom.Properties {
				if _, pre := props[m.key]; pre {
					r.send(http.MethodPost, "/api/v1/meta/schemas/user/default", map[string]any{
						"definitions": map[string]any{"custom": map[string]any{"properties": object{{m.key, m.val}}}},
					})
				}
			}
		}
		return
	}
}
