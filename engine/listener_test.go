package engine

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// listen starts the engine's real listener on a free port.
func (h *harness) listen(o ListenOptions) string {
	h.t.Helper()
	if err := h.e.ListenWith("127.0.0.1:0", o); err != nil {
		h.t.Fatal(err)
	}
	addr, _ := h.e.ListenStatus()
	return addr
}

// TestListenerSurvivesIdleAndSlowClients: far more idle and slowloris
// connections than the cap never stop /healthz or a webhook from
// answering, and the server never holds more connections than the cap.
func TestListenerSurvivesIdleAndSlowClients(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	const limit = 16
	// Long timeouts: what keeps the server answering here is the cap, not a timeout.
	addr := h.listen(ListenOptions{MaxConns: limit, HeaderTimeout: time.Minute, IdleTimeout: time.Minute})
	var hogs []net.Conn
	defer func() {
		for _, c := range hogs {
			c.Close()
		}
	}()
	for i := range 4 * limit {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		hogs = append(hogs, c)
		if i%2 == 1 { // slowloris: a request line and then nothing
			c.Write([]byte("POST /hooks/" + in.ID + " HTTP/1.1\r\nHost: x\r\n"))
		}
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 5 {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("healthz %d under a flood: %v", i, err)
		}
		resp.Body.Close()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/"+in.ID, bytes.NewReader([]byte(`{"email":"a@acme.com"}`)))
		req.Header.Set("Authorization", "Bearer "+hookSecret)
		req.Header.Set("Content-Type", "application/json")
		resp, err = client.Do(req)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("webhook %d under a flood: %v %v", i, resp, err)
		}
		resp.Body.Close()
	}
	if n := h.e.openConns(); n > limit {
		t.Fatalf("%d connections open, cap %d", n, limit)
	}
	// The hogs beyond the cap were dropped: they read EOF.
	dropped := 0
	for _, c := range hogs {
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) { // EOF, or a reset for one that had sent bytes
			dropped++
		}
	}
	if dropped < len(hogs)-limit {
		t.Fatalf("only %d of %d idle connections were dropped", dropped, len(hogs))
	}
}

// TestListenerTimesOutSilentClients: a connection that never sends a
// request is closed after the header timeout.
func TestListenerTimesOutSilentClients(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	addr := h.listen(ListenOptions{HeaderTimeout: 100 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second)) // only ends a hung test
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("a silent connection was not closed: %v", err)
	}
}

func TestListenerDefaultsAreBounded(t *testing.T) {
	o := ListenOptions{}.withDefaults()
	if o.MaxConns <= 0 || o.HeaderTimeout <= 0 || o.ReadTimeout <= 0 || o.WriteTimeout <= 0 || o.IdleTimeout <= 0 {
		t.Fatalf("unbounded default: %+v", o)
	}
}

// TestListenTLSReloadsTheCertificate: the listener serves HTTPS with the
// files given, and a renewed certificate written over them is used by the
// next connection without a restart.
func TestListenTLSReloadsTheCertificate(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeCert(t, certFile, keyFile, "first")
	addr := h.listen(ListenOptions{TLSCert: certFile, TLSKey: keyFile})
	if st := h.e.ListenInfo(); !st.TLS || st.URL != "https://"+addr {
		t.Fatalf("listen info %+v", st)
	}
	if cn := servedCN(t, addr); cn != "first" {
		t.Fatalf("served %q", cn)
	}
	writeCert(t, certFile, keyFile, "renewed")
	future := time.Now().Add(time.Minute) // a new mtime even on a coarse clock
	os.Chtimes(certFile, future, future)
	os.Chtimes(keyFile, future, future)
	if cn := servedCN(t, addr); cn != "renewed" {
		t.Fatalf("after renewal served %q", cn)
	}
	// A broken renewal keeps the last good certificate.
	os.WriteFile(certFile, []byte("garbage"), 0o600)
	later := future.Add(time.Minute)
	os.Chtimes(certFile, later, later)
	if cn := servedCN(t, addr); cn != "renewed" {
		t.Fatalf("after a broken renewal served %q", cn)
	}
}

func TestListenTLSRefusesBadFiles(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	dir := t.TempDir()
	err := h.e.ListenWith("127.0.0.1:0", ListenOptions{TLSCert: filepath.Join(dir, "no.crt"), TLSKey: filepath.Join(dir, "no.key")})
	if err == nil {
		t.Fatal("missing certificate files accepted")
	}
	if err := h.e.ListenWith("127.0.0.1:0", ListenOptions{TLSCert: filepath.Join(dir, "no.crt")}); err == nil {
		t.Fatal("a certificate without a key accepted")
	}
}

func servedCN(t *testing.T, addr string) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
}

func writeCert(t *testing.T, certFile, keyFile, cn string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
}

// TestLargeRequestDoesNotStallOtherWebhooks: while one caller uploads a
// large batch slowly, another integration's webhook still answers.
func TestLargeRequestDoesNotStallOtherWebhooks(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	big := h.importOn(onboarding)
	small := h.importOn(strings.Replace(onboarding, "Onboard new hires", "Onboard contractors", 1))
	addr := h.listen(ListenOptions{})
	var body bytes.Buffer
	body.WriteString("[")
	for i := range MaxHookItems {
		if i > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `{"email":"u%d@acme.com","pad":"%s"}`, i, strings.Repeat("p", 200))
	}
	body.WriteString("]")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /hooks/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", big.ID, hookSecret, body.Len())
	half := body.Len() / 2
	c.Write(body.Bytes()[:half]) // and then a pause, mid-body

	client := &http.Client{Timeout: 10 * time.Second}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/"+small.ID, strings.NewReader(`{"email":"c@acme.com"}`))
	req.Header.Set("Authorization", "Bearer "+hookSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("the small webhook waited on the large one: %v %v", resp, err)
	}
	resp.Body.Close()

	c.Write(body.Bytes()[half:])
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	answer, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || answer.StatusCode != http.StatusAccepted {
		t.Fatalf("the large batch: %v %v", answer, err)
	}
	var a hookAnswer
	json.NewDecoder(answer.Body).Decode(&a)
	if a.Accepted != MaxHookItems {
		t.Fatalf("large batch answer: accepted %d", a.Accepted)
	}
}
