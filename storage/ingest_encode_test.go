package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The run JSON EnqueueEvents assembles around its id and time is the one
// json.Marshal(Run) writes, byte for byte, whatever the strings hold.
func TestNewRunJSONIsJSONMarshal(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 30, 15, 123456789, time.UTC)
	payloads := []string{`{}`, `{"a":1}`, `{ "b" : [1, 2,  3] , "html":"<a href=\"x\">&amp;</a>"}`, `{"u":"\u00e9\u2028é"}`, `[1,2]`, `"text"`, `12.50`}
	keys := []string{"", "k", `content:body:0123456789abcdef0123456789abcdef`, `idem:<&>"quoted"\back`, "okta:é\u2028"}
	for _, trigger := range []string{"webhook", "", `odd"<type>`} {
		for _, p := range payloads {
			for _, k := range keys {
				for _, manual := range []bool{false, true} {
					for _, id := range []RunID{1, 42, 1<<63 + 5} {
						ev := NewEvent{Payload: json.RawMessage(p), DedupeKey: k}
						prep, err := prepareNewRun("int_abc<&>", trigger, ev)
						if err != nil {
							t.Fatal(err)
						}
						got, err := prep.encode(id, now, manual)
						if err != nil {
							t.Fatal(err)
						}
						r := Run{ID: id, IntegrationID: "int_abc<&>", Trigger: trigger, Event: ev.Payload, DedupeKey: k, State: RunQueued,
							NextDue: now, CreatedAt: now, UpdatedAt: now, Manual: manual}
						want, err := json.Marshal(r)
						if err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(got, want) {
							t.Fatalf("assembled\n%s\njson.Marshal\n%s", got, want)
						}
					}
				}
			}
		}
	}
	if _, err := prepareNewRun("int", "webhook", NewEvent{Payload: json.RawMessage(`{"a":`)}); err == nil {
		t.Fatal("an invalid payload was prepared")
	}
}

// newRunJSON writes the fields a new queued run has; a field added to Run
// that json.Marshal writes even when empty must be added to it too.
func TestNewRunJSONKnowsRunsFields(t *testing.T) {
	raw, err := json.Marshal(Run{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	want := []string{"attempt", "createdAt", "event", "id", "integrationId", "state", "trigger", "updatedAt"}
	if !slices.Equal(got, want) {
		t.Fatalf("json.Marshal(Run{}) writes %s; newRunJSON (runs.go) writes %s: update it and this list", strings.Join(got, ","), strings.Join(want, ","))
	}
	// And a run written by EnqueueEvents reads back as the run it is.
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	res, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{ "x" : "<y>" }`), DedupeKey: "k1"}}, EnqueueOptions{AllowOff: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Run(res[0].RunID)
	if err != nil {
		t.Fatal(err)
	}
	want2 := Run{ID: res[0].RunID, IntegrationID: in.ID, Trigger: "webhook", Event: json.RawMessage(`{"x":"\u003cy\u003e"}`), DedupeKey: "k1", State: RunQueued,
		NextDue: r.CreatedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.CreatedAt, Manual: true}
	if !reflect.DeepEqual(r, want2) {
		t.Fatalf("stored %+v\nwant %+v", r, want2)
	}
}

// The integration head an ingest transaction checks is the record as that
// transaction sees it: a switch OFF queued just ahead of an event refuses
// it, though the head of the ON record was read (and remembered) a moment
// earlier, and the cache the event's precheck read still said ON.
func TestIngestSeesASwitchOffQueuedAheadOfIt(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	enqueue(t, s, in.ID, "before") // the ON head is remembered
	release := holdWriterIn(t, s, false)
	off := make(chan error, 1)
	go func() { _, err := s.SetEnabled(in.ID, false, time.Time{}); off <- err }()
	waitQueued(t, s, 1)
	got := make(chan error, 1)
	go func() {
		_, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: "after"}}, EnqueueOptions{})
		got <- err
	}()
	waitQueued(t, s, 2)
	release()
	if err := <-off; err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, ErrIntegrationOff) {
		t.Fatalf("an event after the switch OFF in the same commit: %v, want ErrIntegrationOff", err)
	}
	if seen, _ := s.Seen(in.ID, "after"); seen {
		t.Fatal("the refused event's key was kept")
	}
}

// IntegrationBrief says what Integration says of the same record, and
// fails as it does.
func TestIntegrationBriefIsIntegrationCut(t *testing.T) {
	s, _ := openTest(t)
	in, err := s.CreateIntegration(Integration{Name: "Hooked", Trigger: Trigger{Type: "webhook", Secrets: map[string]Secret{"secret": "s3cret-0123456789"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{false, true} {
		if _, err := s.SetEnabled(in.ID, on, time.Time{}); err != nil {
			t.Fatal(err)
		}
		full, err := s.Integration(in.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.IntegrationBrief(in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.ID != full.ID || b.Name != full.Name || b.Enabled != full.Enabled || b.Trigger != full.Trigger.Type ||
			b.TriggerSecret("secret") != full.Trigger.Secrets["secret"] || b.TriggerSecret("nope") != "" {
			t.Fatalf("brief %+v of %+v", b, full)
		}
	}
	_, errFull := s.Integration("int_missing00000")
	_, errBrief := s.IntegrationBrief("int_missing00000")
	if !errors.Is(errBrief, ErrNotFound) || errFull.Error() != errBrief.Error() {
		t.Fatalf("missing: %v / %v", errFull, errBrief)
	}
}
