package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// Groups offers an org's groups by name prefix, bounded, to any reader.
func TestSessionGroups(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	sales := h.sim.AddGroup("Sales", "The sales team")
	h.sim.AddGroup("Sales EMEA", "")
	h.sim.AddGroup("Engineering", "")
	for i := range MaxGroupChoices + 5 {
		h.sim.AddGroup("Team "+strings.Repeat("x", i+1), "")
	}
	viewer := h.e.Session("ssh:bob", RoleViewer)
	ctx := context.Background()
	got, err := viewer.Groups(ctx, "sandbox", "sal")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != (GroupChoice{ID: sales.ID, Name: "Sales", Description: "The sales team"}) || got[1].Name != "Sales EMEA" {
		t.Fatalf("sal: %+v", got)
	}
	if all, err := viewer.Groups(ctx, "sandbox", "Team"); err != nil || len(all) != MaxGroupChoices {
		t.Fatalf("bounded: %d %v", len(all), err)
	}
	if _, err := viewer.Groups(ctx, "nosuch", ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
}

// CSVColumns reads a feed's header with the trigger's delimiter and
// encoding, only inside the feeds folder.
func TestSessionCSVColumns(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	feeds := h.e.FeedsDir()
	os.MkdirAll(feeds, 0o700)
	os.WriteFile(filepath.Join(feeds, "hr.csv"), []byte("employee_id;email;Pr\xe9nom\n"), 0o600)
	s := h.e.Session("ssh:bob", RoleViewer)
	got, err := s.CSVColumns("hr.csv", ";", "windows-1252")
	if err != nil || !slices.Equal(got, []string{"employee_id", "email", "Prénom"}) {
		t.Fatalf("columns: %q %v", got, err)
	}
	outside := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(outside, []byte("secret_column\n"), 0o600)
	if _, err := s.CSVColumns(outside, "", ""); err == nil || !strings.Contains(err.Error(), "outside the feeds folder") {
		t.Fatalf("outside the feeds folder: %v", err)
	}
}

// A draft's CSV trigger names its file as typed, relative to the feeds
// folder; its sample (ctrl+l in the app) is read from that file there, as
// the saved trigger's polls would, and the draft is left as typed.
func TestSampleOfADraftCSVTriggerWithARelativePath(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	feeds := h.e.FeedsDir()
	os.MkdirAll(feeds, 0o700)
	os.WriteFile(filepath.Join(feeds, "hires.csv"), []byte("employee_id,email\nE100,grace@acme.com\n"), 0o600)
	in := storage.Integration{Name: "x", Trigger: storage.Trigger{Type: "csv", Config: map[string]any{"path": "hires.csv", "key_column": "employee_id"}}}
	ev, err := h.e.Session("local", RoleAdmin).Sample(context.Background(), in)
	if err != nil {
		t.Fatalf("sample of hires.csv in the feeds folder: %v", err)
	}
	if ev["email"] != "grace@acme.com" {
		t.Errorf("sample %v, want the file's row", ev)
	}
	if in.Trigger.Config["path"] != "hires.csv" {
		t.Errorf("the draft's path became %v", in.Trigger.Config["path"])
	}
}

// KissflowFields lists the fields a kissflow.update_item step can map,
// read from the process; StarterSample gives a sample per trigger type.
func TestSessionKissflowFieldsAndStarterSamples(t *testing.T) {
	e, st := sandboxEngine(t, filepath.Join(t.TempDir(), "oktaflow.db"))
	defer stopEngine(t, e, st)
	ctx := context.Background()
	if _, err := e.CreateKissflowSandbox(ctx, "kf"); err != nil {
		t.Fatal(err)
	}
	s := e.Session("ssh:bob", RoleViewer)
	fields, err := s.KissflowFields(ctx, "kf", KissflowSandboxProcess)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]action.Field{}
	for _, f := range fields {
		names[f.Name] = f
	}
	if names["Okta_User_ID"].Title != "Okta user id" || names["First_Name"].Name == "" {
		t.Fatalf("fields: %+v", fields)
	}
	if _, err := s.KissflowFields(ctx, "kf", "No_Such_Process"); err == nil {
		t.Fatal("a missing process")
	}

	kf := s.StarterSample(storage.Trigger{Type: "kissflow", Config: map[string]any{"process_id": KissflowSandboxProcess}})
	if kf["_id"] == nil || kf["_status"] != "Completed" || kf["Email"] == nil || kf["First_Name"] == nil {
		t.Errorf("kissflow sample: %v", kf)
	}
	ev := s.StarterSample(storage.Trigger{Type: "okta_event"})
	target, _ := ev["target"].([]any)
	if ev["eventType"] != "user.lifecycle.create" || ev["uuid"] == nil || len(target) != 1 || target[0].(map[string]any)["alternateId"] == nil {
		t.Errorf("okta_event sample: %v", ev)
	}
	if ev := s.StarterSample(storage.Trigger{Type: "okta_event", Config: map[string]any{"event_types": "user.lifecycle.deactivate"}}); ev["eventType"] != "user.lifecycle.deactivate" {
		t.Errorf("okta_event sample of the trigger's type: %v", ev["eventType"])
	}
	if hook := s.StarterSample(storage.Trigger{Type: "webhook"}); hook["email"] == nil || hook["first_name"] == nil {
		t.Errorf("webhook sample: %v", hook)
	}
	feeds := e.FeedsDir()
	os.MkdirAll(feeds, 0o700)
	os.WriteFile(filepath.Join(feeds, "hr.csv"), []byte("employee_id,work_email,dept\n"), 0o600)
	row := s.StarterSample(storage.Trigger{Type: "csv", Config: map[string]any{"path": "hr.csv"}})
	if _, ok := row["employee_id"]; !ok || row["work_email"] == nil || row["_file"] != "hr.csv" || row["_line"] == nil {
		t.Errorf("csv sample: %v", row)
	}
	if row := s.StarterSample(storage.Trigger{Type: "csv", Config: map[string]any{"path": "missing.csv"}}); row != nil {
		t.Errorf("csv sample without a file: %v", row)
	}
	if s.StarterSample(storage.Trigger{Type: "nope"}) != nil {
		t.Error("an unknown trigger type has a sample")
	}
}
