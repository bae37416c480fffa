package trigger

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeAPI struct {
	mu    sync.Mutex
	items []map[string]any
	auth  string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = r.Header.Get("Authorization")
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"items": f.items}})
}

func (f *fakeAPI) set(items ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = items
}

func TestHTTPPollWithoutCursorFieldBaselinesThenFiresNewIDs(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	api.set(map[string]any{"id": float64(1), "status": "approved"}, map[string]any{"id": float64(2), "status": "draft"})
	p, err := NewPoller(HTTPPoll, Config{
		Values:  map[string]any{"url": srv.URL + "/requests", "items_path": "data.items", "id_field": "id", "filter": `item.status == "approved"`},
		Secrets: map[string]string{"authorization": "Bearer s3cret"},
	}, loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !b.Baseline || b.Cursor != baselineDone || strings.Join(keys(b.Events), ",") != "http:1" {
		t.Fatalf("first poll: %+v", b)
	}
	if api.auth != "Bearer s3cret" {
		t.Fatalf("Authorization header %q", api.auth)
	}
	api.set(map[string]any{"id": float64(1), "status": "approved"}, map[string]any{"id": float64(3), "status": "approved"}, map[string]any{"status": "approved"})
	b, err = p.Poll(context.Background(), b.Cursor, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if b.Baseline || strings.Join(keys(b.Events), ",") != "http:1,http:3" || len(b.Problems) != 1 {
		t.Fatalf("second poll: %+v", b)
	}
}

func TestHTTPPollCursorField(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	api.set(
		map[string]any{"id": "a", "updated_at": "2026-11-30T08:00:00Z"},
		map[string]any{"id": "b", "updated_at": "2026-11-30T09:30:00Z"},
	)
	p, err := NewPoller(HTTPPoll, Config{Values: map[string]any{"url": srv.URL, "items_path": "data.items", "id_field": "id", "cursor_field": "updated_at"}}, loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", start)
	if err != nil || strings.Join(keys(b.Events), ",") != "http:b" || b.Cursor != "2026-11-30T09:30:00Z" {
		t.Fatalf("first poll: %+v %v", b, err)
	}
	api.set(
		map[string]any{"id": "b", "updated_at": "2026-11-30T09:30:00Z"},
		map[string]any{"id": "c", "updated_at": "2026-11-30T10:00:00Z"},
	)
	b, err = p.Poll(context.Background(), b.Cursor, start)
	// b sits at the cursor: considered again, and dropped by its dedupe key
	if err != nil || strings.Join(keys(b.Events), ",") != "http:b,http:c" || b.Cursor != "2026-11-30T10:00:00Z" {
		t.Fatalf("second poll: %+v %v", b, err)
	}
}

func TestHTTPPollItemsPathErrors(t *testing.T) {
	srv := httptest.NewServer(&fakeAPI{})
	defer srv.Close()
	p, err := NewPoller(HTTPPoll, Config{Values: map[string]any{"url": srv.URL, "items_path": "data.rows", "id_field": "id"}}, loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Poll(context.Background(), "", time.Now())
	if err == nil || !strings.Contains(err.Error(), `items path "data.rows" is not a JSON array`) {
		t.Fatalf("got %v", err)
	}
}
