package oktatest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recording is one file of ../shared/okta-fixtures: real exchanges with a
// real org, in the plain JSON shape described by the folder's README.
type recording struct {
	Source       string        `json:"source"`
	Interactions []interaction `json:"interactions"`
}

type interaction struct {
	Request struct {
		Method  string              `json:"method"`
		URL     string              `json:"url"`
		Headers map[string][]string `json:"headers"`
		Body    *string             `json:"body"`
	} `json:"request"`
	Response struct {
		Status  int                 `json:"status"`
		Headers map[string][]string `json:"headers"`
		Body    string              `json:"body"`
	} `json:"response"`
}

// header returns the values of a recorded header, whatever its case.
func header(h map[string][]string, name string) []string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// fixturesDir finds ../shared/okta-fixtures beside the module root, or
// skips the test: a clone of the project alone does not have it.
func fixturesDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the test directory; cannot locate ../shared/okta-fixtures")
		}
		dir = parent
	}
	fx := filepath.Join(dir, "..", "shared", "okta-fixtures")
	if _, err := os.Stat(fx); err != nil {
		t.Skipf("recorded Okta exchanges not found at %s (they live beside the project, not in it): %v", fx, err)
	}
	return fx
}

// loadRecordings reads every recording, keyed by "folder/file.json".
func loadRecordings(t *testing.T) map[string]recording {
	t.Helper()
	dir := fixturesDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings in %s: %v", dir, err)
	}
	out := map[string]recording{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r recording
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel(dir, f)
		out[filepath.ToSlash(rel)] = r
	}
	return out
}
