package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/console"
)

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// run runs a program to the end and returns its stdout, stderr and exit
// code; the timeout only ends a hung child.
func run(t *testing.T, name string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "OKTAFLOW_SECRET_KEY=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), 0
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return out.String(), errOut.String(), exit.ExitCode()
	}
	t.Fatalf("%s %v: %v\n%s", name, args, err, errOut.String())
	return "", "", -1
}

// sshUser is one person reaching `oktaflow serve` with OpenSSH.
type sshUser struct {
	port, key string
}

// args are OpenSSH's arguments: this key only, no config, no known hosts,
// no prompts.
func (u sshUser) args(extra ...string) []string {
	a := []string{"-F", "/dev/null", "-p", u.port, "-i", u.key,
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "PreferredAuthentications=publickey",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"}
	return append(append(a, extra...), "127.0.0.1")
}

// cli runs one oktaflow command over SSH (no terminal).
func (u sshUser) cli(t *testing.T, command ...string) (string, string, int) {
	t.Helper()
	return run(t, "ssh", append(u.args("-T"), command...)...)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// app opens the app over `ssh -tt` in a tmux terminal of its own.
func (u sshUser) app(t *testing.T, name string) *tmuxSession {
	t.Helper()
	quoted := []string{"ssh"}
	for _, a := range u.args("-tt") {
		quoted = append(quoted, shellQuote(a))
	}
	s := &tmuxSession{t: t, name: fmt.Sprintf("oktaflow-ssh-%s-%d", name, os.Getpid())}
	s.tmux("new-session", "-d", "-s", s.name, "-x", "130", "-y", "30", strings.Join(quoted, " ")+"; echo SSH-EXITED=$?; sleep 30")
	t.Cleanup(s.close)
	return s
}

// waitForLine polls the screen until one line matches re.
func waitForLine(s *tmuxSession, re *regexp.Regexp) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		scr := s.screen()
		if re.MatchString(scr) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed a line matching %s; it shows:\n%s", re, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fingerprint is ssh-keygen's SHA256 fingerprint of a key file.
func fingerprint(t *testing.T, path string) string {
	t.Helper()
	out, errOut, code := run(t, "ssh-keygen", "-l", "-E", "sha256", "-f", path)
	fields := strings.Fields(out)
	if code != 0 || len(fields) < 2 || !strings.HasPrefix(fields[1], "SHA256:") {
		t.Fatalf("ssh-keygen -l %s: %d %q %q", path, code, out, errOut)
	}
	return fields[1]
}

// TestSSHConsoleEndToEnd runs `oktaflow serve` with an admin and a viewer
// key and uses it with the OpenSSH client: CLI commands over SSH with the
// role rules, the app over `ssh -tt` for both people at once in tmux, a
// webhook run that both see finish, the audit log naming the admin's key,
// and a clean SIGTERM.
func TestSSHConsoleEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the SSH end-to-end test runs without -short")
	}
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (.ci/run installs openssh-client and tmux): %v", tool, err)
		}
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "of.db")

	// keys, as a team would make them
	keyFiles := map[string]string{}
	for _, who := range []string{"alice@admin", "victor@viewer"} {
		key := filepath.Join(dir, strings.Split(who, "@")[0])
		if _, errOut, code := run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", key); code != 0 {
			t.Fatalf("ssh-keygen: %s", errOut)
		}
		keyFiles[who] = key
	}
	adminKeys, viewerKeys := filepath.Join(dir, "admins.pub"), filepath.Join(dir, "viewers.pub")
	for file, key := range map[string]string{adminKeys: keyFiles["alice@admin"], viewerKeys: keyFiles["victor@viewer"]} {
		pub, err := os.ReadFile(key + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, append([]byte("# oktaflow console keys\n"), pub...), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// a sandbox account and an integration that is ON, made with the local CLI
	if out, errOut, code := run(t, bin, "account", "add-sandbox", "sandbox", "--db", db); code != 0 {
		t.Fatalf("add-sandbox: %s %s", out, errOut)
	}
	docPath := filepath.Join(dir, "onboard.json")
	if err := os.WriteFile(docPath, []byte(onboardDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, bin, "integration", "import", docPath, "--db", db)
	if code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	id := strings.TrimSpace(out)
	if _, errOut, code := run(t, bin, "integration", "enable", id, "--db", db); code != 0 {
		t.Fatalf("enable: %s", errOut)
	}

	// serve
	httpAddr, sshAddr := freeAddr(t), freeAddr(t)
	_, port, _ := net.SplitHostPort(sshAddr)
	child := exec.Command(bin, "serve", "--db", db, "--http-addr", httpAddr, "--ssh-addr", sshAddr,
		"--admin-keys", adminKeys, "--viewer-keys", viewerKeys)
	child.Env = append(os.Environ(), "OKTAFLOW_SECRET_KEY=")
	logs := &lockedBuffer{}
	child.Stdout, child.Stderr = logs, logs
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	t.Cleanup(func() {
		child.Process.Kill()
		if t.Failed() {
			t.Logf("serve's log:\n%s", logs.String())
		}
	})
	waitHTTP(t, "http://"+httpAddr+"/healthz")
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", sshAddr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})

	// the host key was made beside the database, 0600, and its fingerprint logged
	hostKey := filepath.Join(dir, "ssh_host_ed25519")
	if fi, err := os.Stat(hostKey); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v %v", fi, err)
	}
	if fp := fingerprint(t, hostKey); !strings.Contains(logs.String(), fp) {
		t.Fatalf("serve did not print the host key fingerprint %s:\n%s", fp, logs.String())
	}

	admin := sshUser{port: port, key: keyFiles["alice@admin"]}
	viewer := sshUser{port: port, key: keyFiles["victor@viewer"]}
	adminWho := "ssh:" + fingerprint(t, admin.key+".pub") + " alice@admin"

	// the CLI over SSH, with the role rules
	if out, errOut, code := admin.cli(t, "integration", "show", id); code != 0 || !strings.Contains(out, "Onboard new hires") || strings.Contains(out, "change-me") {
		t.Fatalf("admin integration show: %d %q %q", code, out, errOut)
	}
	if out, errOut, code := viewer.cli(t, "integration", "disable", id); code == 0 || !strings.Contains(errOut, "viewer") {
		t.Fatalf("a viewer's integration disable: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := viewer.cli(t, "integration", "show", id, "--show-secret"); code == 0 || !strings.Contains(errOut, "secret") {
		t.Fatalf("a viewer's --show-secret: %d %q", code, errOut)
	}
	if _, errOut, code := admin.cli(t, "serve"); code == 0 || !strings.Contains(errOut, "only on the server") {
		t.Fatalf("serve over SSH: %d %q", code, errOut)
	}
	stranger := filepath.Join(dir, "stranger")
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mallory", "-f", stranger)
	if _, errOut, code := (sshUser{port: port, key: stranger}).cli(t, "runs"); code != 255 || !strings.Contains(errOut, "Permission denied") {
		t.Fatalf("an unknown key: %d %q", code, errOut)
	}

	// two people in the app at once
	adminApp, viewerApp := admin.app(t, "admin"), viewer.app(t, "viewer")
	adminApp.waitFor("Onboard new hires")
	viewerApp.waitFor("Onboard new hires")
	viewerApp.waitFor("viewer · read-only")
	if strings.Contains(adminApp.screen(), "read-only") {
		t.Fatalf("the admin's app is read-only:\n%s", adminApp.screen())
	}
	// a viewer's toggle is refused, and says why (in a toast at the end of
	// the status bar, hence the wide terminal: at 110 columns it is cut off)
	viewerApp.keys("o")
	viewerApp.waitFor("your SSH key has the viewer role")

	// a webhook: both people see the run finish
	req, _ := http.NewRequest(http.MethodPost, "http://"+httpAddr+"/hooks/"+id,
		strings.NewReader(`{"first_name":"Ada","last_name":"Lovelace","email":"ada@acme.com"}`))
	req.Header.Set("Authorization", "Bearer change-me")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook: %s", resp.Status)
	}
	finished := regexp.MustCompile(`ON +Onboard new hires.*succeeded`)
	waitForLine(adminApp, finished)
	waitForLine(viewerApp, finished)

	out, errOut, code = viewer.cli(t, "runs", "--json")
	var runs []storage.Run
	if code != 0 || json.Unmarshal([]byte(out), &runs) != nil {
		t.Fatalf("runs --json over SSH: %d %q %q", code, out, errOut)
	}
	if len(runs) != 1 || runs[0].State != storage.RunSucceeded || runs[0].IntegrationID != id {
		t.Fatalf("runs: %+v", runs)
	}

	// changes by the admin, over the CLI and in the app, reach the viewer
	// live and are audited under the admin's key
	if out, errOut, code := admin.cli(t, "integration", "disable", id); code != 0 || !strings.Contains(out, "is OFF") {
		t.Fatalf("admin integration disable: %d %q %q", code, out, errOut)
	}
	waitForLine(viewerApp, regexp.MustCompile(`OFF +Onboard new hires`))
	waitForLine(adminApp, regexp.MustCompile(`OFF +Onboard new hires`))
	adminApp.keys("o")
	waitForLine(viewerApp, regexp.MustCompile(`ON +Onboard new hires`))

	out, errOut, code = viewer.cli(t, "audit", "--json")
	var audit []storage.AuditEntry
	if code != 0 || json.Unmarshal([]byte(out), &audit) != nil {
		t.Fatalf("audit --json over SSH: %d %q %q", code, out, errOut)
	}
	byAdmin := map[string]bool{}
	for _, e := range audit {
		if e.Target == id && e.Who == adminWho {
			byAdmin[e.Action] = true
		}
		if strings.HasPrefix(e.Who, "ssh:") && strings.Contains(e.Who, "victor") {
			t.Errorf("the viewer changed something: %+v", e)
		}
	}
	if !byAdmin["integration.disable"] || !byAdmin["integration.enable"] {
		t.Fatalf("the audit log has no disable (CLI) and enable (app) by %q:\n%s", adminWho, out)
	}

	// SIGTERM with both sessions open: serve stops cleanly
	start := time.Now()
	if err := child.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM", err)
		}
		t.Logf("serve stopped %v after SIGTERM", time.Since(start).Round(10*time.Millisecond))
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15 s of SIGTERM")
	}
	adminApp.waitFor("SSH-EXITED=")
	viewerApp.waitFor("SSH-EXITED=")
	final := logs.String()
	if !strings.Contains(final, "stopped") {
		t.Errorf("serve did not log its stop:\n%s", final)
	}
	if strings.Contains(final, "change-me") || strings.Contains(final, "panic") {
		t.Errorf("serve's log has a secret or a panic:\n%s", final)
	}
	if os.Getenv("OKTAFLOW_SHOW_LOG") != "" {
		t.Logf("serve's log:\n%s", final)
	}
}

// TestAllowedRemotely checks the role rules for commands over SSH.
func TestAllowedRemotely(t *testing.T) {
	root := newRootCmdFor(&globals{})
	root.InitDefaultHelpCmd()
	find := func(args []string) (*cobra.Command, []string, error) { return root.Find(args) }
	admin := console.Identity{Role: engine.RoleAdmin}
	viewer := console.Identity{Role: engine.RoleViewer}
	for _, c := range []struct {
		id      console.Identity
		args    string
		refused string // "" when allowed
	}{
		{admin, "runs --json", ""},
		{admin, "integration disable int_x", ""},
		{admin, "integration show int_x --show-secret", ""},
		{admin, "serve", "only on the server"},
		{admin, "compact", "only on the server"},
		{viewer, "help", ""},
		{viewer, "help integration", ""},
		{viewer, "--help", ""},
		{viewer, "integration disable --help", ""},
		{viewer, "serve --help", ""},
		{admin, "backup", ""},
		{viewer, "backup", "viewer role"},
		{admin, "", "connect with a terminal"},
		{viewer, "runs --json", ""},
		{viewer, "run show 1", ""},
		{viewer, "integration list", ""},
		{viewer, "integration show int_x", ""},
		{viewer, "audit --json", ""},
		{viewer, "account list", ""},
		{viewer, "integration show int_x --show-secret", "cannot see secrets"},
		{viewer, "integration show int_x --show-secret=true", "cannot see secrets"},
		{viewer, "integration disable int_x", "viewer role"},
		{viewer, "integration enable int_x", "viewer role"},
		{viewer, "integration delete int_x", "viewer role"},
		{viewer, "integration test int_x", "viewer role"},
		{viewer, "integration run int_x --event -", "viewer role"},
		{viewer, "run retry 1", "viewer role"},
		{viewer, "account add-sandbox s", "viewer role"},
		{viewer, "account remove s", "viewer role"},
		{viewer, "integration import x.json", "viewer role"},
		{viewer, "serve", "only on the server"},
		{viewer, "completion bash", ""},
		{admin, "completion zsh", ""},
	} {
		err := allowedRemotely(find, c.id, strings.Fields(c.args))
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("role %d, %q refused: %v", c.id.Role, c.args, err)
		case c.refused != "" && (err == nil || !strings.Contains(err.Error(), c.refused)):
			t.Errorf("role %d, %q: %v, want an error saying %q", c.id.Role, c.args, err, c.refused)
		}
	}
}
