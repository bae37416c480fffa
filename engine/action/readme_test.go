package action

import (
	"os"
	"strings"
	"testing"
)

// The README's action table lists every action with every outcome it can
// report, so that it cannot fall behind the code.
func TestReadmeListsEveryActionAndOutcome(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip("no README beside the module:", err)
	}
	readme := string(raw)
	start := strings.Index(readme, "### Actions")
	if start < 0 {
		t.Fatal("README has no Actions section")
	}
	section := readme[start:]
	if end := strings.Index(section[3:], "\n### "); end >= 0 {
		section = section[:end+3]
	}
	for _, a := range All() {
		row := ""
		for _, line := range strings.Split(section, "\n") {
			if strings.HasPrefix(line, "| `"+a.ID()+"`") {
				row = line
			}
		}
		if row == "" {
			t.Errorf("README's action table has no row for %s", a.ID())
			continue
		}
		for _, o := range a.Outcomes() {
			if !strings.Contains(row, "`"+o.Name+"`") {
				t.Errorf("README's row for %s lacks the outcome %s", a.ID(), o.Name)
			}
		}
	}
}
