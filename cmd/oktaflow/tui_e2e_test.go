package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives the real binary in a tmux terminal, as a person would.
// Each session has a tmux server of its own (-L name, no config file), so
// that tests running at once, or a developer's own tmux and its
// environment (OKTAFLOW_DB, say), never reach into each other.
type tmuxSession struct {
	t    *testing.T
	name string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.name, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// close ends the session's tmux server.
func (s *tmuxSession) close() { exec.Command("tmux", "-L", s.name, "kill-server").Run() }

// keys sends key names (Enter, Escape, Down, C-s, ...).
func (s *tmuxSession) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// text types literal text.
func (s *tmuxSession) text(t string) { s.tmux("send-keys", "-t", s.name, "-l", "--", t) }

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", s.name) }

// waitFor polls the screen until it shows text; the deadline only ends a
// hung test.
func (s *tmuxSession) waitFor(text string) string {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := s.screen()
		if strings.Contains(scr, text) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; it shows:\n%s", text, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTUIEndToEnd goes through flows 1–6 of the app in tmux against the
// sandbox org: first run → sandbox; new integration (webhook → Add a user)
// with its field mapping; a test on a sample, showing Okta's JSON output;
// save and switch ON; a webhook fired with curl; the run succeeds in the
// runs screen, and the user exists in the sandbox org.
func TestTUIEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the tmux end-to-end test runs without -short")
	}
	for _, tool := range []string{"tmux", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (.ci/run installs it): %v", tool, err)
		}
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	addr := freeAddr(t)
	s := &tmuxSession{t: t, name: fmt.Sprintf("oktaflow-e2e-%d", os.Getpid())}
	s.tmux("new-session", "-d", "-s", s.name, "-x", "100", "-y", "30",
		fmt.Sprintf("XDG_DATA_HOME=%s OKTAFLOW_DB= OKTAFLOW_SECRET_KEY= %s --http-addr %s; sleep 30", data, bin, addr))
	t.Cleanup(s.close)

	// 1. first run: the sandbox org
	s.waitFor("Try it with a sandbox org")
	s.keys("Enter")
	s.waitFor("Press n to create")

	// 2. a new integration: name, webhook trigger, Add a user on the sandbox account
	s.keys("n")
	s.waitFor("Name your integration")
	s.text("Onboard new hires")
	s.keys("Enter")
	s.text("Create Okta users from HR webhooks")
	s.keys("Enter")
	s.waitFor("What starts this integration?")
	s.keys("Enter")
	s.waitFor("Secret")
	s.keys("C-u")
	s.text("e2e-secret")
	s.keys("Enter")
	s.waitFor("search the connectors")
	s.text("add user")
	s.waitFor("Add a user")
	s.keys("Enter")
	s.waitFor("Which Okta account")
	s.keys("Enter")

	// 3. field mapping: login, firstName, lastName, then email (four rows down)
	s.waitFor("required fields unmapped")
	for _, m := range []struct {
		down  int
		value string
	}{{0, "{{ trigger.email }}"}, {1, "{{ trigger.first_name }}"}, {1, "{{ trigger.last_name }}"}, {4, "{{ trigger.email }}"}} {
		for range m.down {
			s.keys("Down")
		}
		s.keys("Enter")
		s.text(m.value)
		s.waitFor("compiles")
		s.keys("Enter")
	}
	s.waitFor("every required field is mapped")
	s.keys("Escape")

	// 4. test on the webhook's starter sample (sample first), edited by
	// hand: Okta's JSON output is shown
	s.waitFor("New integration › Test")
	s.waitFor("a starter sample")
	s.keys("C-e")
	s.waitFor("Edit the sample event")
	for range 3 { // the first three lines: the brace, "department" and "email"
		s.keys("C-k", "C-k")
	}
	s.text(`{"email": "grace@acme.com",`)
	s.keys("C-s")
	s.waitFor("grace@acme.com")
	s.keys("C-t")
	s.waitFor("create or change users") // the confirmation, not the preview's "runs it for real"
	s.keys("y")
	s.waitFor("1. create · Add a user · created")
	s.keys("Escape")

	// 5. save and switch ON
	s.waitFor("Ready to save")
	s.keys("C-s")
	s.waitFor("Switch it ON now?")
	s.keys("y")
	scr := s.waitFor("is ON")
	id := regexp.MustCompile(`int_[a-z0-9]{12}`).FindString(scr)
	if id == "" {
		t.Fatalf("no webhook URL on the editor screen:\n%s", scr)
	}

	// 6. a webhook call with curl; the run succeeds and shows in the runs screen
	out, err := exec.Command("curl", "-sS", "-X", "POST", "http://"+addr+"/hooks/"+id,
		"-H", "Authorization: Bearer e2e-secret", "-H", "Content-Type: application/json",
		"-d", `{"first_name":"Alan","last_name":"Turing","email":"alan@acme.com"}`).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"accepted":1`) {
		t.Fatalf("curl: %v %s", err, out)
	}
	s.keys("r")
	s.waitFor("succeeded")
	s.keys("Enter")
	s.waitFor("alan@acme.com")
	s.keys("C-c")

	// The user exists in the sandbox org, whose state the app saved on exit.
	deadline := time.Now().Add(20 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(data, "oktaflow", "sandbox-*.json"))
		if len(files) == 1 {
			state, _ := os.ReadFile(files[0])
			if strings.Contains(string(state), "alan@acme.com") && strings.Contains(string(state), "grace@acme.com") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox org has no alan@acme.com and grace@acme.com (files %v)", files)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
