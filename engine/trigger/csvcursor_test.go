package trigger

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// csvPoll runs one poll of a CSV trigger and fails the test on error.
func csvPoll(t *testing.T, p Poller, cursor string) Batch {
	t.Helper()
	b, err := p.Poll(context.Background(), cursor, time.Now())
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return b
}

func newCSVPoller(t *testing.T, values map[string]any) Poller {
	t.Helper()
	p, err := NewPoller(CSV, Config{Values: values}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// touch moves a file's modification time on, as a later write would.
func touch(t *testing.T, path string, d time.Duration) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime().Add(d), fi.ModTime().Add(d)); err != nil {
		t.Fatal(err)
	}
}

// A writer caught mid-line: the half-written last line is not a row until
// its newline arrives, or until the file has stayed the same for a poll.
func TestCSVPartialLastLineWaitsForItsNewline(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hr.csv")
	os.WriteFile(file, []byte("id,email\nE1,a@acme.com\n"), 0o600)
	p := newCSVPoller(t, map[string]any{"path": file, "key_column": "id"})
	b := csvPoll(t, p, "")

	appendFile(t, file, "E2,bo") // the writer has not finished the line
	touch(t, file, time.Second)
	b = csvPoll(t, p, b.Cursor)
	if len(b.Events) != 0 {
		t.Fatalf("a half-written line fired: %+v", b.Events)
	}
	appendFile(t, file, "b@acme.com\n")
	touch(t, file, 2*time.Second)
	b = csvPoll(t, p, b.Cursor)
	if got := keys(b.Events); strings.Join(got, ",") != "csv:E2" || b.Events[0].Data["email"] != "bob@acme.com" {
		t.Fatalf("completed line: %v %v", got, b.Events)
	}

	// A last line that never gets its newline: unchanged over two polls, it is read.
	appendFile(t, file, "E3,cy@acme.com")
	touch(t, file, 3*time.Second)
	b = csvPoll(t, p, b.Cursor)
	if len(b.Events) != 0 {
		t.Fatalf("an unterminated line fired at once: %v", keys(b.Events))
	}
	b = csvPoll(t, p, b.Cursor)
	if got := keys(b.Events); strings.Join(got, ",") != "csv:E3" || b.Events[0].Data["email"] != "cy@acme.com" {
		t.Fatalf("stable unterminated line: %v", got)
	}
	b = csvPoll(t, p, b.Cursor)
	if len(b.Events) != 0 {
		t.Fatalf("the stable line fired twice: %v", keys(b.Events))
	}
}

// A quoted field with a line break, cut off while the file is written, is
// not a broken row: it waits like any unfinished line.
func TestCSVUnfinishedQuotedFieldWaits(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hr.csv")
	os.WriteFile(file, []byte("id,note\n"), 0o600)
	p := newCSVPoller(t, map[string]any{"path": file, "key_column": "id"})
	b := csvPoll(t, p, "")
	appendFile(t, file, "E1,\"first line\nsecond")
	touch(t, file, time.Second)
	b = csvPoll(t, p, b.Cursor)
	if len(b.Events) != 0 || len(b.Problems) != 0 {
		t.Fatalf("unfinished quoted field: %+v", b)
	}
	appendFile(t, file, " line\"\n")
	touch(t, file, 2*time.Second)
	b = csvPoll(t, p, b.Cursor)
	if len(b.Events) != 1 || b.Events[0].Data["note"] != "first line\nsecond line" {
		t.Fatalf("finished quoted field: %+v", b)
	}
}

// A row that can never finish on its own (a stray quote that is never
// closed, fewer fields than the header), in a file that stands still,
// still waits (its writer may only have paused: nothing is misread), but
// not silently: from the second unchanged poll it is a standing warning
// that names the line and says what to do, reported once. Fixed in the
// file, the row and those after it fire.
func TestCSVStuckRowIsAWarningNotSilence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hr.csv")
	os.WriteFile(file, []byte("id,email\nE1,a@acme.com\n"), 0o600)
	p := newCSVPoller(t, map[string]any{"path": file, "key_column": "id"})
	b := csvPoll(t, p, "")
	appendFile(t, file, "E2,\"b@acme.com\nE3,c@acme.com\n") // the quote never closes
	touch(t, file, time.Second)
	b = csvPoll(t, p, b.Cursor)
	if len(b.Events) != 0 || len(b.Problems) != 0 {
		t.Fatalf("first poll: a row that may be unfinished: %+v", b)
	}
	b = csvPoll(t, p, b.Cursor) // unchanged: it is stuck
	if len(b.Events) != 0 || len(b.Problems) != 1 {
		t.Fatalf("second unchanged poll: %+v", b)
	}
	pr := b.Problems[0]
	if !pr.Standing || pr.Again || pr.Line != 3 || pr.Reason != ReasonStuckRow || !strings.Contains(pr.Msg, "hr.csv line 3") ||
		!strings.Contains(pr.Msg, "quote") || !strings.Contains(pr.Msg, "fix") {
		t.Fatalf("the warning: %+v", pr)
	}
	b = csvPoll(t, p, b.Cursor)
	if len(b.Problems) != 1 || !b.Problems[0].Again {
		t.Fatalf("third poll: the warning stands, reported once: %+v", b.Problems)
	}

	os.WriteFile(file, []byte("id,email\nE1,a@acme.com\nE2,b@acme.com\nE3,c@acme.com\n"), 0o600) // fixed
	touch(t, file, 2*time.Second)
	b = csvPoll(t, p, b.Cursor)
	if got := strings.Join(keys(b.Events), ","); got != "csv:E2,csv:E3" || len(b.Problems) != 0 {
		t.Fatalf("after the fix: %s %+v", got, b.Problems)
	}

	// Fewer fields than the header, and no line break: the same.
	appendFile(t, file, "E4")
	touch(t, file, 3*time.Second)
	b = csvPoll(t, p, b.Cursor)
	b = csvPoll(t, p, b.Cursor)
	if len(b.Problems) != 1 || b.Problems[0].Line != 5 || !strings.Contains(b.Problems[0].Msg, "1 field") {
		t.Fatalf("a short last line: %+v", b.Problems)
	}
}

// A quote never closed in a feed that keeps growing: the file never
// stands still, so "unchanged over two polls" never comes; once the open
// field has swallowed more lines than a field plausibly holds, it is a
// standing warning all the same.
func TestCSVOpenQuoteInAGrowingFileIsAWarning(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hr.csv")
	os.WriteFile(file, []byte("id,email\nE1,a@acme.com\nE2,\"b@acme.com\n"), 0o600)
	p := newCSVPoller(t, map[string]any{"path": file, "key_column": "id"})
	b := csvPoll(t, p, "")
	warned := false
	for i := range maxOpenQuoteLines + 5 {
		appendFile(t, file, fmt.Sprintf("E%d,u%d@acme.com\n", i+3, i+3))
		touch(t, file, time.Duration(i+1)*time.Second)
		b = csvPoll(t, p, b.Cursor)
		if len(b.Events) != 0 {
			t.Fatalf("rows inside the open quote fired: %v", keys(b.Events))
		}
		for _, pr := range b.Problems {
			if pr.Reason == ReasonStuckRow && pr.Line == 3 && pr.Standing {
				warned = true
			}
		}
	}
	if !warned {
		t.Fatal("the quote never closed in a growing file was never reported")
	}
}

// Text that is not UTF-8 is never mangled, and never holds back the rows
// before it: those fire; the file waits at the bad line with a standing
// warning that names it and the encoding setting (reported once), and
// once the line is fixed it and the rows after it fire.
func TestCSVInvalidUTF8IsAnErrorNotMangled(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hr.csv")
	os.WriteFile(file, []byte("id,last\n"), 0o600)
	p := newCSVPoller(t, map[string]any{"path": file, "key_column": "id"})
	b := csvPoll(t, p, "")
	appendFile(t, file, "E0,Good\nE1,M\xfcller\nE2,After\n") // windows-1252 ü on line 3
	touch(t, file, time.Second)
	b = csvPoll(t, p, b.Cursor)
	if got := strings.Join(keys(b.Events), ","); got != "csv:E0" {
		t.Fatalf("the rows before the bad line: %s", got)
	}
	if len(b.Problems) != 1 || b.Problems[0].Reason != ReasonBadEncoding || !b.Problems[0].Standing || b.Problems[0].Again || b.Problems[0].Line != 3 ||
		!strings.Contains(b.Problems[0].Msg, "not valid UTF-8") || !strings.Contains(b.Problems[0].Msg, "line 3") || !strings.Contains(b.Problems[0].Msg, "encoding") {
		t.Fatalf("want a clear UTF-8 warning naming the line and the encoding setting, got %+v", b.Problems)
	}
	b = csvPoll(t, p, b.Cursor) // unchanged: still shown, not counted again
	if len(b.Events) != 0 || len(b.Problems) != 1 || !b.Problems[0].Again {
		t.Fatalf("the next poll: %+v", b)
	}
	os.WriteFile(file, []byte("id,last\nE0,Good\nE1,Muller\nE2,After\n"), 0o600)
	touch(t, file, 2*time.Second)
	b = csvPoll(t, p, b.Cursor)
	if got := strings.Join(keys(b.Events), ","); got != "csv:E1,csv:E2" || len(b.Problems) != 0 {
		t.Fatalf("after the fix: %s %+v", got, b.Problems)
	}
}

func TestCSVConfiguredEncodingDecodes(t *testing.T) {
	for _, enc := range []string{"windows-1252", "latin1", "ISO-8859-15"} {
		t.Run(enc, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "hr.csv")
			os.WriteFile(file, []byte("id,last\n"), 0o600)
			p := newCSVPoller(t, map[string]any{"path": file, "key_column": "id", "encoding": enc})
			b := csvPoll(t, p, "")
			appendFile(t, file, "E1,M\xfcller\nE2,Ols\xe9n\n")
			touch(t, file, time.Second)
			b = csvPoll(t, p, b.Cursor)
			if len(b.Events) != 2 || b.Events[0].Data["last"] != "Müller" || b.Events[1].Data["last"] != "Olsén" {
				t.Fatalf("decoded rows: %+v", b.Events)
			}
			// the byte cursor stays right across multi-byte UTF-8 output
			appendFile(t, file, "E3,\xc5berg\n")
			touch(t, file, 2*time.Second)
			b = csvPoll(t, p, b.Cursor)
			if len(b.Events) != 1 || b.Events[0].Data["last"] != "Åberg" {
				t.Fatalf("after the cursor: %+v", b.Events)
			}
		})
	}
	if err := Validate(CSV, Config{Values: map[string]any{"path": "/x", "encoding": "klingon"}}); err == nil || !strings.Contains(err.Error(), "encoding") {
		t.Fatalf("unknown encoding: %v", err)
	}
}

// In folder mode one bad file is reported and skipped; the others flow.
func TestCSVFolderSkipsABadFileAndReportsIt(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a.csv", "id,email\nE1,a@acme.com\n")
	p := newCSVPoller(t, map[string]any{"path": dir, "key_column": "id"})
	b := csvPoll(t, p, "")
	write("b.csv", "id,email\nE2,b\xff@acme.com\n") // not UTF-8
	write("c.csv", "name,email\nC,c@acme.com\n")    // no key column
	write("d.csv", "id,email\nE4,d@acme.com\n")
	b = csvPoll(t, p, b.Cursor)
	if got := keys(b.Events); strings.Join(got, ",") != "csv:E4" {
		t.Fatalf("the good file must flow: %v", got)
	}
	probs := strings.Join(problemTexts(b.Problems), "\n")
	if !strings.Contains(probs, "b.csv") || !strings.Contains(probs, "UTF-8") || !strings.Contains(probs, "c.csv") || !strings.Contains(probs, "key column") {
		t.Fatalf("each bad file is reported by name: %q", b.Problems)
	}
	// still bad, still reported; once fixed, its rows flow
	b = csvPoll(t, p, b.Cursor)
	if len(b.Events) != 0 || !strings.Contains(strings.Join(problemTexts(b.Problems), "\n"), "b.csv") {
		t.Fatalf("a bad file stays reported: %+v", b)
	}
	write("b.csv", "id,email\nE2,b@acme.com\n")
	touch(t, filepath.Join(dir, "b.csv"), time.Second)
	b = csvPoll(t, p, b.Cursor)
	if got := keys(b.Events); strings.Join(got, ",") != "csv:E2" {
		t.Fatalf("fixed file: %v %q", got, b.Problems)
	}
}

// The cursor remembers how far each file was read, so a file with more
// rows than any dedupe window is read once, and only its new rows fire.
func TestCSVCursorPerFileReadsOnlyNewRows(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hr.csv")
	var sb strings.Builder
	sb.WriteString("name,email\n")
	for i := range 3000 {
		fmt.Fprintf(&sb, "P%d,p%d@acme.com\n", i, i)
	}
	os.WriteFile(file, []byte(sb.String()), 0o600)
	p := newCSVPoller(t, map[string]any{"path": file}) // whole-row keys
	b := csvPoll(t, p, "")
	if !b.Baseline || len(b.Events) != 3000 {
		t.Fatalf("baseline: %d events", len(b.Events))
	}
	appendFile(t, file, "New,new@acme.com\n")
	touch(t, file, time.Second)
	b = csvPoll(t, p, b.Cursor)
	if len(b.Events) != 1 || b.Events[0].Data["name"] != "New" || b.Events[0].Data["_line"] != float64(3002) {
		t.Fatalf("only the appended row, with its line number: %d events", len(b.Events))
	}

	// Rewritten (not appended): detected by the prefix hash, read again from
	// the start (dedupe keeps the old rows from firing), and reported.
	os.WriteFile(file, []byte("name,email\nOther,other@acme.com\nNew,new@acme.com\n"), 0o600)
	touch(t, file, 2*time.Second)
	b = csvPoll(t, p, b.Cursor)
	if len(b.Events) != 2 || !strings.Contains(strings.Join(problemTexts(b.Problems), " "), "rewritten") {
		t.Fatalf("rewritten file: %d events, problems %q", len(b.Events), b.Problems)
	}
}

// A cursor stored by an earlier version (size and time only) still works.
func TestCSVOldCursorStillReads(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hr.csv")
	os.WriteFile(file, []byte("id\nE1\n"), 0o600)
	fi, _ := os.Stat(file)
	old := fmt.Sprintf(`{"files":{%q:{"size":%d,"mtime":%d}}}`, file, fi.Size(), fi.ModTime().UnixNano())
	p := newCSVPoller(t, map[string]any{"path": file, "key_column": "id"})
	b := csvPoll(t, p, old)
	if len(b.Events) != 0 || b.Baseline {
		t.Fatalf("unchanged file under an old cursor: %+v", b)
	}
	appendFile(t, file, "E2\n")
	touch(t, file, time.Second)
	b = csvPoll(t, p, old)
	if got := keys(b.Events); strings.Join(got, ",") != "csv:E1,csv:E2" { // read whole; dedupe drops E1
		t.Fatalf("changed file under an old cursor: %v", got)
	}
}

// A poll reads a bounded number of rows; the next one goes on where it
// stopped, and a baseline cut short stays a baseline until it is done.
func TestCSVPollIsBoundedAndGoesOn(t *testing.T) {
	defer func(n int) { csvMaxRowsPerPoll = n }(csvMaxRowsPerPoll)
	csvMaxRowsPerPoll = 4
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("id\nA1\nA2\nA3\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "b.csv"), []byte("id\nB1\nB2\nB3\n"), 0o600)
	p := newCSVPoller(t, map[string]any{"path": dir, "key_column": "id"})
	b := csvPoll(t, p, "")
	if !b.Baseline || !b.More || strings.Join(keys(b.Events), ",") != "csv:A1,csv:A2,csv:A3,csv:B1" {
		t.Fatalf("first bounded poll: %v more=%v baseline=%v", keys(b.Events), b.More, b.Baseline)
	}
	b = csvPoll(t, p, b.Cursor)
	if !b.Baseline || b.More || strings.Join(keys(b.Events), ",") != "csv:B2,csv:B3" {
		t.Fatalf("second poll: %v more=%v baseline=%v", keys(b.Events), b.More, b.Baseline)
	}
	b = csvPoll(t, p, b.Cursor)
	if b.Baseline || len(b.Events) != 0 {
		t.Fatalf("done: %+v", b)
	}
	appendFile(t, filepath.Join(dir, "b.csv"), "B4\n")
	touch(t, filepath.Join(dir, "b.csv"), time.Second)
	if b = csvPoll(t, p, b.Cursor); b.Baseline || strings.Join(keys(b.Events), ",") != "csv:B4" {
		t.Fatalf("new row after the baseline: %+v", b)
	}
}

// A file (or folder) that does not exist yet when the trigger is switched
// ON is not part of the baseline: once it appears, every row it has fires.
// While it is missing the poll says so, as a standing problem naming the
// path; a file that was read and then disappears is a failure.
func TestCSVFileMissingAtSwitchOnFiresAllItsRows(t *testing.T) {
	for _, folder := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "hr.csv")
		if folder {
			path = filepath.Join(dir, "drop")
		}
		p := newCSVPoller(t, map[string]any{"path": path, "key_column": "id"})
		cursor := ""
		for range 2 { // switched ON, then a poll later: still missing
			b, err := p.Poll(context.Background(), cursor, time.Now())
			if err != nil {
				t.Logf("folder=%v: missing path: %v", folder, err) // the engine keeps the cursor it had
				continue
			}
			if len(b.Events) != 0 || len(b.Problems) != 1 || b.Problems[0].Reason != "file_not_found" || !strings.Contains(b.Problems[0].Msg, "does not exist yet") {
				t.Fatalf("folder=%v: missing path: %+v", folder, b)
			}
			cursor = b.Cursor
		}
		file := path
		if folder {
			os.Mkdir(path, 0o700)
			file = filepath.Join(path, "day1.csv")
		}
		os.WriteFile(file, []byte("id,email\nE1,a@acme.com\nE2,b@acme.com\n"), 0o600)
		b := csvPoll(t, p, cursor)
		if b.Baseline || strings.Join(keys(b.Events), ",") != "csv:E1,csv:E2" || len(b.Problems) != 0 {
			t.Fatalf("folder=%v: the file that appeared: baseline=%v %v %v", folder, b.Baseline, keys(b.Events), b.Problems)
		}
		os.RemoveAll(path)
		_, err := p.Poll(context.Background(), b.Cursor, time.Now())
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("folder=%v: a path read before, now missing: %v; want a file-not-found failure", folder, err)
		}
	}
}

// A writer that pauses mid-line over two polls: the rule "unchanged over
// two polls ⇒ the last line is complete" reads the half line. When the
// writer then finishes it, the finished line is read once more, as the
// row it really is (marked _completed; with a key column under a key of
// its own, so that the dedupe does not drop it), and the text appended is
// not taken for a broken row of its own. A last line that was complete
// (only its line break comes later) is not read again; nor is a finished
// line read twice.
func TestCSVLineFinishedAfterItWasReadAsStable(t *testing.T) {
	for _, keyed := range []bool{true, false} {
		file := filepath.Join(t.TempDir(), "hr.csv")
		os.WriteFile(file, []byte("id,email\nE1,a@acme.com\n"), 0o600)
		values := map[string]any{"path": file}
		if keyed {
			values["key_column"] = "id"
		}
		p := newCSVPoller(t, values)
		b := csvPoll(t, p, "")
		appendFile(t, file, "E2,bo") // the writer pauses mid-line
		touch(t, file, time.Second)
		b = csvPoll(t, p, b.Cursor) // waits for its line break
		b = csvPoll(t, p, b.Cursor) // unchanged: read as it is
		if len(b.Events) != 1 || b.Events[0].Data["email"] != "bo" {
			t.Fatalf("keyed=%v: the stable half line: %+v", keyed, b.Events)
		}
		partialKey := b.Events[0].DedupeKey
		appendFile(t, file, "b@acme.com\nE3,c@acme.com\n") // the writer goes on
		touch(t, file, 2*time.Second)
		b = csvPoll(t, p, b.Cursor)
		if len(b.Problems) != 0 || len(b.Events) != 2 {
			t.Fatalf("keyed=%v: after the line was finished: events %+v problems %q", keyed, b.Events, problemTexts(b.Problems))
		}
		done, e3 := b.Events[0], b.Events[1]
		if done.Data["id"] != "E2" || done.Data["email"] != "bob@acme.com" || done.Data["_completed"] != true || done.Data["_line"] != float64(3) || done.DedupeKey == partialKey {
			t.Fatalf("keyed=%v: the finished line: %+v (the half line's key %s)", keyed, done, partialKey)
		}
		if e3.Data["id"] != "E3" || e3.Data["_line"] != float64(4) || e3.Data["_completed"] != nil {
			t.Fatalf("keyed=%v: the next line: %+v", keyed, e3)
		}
		if b = csvPoll(t, p, b.Cursor); len(b.Events) != 0 {
			t.Fatalf("keyed=%v: read twice: %+v", keyed, b.Events)
		}

		// A complete last line whose line break comes later: read once.
		appendFile(t, file, "E4,d@acme.com")
		touch(t, file, 3*time.Second)
		b = csvPoll(t, p, b.Cursor)
		b = csvPoll(t, p, b.Cursor)
		if len(b.Events) != 1 || b.Events[0].Data["id"] != "E4" {
			t.Fatalf("keyed=%v: stable last line: %+v", keyed, b.Events)
		}
		appendFile(t, file, "\r\nE5,e@acme.com\n")
		touch(t, file, 4*time.Second)
		b = csvPoll(t, p, b.Cursor)
		if len(b.Events) != 1 || b.Events[0].Data["id"] != "E5" || len(b.Problems) != 0 {
			t.Fatalf("keyed=%v: after the line break came: %+v %q", keyed, b.Events, problemTexts(b.Problems))
		}
	}
}

// A writer that writes its lines in pieces cut anywhere, polled between
// pieces (sometimes twice with nothing new): every line fires with its
// final text under a key not seen before (what the engine's dedupe lets
// through), nothing is reported broken (a line paused over two polls is
// only a standing "waits for the rest"), and no text fires twice.
func TestCSVLinesWrittenInRandomPiecesFireFinished(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for round := range 20 {
		file := filepath.Join(t.TempDir(), "hr.csv")
		os.WriteFile(file, []byte("id,email\n"), 0o600)
		p := newCSVPoller(t, map[string]any{"path": file, "key_column": "id"})
		b := csvPoll(t, p, "")
		var text strings.Builder
		for i := range 30 {
			fmt.Fprintf(&text, "E%d,user%d@acme.com\n", i, i)
		}
		rest := text.String()
		seenKeys := map[string]bool{}
		final := map[string]string{} // id → the last email that got through the dedupe
		seenText := map[string]bool{}
		step := 0
		poll := func() {
			b = csvPoll(t, p, b.Cursor)
			for _, pr := range b.Problems {
				if pr.Reason != ReasonStuckRow || !pr.Standing {
					t.Fatalf("round %d: problems %q", round, problemTexts(b.Problems))
				}
			}
			for _, ev := range b.Events {
				line := fmt.Sprint(ev.Data["id"], ",", ev.Data["email"])
				if seenText[line] {
					t.Fatalf("round %d: %s fired twice", round, line)
				}
				seenText[line] = true
				if !seenKeys[ev.DedupeKey] {
					seenKeys[ev.DedupeKey] = true
					final[ev.Data["id"].(string)] = ev.Data["email"].(string)
				}
			}
		}
		for rest != "" {
			n := min(len(rest), 1+rng.IntN(40))
			appendFile(t, file, rest[:n])
			rest = rest[n:]
			step++
			touch(t, file, time.Duration(step)*time.Second)
			for range 1 + rng.IntN(3) { // 2 or 3 polls: the half line is read as stable
				poll()
			}
		}
		poll()
		for i := range 30 {
			if id := fmt.Sprintf("E%d", i); final[id] != fmt.Sprintf("user%d@acme.com", i) {
				t.Fatalf("round %d: %s ended as %q", round, id, final[id])
			}
		}
	}
}

// Reset with --from: a CSV trigger reads again, from their start, the files
// modified at or after that time; older files are a baseline, as after
// switching ON. (Rows seen before do not fire again: the engine's dedupe
// drops them; rows it has not seen do.)
func TestCSVRewindRereadsFilesModifiedSince(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	write := func(name, text string, age time.Duration) {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(text), 0o600)
		os.Chtimes(path, now.Add(-age), now.Add(-age))
	}
	write("old.csv", "id,email\nE1,a@acme.com\n", 2*time.Hour)
	write("new.csv", "id,email\nE2,b@acme.com\nE3,c@acme.com\n", 10*time.Minute)
	p := newCSVPoller(t, map[string]any{"path": dir, "key_column": "id"})
	r, ok := p.(Rewinder)
	if !ok {
		t.Fatal("the CSV trigger cannot rewind")
	}
	cursor, err := r.Rewind(context.Background(), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	b := csvPoll(t, p, cursor)
	if !b.Baseline || strings.Join(keys(b.Events), ",") != "csv:E1" || !b.More {
		t.Fatalf("first poll after the rewind: baseline=%v %v more=%v; want old.csv as the baseline, more to come", b.Baseline, keys(b.Events), b.More)
	}
	b = csvPoll(t, p, b.Cursor)
	if b.Baseline || strings.Join(keys(b.Events), ",") != "csv:E2,csv:E3" {
		t.Fatalf("second poll: baseline=%v %v; want new.csv's rows", b.Baseline, keys(b.Events))
	}
	write("later.csv", "id,email\nE4,d@acme.com\n", 0)
	if b = csvPoll(t, p, b.Cursor); strings.Join(keys(b.Events), ",") != "csv:E4" {
		t.Fatalf("a file after: %v", keys(b.Events))
	}
}
