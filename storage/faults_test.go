package storage

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// filled makes a closed database with an integration, an account and runs.
func filled(t *testing.T, runs int) (path string, in Integration) {
	t.Helper()
	s, _ := openTest(t)
	in = newIntegration(t, s, true)
	if _, err := s.AddAccount(Account{Name: "acme", OrgURL: "https://acme.okta.com", Token: "tok-1234567890abcdef"}); err != nil {
		t.Fatal(err)
	}
	for from := 0; from < runs; from += 500 {
		if _, err := s.EnqueueEvents(in.ID, keyed("k", from, min(500, runs-from)), EnqueueOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	return s.Path(), in
}

func reopen(path string) (*Store, error) {
	return Open(path, Options{Getenv: func(string) string { return "" }})
}

// wantDamaged checks err is a clear damaged-file error naming the file and
// the way out.
func wantDamaged(t *testing.T, err error, path, what string) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
	for _, want := range []string{path, what, "Restore it from a backup", "cp BACKUP.db " + path} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%q does not say %q", err, want)
		}
	}
}

func TestTruncatedFileIsRefusedClearly(t *testing.T) {
	path, _ := filled(t, 3000)
	info, _ := os.Stat(path)
	if err := os.Truncate(path, info.Size()/2); err != nil {
		t.Fatal(err)
	}
	_, err := reopen(path)
	wantDamaged(t, err, path, "truncated")
}

// A file cut inside its second meta page is refused before bbolt sees it
// (bbolt's own "file size too small" is untyped text: nothing matches it).
func TestAFileShorterThanItsMetaPagesIsRefusedClearly(t *testing.T) {
	path, _ := filled(t, 3)
	for _, size := range []int64{4096, 4096 + 100} {
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		_, err := reopen(path)
		wantDamaged(t, err, path, "truncated")
	}
}

func TestAFileThatIsNotADatabaseIsRefusedClearly(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"text":  []byte(strings.Repeat("first_name,last_name,email\n", 500)),
		"short": []byte("hello"),
		"zeros": make([]byte, 64<<10),
	} {
		path := filepath.Join(dir, name+".db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := reopen(path)
		wantDamaged(t, err, path, "not an oktaflow database")
	}
}

func TestBothMetaPagesDamagedIsRefusedClearly(t *testing.T) {
	path, _ := filled(t, 10)
	f, _ := os.OpenFile(path, os.O_RDWR, 0)
	for _, off := range []int64{16 + 60, 4096 + 16 + 60} { // inside each meta's txid: checksums fail
		f.WriteAt([]byte{0xff, 0xee}, off)
	}
	f.Close()
	_, err := reopen(path)
	wantDamaged(t, err, path, "meta pages are damaged")
}

func TestAnEmptyFileBesideItsKeyFileIsNotANewDatabase(t *testing.T) {
	path, _ := filled(t, 1)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err := reopen(path)
	wantDamaged(t, err, path, "empty (0 bytes)")
	if info, _ := os.Stat(path); info.Size() != 0 {
		t.Fatal("the empty file was initialised as a new database")
	}
	// Without a key file (the key comes from the environment), an empty
	// file cannot be told from a new one.
	fresh := filepath.Join(t.TempDir(), "new.db")
	os.WriteFile(fresh, nil, 0o600)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))
	s, err := Open(fresh, Options{Getenv: func(k string) string { return map[string]string{SecretKeyEnv: key}[k] }})
	if err != nil {
		t.Fatalf("an empty file with the key in the environment: %v", err)
	}
	s.Close()
}

// garble overwrites pages of the file at path with junk.
func garble(t *testing.T, path string, pages func(hwm, freelist uint64) []uint64) {
	t.Helper()
	data, _ := os.ReadFile(path)
	metas, _ := readMetas(bytes.NewReader(data), int64(len(data)))
	m := metas[0]
	if len(metas) == 2 && metas[1].tx > m.tx {
		m = metas[1]
	}
	junk := bytes.Repeat([]byte{0xA5, 0x00, 0xFF, 0x13, 0x07, 0x80, 0x00, 0x00}, 4096/8)
	for _, pg := range pages(m.hwm, m.freelist) {
		copy(data[pg*4096:], junk)
	}
	os.WriteFile(path, data, 0o600)
}

// Garbage over data pages: every call either works or says the file is
// damaged, naming it; none panics or faults.
func TestBadPagesGiveErrorsNotPanics(t *testing.T) {
	t.Run("everywhere", func(t *testing.T) {
		path, _ := filled(t, 3000)
		garble(t, path, func(hwm, freelist uint64) (pgs []uint64) {
			for pg := uint64(2); pg < hwm; pg++ {
				if pg != freelist {
					pgs = append(pgs, pg)
				}
			}
			return pgs
		})
		_, err := reopen(path)
		wantDamaged(t, err, path, "pages are likely damaged")
	})
	t.Run("in the runs", func(t *testing.T) {
		path, in := filled(t, 3000)
		var root uint64
		s, _ := reopen(path)
		s.db.View(func(tx *bolt.Tx) error { root = uint64(tx.Bucket(bucketRuns).Root()); return nil })
		s.Close()
		garble(t, path, func(uint64, uint64) []uint64 { return []uint64{root} })

		s, err := reopen(path)
		if err != nil {
			t.Fatalf("the damage was meant to be met after opening: %v", err)
		}
		defer s.Close()
		calls := map[string]func() error{
			"list runs":     func() error { _, err := s.ListRuns(RunQuery{}); return err },
			"list by state": func() error { _, err := s.ListRuns(RunQuery{State: RunQueued}); return err },
			"run":           func() error { _, err := s.Run(5); return err },
			"due runs":      func() error { _, err := s.DueRuns(s.now(), 100, nil); return err },
			"enqueue":       func() error { _, err := s.EnqueueEvents(in.ID, keyed("new", 0, 5), EnqueueOptions{}); return err },
			"check":         s.Check,
		}
		for name, call := range calls {
			err := call()
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: got %v, want a damaged-file error naming the file", name, err)
			}
		}
		// What does not touch the runs still works.
		if got, err := s.Integrations(); err != nil || len(got) != 1 {
			t.Errorf("integrations: %v %v", got, err)
		}
	})
}

// A file cut short while oktaflow has it open (a disk error, a bad restore
// over a live file): reads past the new end fault inside bbolt's memory
// map, which must come back as an error, not a SIGBUS.
func TestAFileTruncatedWhileOpenFaultsIntoAnError(t *testing.T) {
	path, in := filled(t, 3000)
	s, err := reopen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Truncate(path, 16<<10); err != nil {
		t.Fatal(err)
	}
	_, err = s.ListRuns(RunQuery{IntegrationID: in.ID, Limit: 3000})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Fatalf("reading a truncated mapping: %v", err)
	}
}

func TestAGarbledRecordIsNamedAndSkipped(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	other := newIntegration(t, s, true)
	ids := enqueue(t, s, in.ID, "a", "b", "c")
	if _, err := s.AddAccount(Account{Name: "good", Token: "tok-1234567890abcdef"}); err != nil {
		t.Fatal(err)
	}
	bad, err := s.AddAccount(Account{Name: "bad", Token: "tok-1234567890abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	rawUpdate(s, func(tx *bolt.Tx) error {
		tx.Bucket(bucketRuns).Put(runKey(ids[1]), []byte(`{"id":2,"state":`))
		tx.Bucket(bucketIntegrations).Put([]byte(other.ID), []byte("\x00\x01garbage"))
		tx.Bucket(bucketAccounts).Put([]byte(bad.ID), []byte(`[1,2]`))
		return nil
	})

	if _, err := s.Run(ids[1]); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("record %d in runs", ids[1])) {
		t.Fatalf("one damaged run: %v", err)
	}
	runs, problems, err := s.ListRunsChecked(RunQuery{IntegrationID: in.ID})
	if err != nil || len(runs) != 2 || len(problems) != 1 || problems[0].Bucket != "runs" || problems[0].Key != ids[1].String() {
		t.Fatalf("listing around a damaged run: %d runs, %+v, %v", len(runs), problems, err)
	}
	if all, _ := s.ListRuns(RunQuery{}); len(all) != 2 {
		t.Fatalf("all runs: %d", len(all))
	}
	ins, problems, err := s.IntegrationsChecked()
	if err != nil || len(ins) != 1 || ins[0].ID != in.ID || len(problems) != 1 || problems[0].Key != other.ID {
		t.Fatalf("integrations around a damaged one: %v %+v %v", ins, problems, err)
	}
	accs, problems, err := s.AccountsChecked()
	if err != nil || len(accs) != 1 || accs[0].Name != "good" || len(problems) != 1 || problems[0].Bucket != "accounts" {
		t.Fatalf("accounts around a damaged one: %v %+v %v", accs, problems, err)
	}
	if got := s.Problems(); len(got) != 3 {
		t.Fatalf("Problems: %+v", got)
	}
	if !strings.Contains(problems[0].Error(), "oktaflow account remove "+bad.ID) {
		t.Fatalf("the problem does not say what to do: %v", problems[0].Error())
	}
	// The way out: a damaged record can be removed.
	if err := s.DeleteIntegration(other.ID); err != nil {
		t.Fatalf("delete a damaged integration: %v", err)
	}
	if err := s.RemoveAccount(bad.ID); err != nil {
		t.Fatalf("remove a damaged account: %v", err)
	}
	if _, problems, _ := s.AccountsChecked(); len(problems) != 0 {
		t.Fatalf("still there: %+v", problems)
	}
	if _, err := s.AddAccount(Account{Name: "bad", Token: "tok-1234567890abcdef"}); err != nil {
		t.Fatalf("the damaged account's name stays taken: %v", err)
	}
}

// Backup works while other goroutines write, and the copy opens and checks clean.
func TestBackupWhileWriting(t *testing.T) {
	s, _ := openTest(t)
	in := newIntegration(t, s, true)
	enqueue(t, s, in.ID, "seed")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.EnqueueEvents(in.ID, []NewEvent{{Payload: json.RawMessage(`{}`), DedupeKey: fmt.Sprint(w, "-", i)}}, EnqueueOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var copies []string
	for i := range 3 {
		var buf bytes.Buffer
		if _, err := s.Backup(&buf); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), fmt.Sprint("copy", i, ".db"))
		os.WriteFile(p, buf.Bytes(), 0o600)
		copyFile(KeyPath(s.Path()), KeyPath(p))
		copies = append(copies, p)
	}
	close(stop)
	wg.Wait()
	for _, p := range copies {
		b, err := reopen(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Check(); err != nil {
			t.Fatalf("backup %s: %v", p, err)
		}
		counts, _ := b.RunCounts()
		runs, _ := b.ListRuns(RunQuery{Limit: 1 << 20})
		if counts[RunQueued] != len(runs) || len(runs) == 0 {
			t.Fatalf("backup is not one consistent state: counts %v, %d runs", counts, len(runs))
		}
		b.Close()
	}
	if left, _ := filepath.Glob(s.Path() + ".backup-*"); len(left) != 0 {
		t.Fatalf("temporary copies left behind: %v", left)
	}
}
