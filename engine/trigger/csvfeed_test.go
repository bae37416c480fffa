package trigger

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCSVFolderBaselineThenNewRows(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("hr-1.csv", "\ufeffemployee_id,first_name,last_name,email\nE1,Ada,Lovelace,ada@acme.com\nE2,Alan,Turing,alan@acme.com\n")
	write("notes.txt", "ignored")
	p, err := NewPoller(CSV, Config{Values: map[string]any{"path": dir, "key_column": "employee_id"}}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !b.Baseline || strings.Join(keys(b.Events), ",") != "csv:E1,csv:E2" {
		t.Fatalf("baseline: %+v", b)
	}
	// unchanged: nothing read
	b2, err := p.Poll(context.Background(), b.Cursor, time.Now())
	if err != nil || len(b2.Events) != 0 || b2.Baseline {
		t.Fatalf("unchanged: %+v %v", b2, err)
	}
	// tomorrow's export lists E2 again, adds E3, and has a row without an id
	write("hr-2.csv", "employee_id,first_name,last_name,email\nE2,Alan,Turing,alan@acme.com\nE3,Grace,Hopper,grace@acme.com\n,No,Id,x@acme.com\nE4,Short\n")
	b3, err := p.Poll(context.Background(), b2.Cursor, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys(b3.Events), ",") != "csv:E2,csv:E3" {
		t.Fatalf("new file: %v", keys(b3.Events))
	}
	ev := b3.Events[1]
	if ev.Data["first_name"] != "Grace" || ev.Data["_file"] != "hr-2.csv" || ev.Data["_line"] != float64(3) {
		t.Fatalf("row data %v", ev.Data)
	}
	if len(b3.Problems) != 2 || !strings.Contains(b3.Problems[0].Msg, "key column \"employee_id\" is empty") || !strings.Contains(b3.Problems[1].Msg, "line 5") {
		t.Fatalf("problems %q", b3.Problems)
	}
}

func TestCSVErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hr.csv")
	os.WriteFile(file, []byte("id;name\n1;x\n"), 0o600)
	p, _ := NewPoller(CSV, Config{Values: map[string]any{"path": file, "key_column": "employee_id", "delimiter": ";"}}, Deps{})
	_, err := p.Poll(context.Background(), "", time.Now())
	if err == nil || !strings.Contains(err.Error(), `key column "employee_id" is not in the header (columns: id, name)`) {
		t.Fatalf("got %v", err)
	}
	p, _ = NewPoller(CSV, Config{Values: map[string]any{"path": filepath.Join(dir, "missing.csv")}}, Deps{})
	// Missing when switched ON: an empty baseline that says so (its rows
	// fire once it appears: TestCSVFileMissingAtSwitchOnFiresAllItsRows).
	if b, err := p.Poll(context.Background(), "", time.Now()); err != nil || len(b.Problems) != 1 || !strings.Contains(b.Problems[0].Msg, "fix it in the trigger's settings") {
		t.Fatalf("missing file: %+v, %v", b, err)
	}
	// without a key column, whole-row hashes: the same row twice is one key
	os.WriteFile(file, []byte("a,b\n1,2\n1,2\n3,4\n"), 0o600)
	p, _ = NewPoller(CSV, Config{Values: map[string]any{"path": file}}, Deps{})
	b, err := p.Poll(context.Background(), "", time.Now())
	if err != nil || len(b.Events) != 3 || b.Events[0].DedupeKey != b.Events[1].DedupeKey || b.Events[0].DedupeKey == b.Events[2].DedupeKey {
		t.Fatalf("row hashes: %v %v", keys(b.Events), err)
	}
}

func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{"id,name\n1,a\n", "\ufeffid\n\n", "a,b\n\"x\n", "id,name\n,\n1,2,3\n", ""} {
		f.Add(s, "id")
	}
	f.Fuzz(func(t *testing.T, text, key string) {
		evs, _, err := parseCSV(strings.NewReader(text), "f.csv", key, ',')
		if err != nil {
			return
		}
		for _, ev := range evs {
			if !strings.HasPrefix(ev.DedupeKey, "csv:") || ev.Data["_file"] != "f.csv" {
				t.Fatalf("bad event %+v", ev)
			}
		}
	})
}

// problemTexts are the messages of a poll's problems.
func problemTexts(ps []PollProblem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Msg
	}
	return out
}
