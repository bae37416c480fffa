package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, as PEM files.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oktaflow test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// runWith runs a program with stdin, its stdout going to out.
func runWith(t *testing.T, stdin string, out *os.File, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "OKTAFLOW_SECRET_KEY=")
	cmd.Stdin = strings.NewReader(stdin)
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &errOut
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return errOut.String(), exit.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return errOut.String(), 0
}

// TestServeOperationsEndToEnd drives serve as an operator would, with the
// OpenSSH client: HTTPS from --tls-cert/--tls-key, the local CLI told how
// to reach a running serve, a hot backup streamed over SSH and restored,
// server paths refused over SSH, help over SSH, hints with the address
// serve really listens on, and a viewer's open app closed when their key is
// taken out of the keys file.
func TestServeOperationsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the serve end-to-end test runs without -short")
	}
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "of.db")
	keyFiles := map[string]string{}
	for _, who := range []string{"alice", "victor"} {
		key := filepath.Join(dir, who)
		if _, errOut, code := run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", key); code != 0 {
			t.Fatalf("ssh-keygen: %s", errOut)
		}
		keyFiles[who] = key
	}
	adminKeys, viewerKeys := filepath.Join(dir, "admins.pub"), filepath.Join(dir, "viewers.pub")
	for file, key := range map[string]string{adminKeys: keyFiles["alice"], viewerKeys: keyFiles["victor"]} {
		pub, _ := os.ReadFile(key + ".pub")
		os.WriteFile(file, pub, 0o600)
	}
	if out, errOut, code := run(t, bin, "account", "add-sandbox", "sandbox", "--db", db); code != 0 {
		t.Fatalf("add-sandbox: %s %s", out, errOut)
	}
	certFile, keyFile, pool := selfSigned(t, dir)

	httpAddr, sshAddr := freeAddr(t), freeAddr(t)
	_, port, _ := net.SplitHostPort(sshAddr)
	child := exec.Command(bin, "serve", "--db", db, "--http-addr", httpAddr, "--ssh-addr", sshAddr,
		"--admin-keys", adminKeys, "--viewer-keys", viewerKeys, "--tls-cert", certFile, "--tls-key", keyFile)
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

	// HTTPS, and only HTTPS
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	waitFor(t, func() bool {
		resp, err := client.Get("https://" + httpAddr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	if resp, err := http.Get("http://" + httpAddr + "/healthz"); err == nil && resp.StatusCode == 200 {
		t.Fatal("plain http is answered on the TLS listener")
	}
	waitFor(t, func() bool { _, ok := readServeState(db); return ok })

	admin := sshUser{port: port, key: keyFiles["alice"]}
	viewer := sshUser{port: port, key: keyFiles["victor"]}

	// the local CLI, refused while serve holds the database, says exactly how
	_, errOut, code := run(t, bin, "backup", filepath.Join(dir, "local.db"), "--db", db)
	if want := "ssh -p " + port + " 127.0.0.1 backup - > FILE"; code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("local backup while serve runs: %d %q, want it to say %q", code, errOut, want)
	}

	// import over SSH: the hint names the address serve really listens on
	errOut, code = runWith(t, onboardDoc, nil, "ssh", append(admin.args("-T"), "integration", "import", "-")...)
	if code != 0 || !strings.Contains(errOut, "POST https://"+httpAddr+"/hooks/int_") {
		t.Fatalf("import over SSH: %d %q", code, errOut)
	}

	// a hot backup through the running process, streamed to the client
	backup := filepath.Join(dir, "backup.db")
	f, err := os.Create(backup)
	if err != nil {
		t.Fatal(err)
	}
	errOut, code = runWith(t, "", f, "ssh", append(admin.args("-T"), "backup", "-")...)
	f.Close()
	if fi, _ := os.Stat(backup); code != 0 || !strings.Contains(errOut, "Wrote a copy of the database") || fi.Size() == 0 {
		t.Fatalf("backup over SSH: %d %q (%d bytes)", code, errOut, fi.Size())
	}
	if _, errOut, code := viewer.cli(t, "backup"); code == 0 || !strings.Contains(errOut, "viewer role") {
		t.Fatalf("a viewer's backup: %d %q", code, errOut)
	}

	// over SSH, no path of the client's choosing
	for _, c := range [][]string{
		{"runs", "--db", "/etc/passwd"},
		{"integration", "import", "/etc/passwd"},
		{"backup", "/tmp/x.db"},
		{"integration", "list", "--feeds-dir", "/"},
	} {
		if _, errOut, code := admin.cli(t, c...); code == 0 || !(strings.Contains(errOut, "refused over SSH") || strings.Contains(errOut, "never opens a file")) {
			t.Errorf("%v over SSH: %d %q", c, code, errOut)
		}
	}

	// help over SSH
	if out, errOut, code := viewer.cli(t, "help"); code != 0 || !strings.Contains(out, "integration") || !strings.Contains(out, "Available Commands") {
		t.Fatalf("help over SSH: %d %q %q", code, out, errOut)
	}

	// the viewer's open app closes when their key is taken out
	app := viewer.app(t, "revoke")
	app.waitFor("Integrations")
	os.WriteFile(viewerKeys, []byte("# nobody\n"), 0o600)
	app.waitFor("SSH-EXITED=")
	if !strings.Contains(logs.String(), "closing an SSH session") {
		t.Errorf("the closing is not in serve's log")
	}

	if err := child.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}

	// restore, as the README says: the copy and the same key file
	restored := filepath.Join(t.TempDir(), "of.db")
	data, _ := os.ReadFile(backup)
	key, _ := os.ReadFile(db + ".key")
	os.WriteFile(restored, data, 0o600)
	os.WriteFile(restored+".key", key, 0o600)
	if out, errOut, code := run(t, bin, "integration", "list", "--db", restored); code != 0 || !strings.Contains(out, "Onboard new hires") {
		t.Fatalf("the restored copy: %d %q %q", code, out, errOut)
	}
}
