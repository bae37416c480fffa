package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// promptShell runs a shell command line in a tmux terminal of its own.
func promptShell(t *testing.T, name, env, line string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, name: fmt.Sprintf("oktaflow-prompt-%s-%d", name, os.Getpid())}
	s.tmux("new-session", "-d", "-s", s.name, "-x", "100", "-y", "32", env+" "+line+"; echo EXIT=$?; sleep 30")
	t.Cleanup(s.close)
	return s
}

// TestCLIPromptsInATerminal: at a terminal, account add without flags asks
// with huh forms (checking the name and the domain as they are typed, the
// token hidden), in plain lines with --accessible too, and a change asks
// before it is made.
func TestCLIPromptsInATerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("the prompt end-to-end test runs without -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skipf("tmux is not installed: %v", err)
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	sim := oktatest.NewServer(oktatest.Options{Token: "dev-token"})
	defer sim.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "of.db")
	env := "OKTAFLOW_SECRET_KEY= OKTAFLOW_DB=" + shellQuote(db)

	// the form: kind, then a name that is refused, then the domain and the token
	s := promptShell(t, "add", env, shellQuote(bin)+" account add")
	s.waitFor("What do you want to connect?")
	s.keys("Enter")             // an Okta org, with an API token
	s.waitFor("┃ Account name") // focused: typing goes there
	s.text("bad name!")
	s.keys("Enter")
	s.waitFor("may hold only letters")
	for range len("bad name!") {
		s.keys("BSpace")
	}
	s.text("sim")
	s.keys("Enter")
	s.waitFor("┃ Okta domain")
	s.text(sim.URL)
	s.waitFor("→ " + sim.URL)
	s.keys("Enter")
	s.waitFor("┃ API token")
	s.text("dev-token")
	if scr := s.waitFor("*********"); strings.Contains(scr, "dev-token") {
		t.Fatalf("the token shows as it is typed:\n%s", scr)
	}
	s.keys("Enter")
	s.waitFor("Authenticated as admin@example.com")
	s.waitFor("EXIT=0")

	// accessible: plain numbered prompts
	a := promptShell(t, "accessible", env, shellQuote(bin)+" account add other --accessible")
	a.waitFor("Enter a number between 1 and 3")
	a.text("1")
	a.keys("Enter")
	a.waitFor("Okta domain")
	a.text(sim.URL)
	a.keys("Enter")
	a.waitFor("API token")
	a.text("dev-token")
	a.keys("Enter")
	a.waitFor("Authenticated as admin@example.com")
	a.waitFor("EXIT=0")

	// a change asks first: no leaves it, yes makes it
	doc := filepath.Join(dir, "doc.json")
	os.WriteFile(doc, []byte(strings.ReplaceAll(onboardDoc, `"account": "sandbox"`, `"account": "sim"`)), 0o600)
	out, errOut, code := run(t, bin, "integration", "import", doc, "--db", db)
	if code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	id := strings.TrimSpace(out)
	d := promptShell(t, "delete", env, shellQuote(bin)+" integration delete "+id)
	d.waitFor(`Delete "Onboard new hires"`)
	d.keys("n")
	d.waitFor("cancelled; nothing was changed")
	d.waitFor("EXIT=1")
	y := promptShell(t, "delete-yes", env, shellQuote(bin)+" integration delete "+id)
	y.waitFor(`Delete "Onboard new hires"`)
	y.keys("y")
	y.waitFor("Deleted " + id)
	y.waitFor("EXIT=0")
}
