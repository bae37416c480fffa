package okta

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// Fixture is one recorded file from ../shared/okta-fixtures (real exchanges with real Okta
// orgs, recorded by Okta's own projects). Exported for the okta_test package.
type Fixture struct {
	Name         string // folder/file
	Source       string `json:"source"`
	Interactions []struct {
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
	} `json:"interactions"`
}

// Header returns interaction i's response headers, canonicalised.
func (f *Fixture) Header(i int) http.Header {
	h := http.Header{}
	for k, vs := range f.Interactions[i].Response.Headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return h
}

// LoadFixtures reads every recorded file, or skips the test when the folder is absent (it
// lives beside the repository, not in it).
func LoadFixtures(t *testing.T) []*Fixture {
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
			t.Skip("no go.mod above the test directory; cannot locate ../shared/okta-fixtures")
		}
		dir = parent
	}
	root := filepath.Join(dir, "..", "shared", "okta-fixtures")
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.json"))
	if len(files) == 0 {
		t.Skipf("recorded Okta exchanges not found in %s (they live beside the repository, in ../shared/okta-fixtures); skipping conformance", root)
	}
	var out []*Fixture
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f := &Fixture{}
		if err := json.Unmarshal(data, f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f.Name = filepath.Join(filepath.Base(filepath.Dir(name)), filepath.Base(name))
		out = append(out, f)
	}
	return out
}
