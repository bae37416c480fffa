package trigger

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeKissflow serves a process's items the way Process API v2 lists them:
// pages of Data[], behind the access key headers.
type fakeKissflow struct {
	mu       sync.Mutex
	items    []map[string]any
	requests []string
}

func (f *fakeKissflow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.RequestURI())
	if r.Header.Get("X-Access-Key-Id") != "key-id" || r.Header.Get("X-Access-Key-Secret") != "key-secret" {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"Invalid credentials"}`))
		return
	}
	if r.URL.Path != "/process/2/AcAcme/admin/Onboarding/item" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page_number"))
	size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
	from, to := (page-1)*size, page*size
	data := []map[string]any{}
	for i := from; i < to && i < len(f.items); i++ {
		data = append(data, f.items[i])
	}
	json.NewEncoder(w).Encode(map[string]any{"Data": data, "Count": len(f.items)})
}

func (f *fakeKissflow) add(id, status, completedAt string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, map[string]any{"_id": id, "_status": status, "_completed_at": completedAt,
		"Employee_Email": id + "@acme.com", "_created_by": map[string]any{"Name": "HR"}})
}

func kissflowConfig(url string) Config {
	return Config{
		Values:  map[string]any{"subdomain": "acme", "account_id": "AcAcme", "process_id": "Onboarding", "access_key_id": "key-id", "base_url": url + "/process/2/{account_id}", "page_size": float64(2)},
		Secrets: map[string]string{"access_key_secret": "key-secret"},
	}
}

func TestKissflowPollsCompletedItemsFromStart(t *testing.T) {
	fake := &fakeKissflow{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	fake.add("Pk1", "Completed", "2026-11-30T08:59:59Z") // before ON: not captured
	fake.add("Pk2", "InProgress", "")
	fake.add("Pk3", "Completed", "2026-11-30T09:05:00Z")
	fake.add("Pk4", "Rejected", "2026-11-30T09:06:00Z")
	fake.add("Pk5", "Completed", "2026-11-30T09:07:00.5Z")

	p, err := NewPoller(Kissflow, kissflowConfig(srv.URL), Deps{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", start)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(b.Events); strings.Join(got, ",") != "kissflow:Pk3,kissflow:Pk5" {
		t.Fatalf("events %v", got)
	}
	if b.Cursor != "2026-11-30T09:07:00.5Z" {
		t.Fatalf("cursor %q", b.Cursor)
	}
	if len(fake.requests) != 3 || !strings.Contains(fake.requests[2], "page_number=3&page_size=2") {
		t.Fatalf("paging: %v", fake.requests)
	}

	fake.add("Pk6", "Completed", "2026-11-30T09:07:00.5Z") // same instant as the cursor: read again, dedupe decides
	fake.add("Pk7", "Completed", "2026-11-30T10:00:00Z")
	b2, err := p.Poll(context.Background(), b.Cursor, start)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(b2.Events); strings.Join(got, ",") != "kissflow:Pk5,kissflow:Pk6,kissflow:Pk7" {
		t.Fatalf("second poll %v", got)
	}
	if b2.Cursor != "2026-11-30T10:00:00Z" {
		t.Fatalf("cursor %q", b2.Cursor)
	}

	ev, err := p.Sample(context.Background())
	if err != nil || ev.Data["_id"] != "Pk7" { // the newest completed item
		t.Fatalf("sample %v %v", ev, err)
	}
}

func TestKissflowBadCredentialsSayWhatToCheck(t *testing.T) {
	srv := httptest.NewServer(&fakeKissflow{})
	defer srv.Close()
	cfg := kissflowConfig(srv.URL)
	cfg.Secrets["access_key_secret"] = "wrong"
	p, err := NewPoller(Kissflow, cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Poll(context.Background(), "", time.Now())
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "check the credentials") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error shows the secret: %v", err)
	}
}

func keys(evs []Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.DedupeKey
	}
	return out
}
