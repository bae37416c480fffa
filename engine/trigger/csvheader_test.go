package trigger

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// CSVHeader reads the columns as a poll would: BOM, delimiter, encoding,
// a header without its line break, the newest file of a folder; a wrong
// key column does not stop it.
func TestCSVHeader(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := func(vals ...string) Config {
		c := Config{Values: map[string]any{}}
		for i := 0; i+1 < len(vals); i += 2 {
			c.Values[vals[i]] = vals[i+1]
		}
		return c
	}
	for _, tc := range []struct {
		name string
		c    Config
		want []string
	}{
		{"bom and spaces", cfg("path", write("a.csv", "\ufeffid, email ,First Name\n1,a@x,A\n")), []string{"id", "email", "First Name"}},
		{"delimiter", cfg("path", write("b.csv", "id;email\n"), "delimiter", ";"), []string{"id", "email"}},
		{"encoding", cfg("path", write("c.csv", "id,Pr\xe9nom\n"), "encoding", "windows-1252"), []string{"id", "Prénom"}},
		{"no line break", cfg("path", write("d.csv", "id,email")), []string{"id", "email"}},
		{"wrong key column", cfg("path", write("e.csv", "id,email\n"), "key_column", "nope"), []string{"id", "email"}},
	} {
		got, err := CSVHeader(tc.c)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := CSVHeader(cfg("path", write("f.csv", "id,Pr\xe9nom\n"))); err == nil || !strings.Contains(err.Error(), "encoding") {
		t.Errorf("not UTF-8: %v", err)
	}
	if _, err := CSVHeader(cfg("path", write("g.csv", ""))); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty: %v", err)
	}
	folder := filepath.Join(dir, "feed")
	os.Mkdir(folder, 0o700)
	os.WriteFile(filepath.Join(folder, "old.csv"), []byte("old\n"), 0o600)
	os.Chtimes(filepath.Join(folder, "old.csv"), time.Now().Add(-time.Hour), time.Now().Add(-time.Hour))
	os.WriteFile(filepath.Join(folder, "new.csv"), []byte("new,cols\n"), 0o600)
	if got, err := CSVHeader(cfg("path", folder)); err != nil || !slices.Equal(got, []string{"new", "cols"}) {
		t.Errorf("folder: %q %v", got, err)
	}
	if _, err := CSVHeader(cfg("path", filepath.Join(dir, "missing.csv"))); err == nil {
		t.Error("a missing file")
	}
}
