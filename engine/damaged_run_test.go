package engine

import (
	"encoding/binary"
	"net/http/httptest"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// A queued run whose record was damaged on disk is skipped, not retried
// for good, and not silent: /healthz is degraded and names the record.
func TestADamagedQueuedRunShowsInHealthz(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	_, a := h.post(in.ID, hookSecret, person(1)) // the engine is not started: it stays queued
	path := h.store.Path()
	h.cleanup()

	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("runs")).Put(binary.BigEndian.AppendUint64(nil, uint64(a.Runs[0])), []byte(`{"id":`))
	})
	raw.Close()

	st, err := storage.Open(path, storage.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := New(Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	if err := e.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer e.Stop(t.Context())
	waitUntil(t, func() bool { return len(st.Problems()) > 0 })
	var hz struct {
		Status string
		Store  struct {
			Damaged []struct{ Bucket, Key, Error string } `json:"damaged_records"`
		}
	}
	getJSONBody(t, srv.URL+"/healthz", &hz)
	if hz.Status != "degraded" || len(hz.Store.Damaged) != 1 || hz.Store.Damaged[0].Key != a.Runs[0].String() ||
		!strings.Contains(hz.Store.Damaged[0].Error, "restore a backup") {
		t.Fatalf("/healthz with a damaged run: %+v", hz)
	}
	if h := e.StoreHealth(); h.Failing {
		t.Fatalf("a damaged record is not a failing disk: %+v", h)
	}
}
