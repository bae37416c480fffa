package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow"
	"github.com/oktaflow/oktaflow/storage"
)

// fakeKissflow is a process's items in memory, with the calls it answered.
type fakeKissflow struct {
	mu      sync.Mutex
	items   map[string]map[string]any // "process/item" → fields
	updates []map[string]any
	lose    bool  // apply an update, then report the answer lost
	fail    error // answer every call with this
}

var errNoItem = &kissflow.APIError{Status: 404, Message: "item not found"}

func (f *fakeKissflow) GetItem(_ context.Context, process, item string) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	it, ok := f.items[process+"/"+item]
	if !ok {
		return nil, errNoItem
	}
	return clone(it), nil
}

func (f *fakeKissflow) UpdateItem(_ context.Context, process, item string, fields map[string]any) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	it, ok := f.items[process+"/"+item]
	if !ok {
		return nil, errNoItem
	}
	for k, v := range fields {
		it[k] = v
	}
	f.updates = append(f.updates, clone(fields))
	if f.lose {
		return nil, errLost
	}
	return clone(it), nil
}

func (f *fakeKissflow) ProcessFields(context.Context, string) ([]KissflowField, error) {
	return []KissflowField{{ID: "_id", Name: "ID", Type: "Text"}, {ID: "Okta_User_ID", Name: "Okta user id", Type: "Text"},
		{ID: "Seats", Name: "Seats", Type: "Number"}}, nil
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestKissflowUpdateItem(t *testing.T) {
	kf := &fakeKissflow{items: map[string]map[string]any{
		"Onboarding/Pk7": {"_id": "Pk7", "Email": "ada@acme.com", "Okta_User_ID": ""},
		"Other/Pk9":      {"_id": "Pk9", "Okta_User_ID": "00u1"},
	}}
	a, _ := Lookup("kissflow.update_item")
	ev := NewEvent(storage.Trigger{Type: "kissflow", Config: map[string]any{"process_id": "Onboarding"}}, map[string]any{"_id": "Pk7"})
	conn := Conn{Kissflow: kf, Event: ev}
	fields := map[string]any{"Okta_User_ID": "00uNEW", "Email": "ada@acme.com"}
	out, err := a.Run(context.Background(), conn, Input{Fields: fields})
	if err != nil || out["outcome"] != "updated" || out["itemId"] != "Pk7" || out["processId"] != "Onboarding" {
		t.Fatalf("update: %v, %v", out, err)
	}
	if len(kf.updates) != 1 || len(kf.updates[0]) != 1 || kf.updates[0]["Okta_User_ID"] != "00uNEW" {
		t.Fatalf("sent %v; want only the field that differs", kf.updates)
	}
	checkOutcome(t, a, out)
	// Again: the values are there, no write.
	out, err = a.Run(context.Background(), conn, Input{Fields: fields})
	if err != nil || out["outcome"] != "unchanged" || len(kf.updates) != 1 {
		t.Fatalf("again: %v, %v (%d writes)", out["outcome"], err, len(kf.updates))
	}
	// A lost answer: the retry finds the value there.
	kf.lose = true
	if _, err := a.Run(context.Background(), conn, Input{Fields: map[string]any{"Okta_User_ID": "00uOTHER"}}); !errors.Is(err, errLost) {
		t.Fatal(err)
	}
	kf.lose = false
	if out, err := a.Run(context.Background(), conn, Input{Fields: map[string]any{"Okta_User_ID": "00uOTHER"}}); err != nil || out["outcome"] != "unchanged" {
		t.Fatalf("retry: %v, %v", out["outcome"], err)
	}
	// Any item by id, with a trigger that is not Kissflow.
	other := Input{Fields: map[string]any{"item.process": "Other", "item.id": "Pk9", "Okta_User_ID": "00u2"}}
	if out, err := a.Run(context.Background(), Conn{Kissflow: kf}, other); err != nil || out["outcome"] != "updated" {
		t.Fatalf("by id: %v, %v", out, err)
	}
	var ae *Error
	if _, err := a.Run(context.Background(), Conn{Kissflow: kf}, Input{Fields: fields}); !errors.As(err, &ae) || !strings.Contains(err.Error(), "item.process") {
		t.Fatalf("no item: %v", err)
	}
	_, err = a.Run(context.Background(), Conn{Kissflow: kf}, Input{Fields: map[string]any{"item.process": "Other", "item.id": "Nope", "X": "1"}})
	if !errors.As(err, &ae) || ae.Code != CodeNotFound || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("missing item: %v; want a permanent not-found naming it", err)
	}
	kf.fail = &kissflow.APIError{Status: 503, Message: "down"}
	if _, err := a.Run(context.Background(), conn, Input{Fields: fields}); err == nil || IsPermanent(err) {
		t.Fatalf("503: %v; want a retryable error", err)
	}
	kf.fail = nil
	if _, err := a.Run(context.Background(), Conn{}, Input{Fields: fields}); !IsPermanent(err) {
		t.Fatalf("no Kissflow client: %v", err)
	}
	if !a.Traits().OpenFields || a.Traits().Connector != ConnectorKissflow {
		t.Fatalf("traits %+v", a.Traits())
	}
	got, _ := kf.ProcessFields(context.Background(), "Onboarding")
	fs := ProcessFieldsAsFields(got)
	if len(fs) != 4 || fs[2].Name != "Okta_User_ID" || fs[3].Type != TypeNumber {
		t.Fatalf("process fields: %+v", fs)
	}
}

// hookServer records what it was sent and answers status with body.
type hookServer struct {
	mu     sync.Mutex
	got    []*http.Request
	bodies []string
	status int
	body   string
	ctype  string
	delay  time.Duration
}

// set changes the answer; the server may still be answering another request.
func (h *hookServer) set(f func(h *hookServer)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(h)
}

// last returns the last request and its body.
func (h *hookServer) last() (*http.Request, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got[len(h.got)-1], h.bodies[len(h.bodies)-1]
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.got = append(h.got, r)
	h.bodies = append(h.bodies, string(b))
	status, body, ctype, delay := h.status, h.body, h.ctype, h.delay
	h.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if ctype == "" {
		ctype = "application/json"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Set-Cookie", "session=secret")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func TestHTTPRequest(t *testing.T) {
	h := &hookServer{status: 201, body: `{"ticket": 9007199254740993, "ok": true}`}
	srv := httptest.NewServer(h)
	defer srv.Close()
	a, _ := Lookup("http.request")
	conn := Conn{HTTP: srv.Client(), Key: "run1:notify"}
	fields := map[string]any{
		"url":           srv.URL + "/hooks/okta?token=abc",
		"body":          map[string]any{"oktaId": "00u1", "n": int64(3)},
		"headers":       `{"X-Source": "oktaflow"}`,
		"authorization": "Bearer s3cret",
	}
	out, err := a.Run(context.Background(), conn, Input{Fields: fields})
	if err != nil || out["outcome"] != "sent" || out["status"] != 201 {
		t.Fatalf("send: %v, %v", out, err)
	}
	body, _ := out["body"].(map[string]any)
	if body["ticket"] != int64(9007199254740993) || body["ok"] != true {
		t.Fatalf("answer body %#v; want exact numbers", out["body"])
	}
	if hs, _ := out["headers"].(map[string]any); hs["Set-Cookie"] != nil || hs["Content-Type"] != "application/json" {
		t.Fatalf("answer headers %v", hs)
	}
	r, sent := h.last()
	if r.Method != "POST" || r.Header.Get("Authorization") != "Bearer s3cret" || r.Header.Get("X-Source") != "oktaflow" ||
		r.Header.Get("Idempotency-Key") != "run1:notify" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s %v", r.Method, r.Header)
	}
	if sent != `{"n":3,"oktaId":"00u1"}` {
		t.Fatalf("sent body %s", sent)
	}
	desc := strings.Join(a.Describe(Input{Fields: fields}).Calls, "\n")
	if strings.Contains(desc, "s3cret") || strings.Contains(desc, "token=abc") || !strings.Contains(desc, "Authorization") {
		t.Fatalf("describe leaks a secret or omits the header: %s", desc)
	}

	// Unexpected statuses: a 4xx fails at once, a 5xx is worth a retry.
	h.set(func(h *hookServer) { h.status, h.body = 404, `{"error":"no such hook"}` })
	_, err = a.Run(context.Background(), conn, Input{Fields: fields})
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != CodeUnexpected || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "no such hook") {
		t.Fatalf("404: %v", err)
	}
	if strings.Contains(err.Error(), "token=abc") {
		t.Fatalf("the error names the query: %v", err)
	}
	h.set(func(h *hookServer) { h.status = 503 })
	if _, err = a.Run(context.Background(), conn, Input{Fields: fields}); err == nil || IsPermanent(err) {
		t.Fatalf("503: %v; want a retryable error", err)
	}
	// Expected statuses are the step's.
	h.set(func(h *hookServer) { h.status = 404 })
	if out, err := a.Run(context.Background(), conn, Input{Fields: fields, Options: map[string]any{"expect": "200,404"}}); err != nil || out["status"] != 404 {
		t.Fatalf("404 expected: %v, %v", out, err)
	}
	// A large answer is cut, not read whole.
	h.set(func(h *hookServer) {
		h.status, h.ctype, h.body = 200, "text/plain", strings.Repeat("x", maxResponseBytes*3)
	})
	out, err = a.Run(context.Background(), conn, Input{Fields: map[string]any{"url": srv.URL}, Options: map[string]any{"method": "GET"}})
	if err != nil || out["truncated"] != true || len(out["body"].(string)) != maxResponseBytes {
		t.Fatalf("large answer: %v truncated=%v len=%d", err, out["truncated"], len(fmt.Sprint(out["body"])))
	}
	// A slow server times out.
	h.set(func(h *hookServer) { h.delay, h.body = 1500*time.Millisecond, "{}" })
	_, err = a.Run(context.Background(), conn, Input{Fields: map[string]any{"url": srv.URL}, Options: map[string]any{"timeout_seconds": 1}})
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "no answer within 1s") {
		t.Fatalf("timeout: %v", err)
	}
}

func TestHTTPRequestRefusesBadInput(t *testing.T) {
	a, _ := Lookup("http.request")
	conn := Conn{HTTP: http.DefaultClient}
	for name, f := range map[string]map[string]any{
		"not a URL":       {"url": "ftp://x"},
		"body not JSON":   {"url": "https://x.example", "body": "{oops"},
		"header array":    {"url": "https://x.example", "headers": `["a"]`},
		"auth in headers": {"url": "https://x.example", "headers": map[string]any{"authorization": "Bearer x"}},
		"header newline":  {"url": "https://x.example", "headers": map[string]any{"X-A": "a\r\nX-B: b"}},
		"own key":         {"url": "https://x.example", "headers": map[string]any{"Idempotency-Key": "k"}},
		"secret line":     {"url": "https://x.example", "secret_headers": "X-Api-Key abc"},
		"secret twice":    {"url": "https://x.example", "secret_headers": "X-Api-Key: a", "headers": `{"X-Api-Key": "b"}`},
		"auth twice":      {"url": "https://x.example", "secret_headers": "Authorization: Bearer a", "authorization": "Bearer b"},
		"secret host":     {"url": "https://x.example", "secret_headers": "Host: evil.example"},
	} {
		if _, err := a.Run(context.Background(), conn, Input{Fields: f}); !IsPermanent(err) {
			t.Errorf("%s: %v; want a permanent error", name, err)
		}
	}
	if err := a.Check([]string{"url"}, map[string]any{"expect": "2xx,700"}); err == nil {
		t.Error("a status beyond 599 passed")
	}
	for _, ok := range []string{"2xx", "200,201", "200-299, 404", ""} {
		if _, err := parseExpect(ok); err != nil {
			t.Errorf("expect %q: %v", ok, err)
		}
	}
	if b, _ := json.Marshal(a.Traits()); !strings.Contains(string(b), `"Connector":""`) {
		t.Errorf("http.request needs an account: %s", b)
	}
}

// Secret headers are "Name: value" lines sent as headers; their errors and
// the preview never show a value; a literal plain header that looks like a
// credential is refused at save with the way to keep it sealed.
func TestHTTPRequestSecretHeaders(t *testing.T) {
	h := &hookServer{status: 200, body: `{}`}
	srv := httptest.NewServer(h)
	defer srv.Close()
	a, _ := Lookup("http.request")
	fields := map[string]any{"url": srv.URL, "secret_headers": "X-Api-Key: k-SECRET-1\n\nX-Tenant-Token:  t-SECRET-2 ", "authorization": "Bearer b-SECRET"}
	if _, err := a.Run(context.Background(), Conn{HTTP: srv.Client()}, Input{Fields: fields}); err != nil {
		t.Fatal(err)
	}
	r, _ := h.last()
	if r.Header.Get("X-Api-Key") != "k-SECRET-1" || r.Header.Get("X-Tenant-Token") != "t-SECRET-2" || r.Header.Get("Authorization") != "Bearer b-SECRET" {
		t.Fatalf("sent %v", r.Header)
	}
	if desc := strings.Join(a.Describe(Input{Fields: fields}).Calls, "\n"); strings.Contains(desc, "SECRET") || !strings.Contains(desc, "X-Api-Key") {
		t.Fatalf("describe: %s", desc)
	}
	if !slices.Contains(SecretFields(a), "secret_headers") || !slices.Contains(SecretFields(a), "authorization") {
		t.Fatalf("secret fields: %v", SecretFields(a))
	}
	_, err := a.Run(context.Background(), Conn{HTTP: srv.Client()}, Input{Fields: map[string]any{"url": srv.URL, "secret_headers": "Bad Name: v-SECRET"}})
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("a bad secret header: %v", err)
	}
	err = CheckLiteral(a, storage.UserSchema{}, "headers", `{"x-api-key": "abc", "X-Source": "o"}`)
	if err == nil || !strings.Contains(err.Error(), "X-Api-Key") || !strings.Contains(err.Error(), "secret_headers") || strings.Contains(err.Error(), "X-Source") {
		t.Fatalf("a credential in the plain headers: %v", err)
	}
	if err := CheckLiteral(a, storage.UserSchema{}, "headers", `{"X-Source": "o"}`); err != nil {
		t.Fatalf("plain headers: %v", err)
	}
	if err := CheckLiteral(a, storage.UserSchema{}, "secret_headers", "X-Api-Key: k"); err != nil {
		t.Fatalf("secret headers: %v", err)
	}
}
