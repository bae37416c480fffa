package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// declaredBodyHogs opens n connections that each send a request's headers
// declaring a body of 100000 bytes (under the server's 256 KiB
// post-handler drain) and then never send it. Requests cycle through the
// kinds whose handler does not read the body: an unknown hook, a wrong
// secret, and /healthz.
func declaredBodyHogs(t *testing.T, addr, hookID string, n int) []net.Conn {
	t.Helper()
	requests := []string{
		"POST /hooks/nope HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
		"POST /hooks/" + hookID + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Length: 100000\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
	}
	var hogs []net.Conn
	t.Cleanup(func() {
		for _, c := range hogs {
			c.Close()
		}
	})
	for i := range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		hogs = append(hogs, c)
		io.WriteString(c, requests[i%len(requests)])
	}
	return hogs
}

// answeredAndClosed reads a hog's answer and then expects the server to
// close the connection instead of waiting for the body it will never read.
// The deadline is far below the read timeout the server would otherwise
// wait on, and far above any scheduling delay.
func answeredAndClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer to a request with a declared, unsent body: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after answering %d the server held the connection for a body it will not read: %v", resp.StatusCode, err)
	}
}

// healthzAndWebhookAnswer checks that a new client is served.
func healthzAndWebhookAnswer(t *testing.T, addr, hookID string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("healthz starved: %v", err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/"+hookID, strings.NewReader(`{"email":"a@acme.com"}`))
	req.Header.Set("Authorization", "Bearer "+hookSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err = client.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook starved: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestDeclaredUnsentBodiesDoNotStarveListener: requests that declare a
// body and never send it, answered without reading it (404, 401,
// /healthz), release their connection at once, so a cap's worth of them
// never keeps /healthz or a webhook from answering.
func TestDeclaredUnsentBodiesDoNotStarveListener(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	const limit = 8
	addr := h.listen(ListenOptions{MaxConns: limit})
	for _, c := range declaredBodyHogs(t, addr, in.ID, limit) {
		answeredAndClosed(t, c)
	}
	healthzAndWebhookAnswer(t, addr, in.ID)
}

// TestDeclaredUnsentBodiesAtDefaultCap: the same at the default cap.
func TestDeclaredUnsentBodiesAtDefaultCap(t *testing.T) {
	if testing.Short() {
		t.Skip("opens the default cap's worth of connections")
	}
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	addr := h.listen(ListenOptions{})
	for _, c := range declaredBodyHogs(t, addr, in.ID, DefaultMaxConns) {
		answeredAndClosed(t, c)
	}
	healthzAndWebhookAnswer(t, addr, in.ID)
}

// stalledUploads opens n authenticated webhook requests whose handler
// waits for a declared body that never comes, and waits until the server
// has them all in progress.
func stalledUploads(t *testing.T, h *harness, addr, hookID string, n int) {
	t.Helper()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "POST /hooks/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", hookID, hookSecret)
	}
	deadline := time.Now().Add(10 * time.Second) // only ends a hung test
	for h.e.activeConns() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d uploads in progress", h.e.activeConns(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// activeConns counts the connections with a request in progress (tests).
func (e *Engine) activeConns() int {
	e.mu.Lock()
	l := e.conns
	e.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for c := range l.conns {
		if c.state == http.StateActive {
			n++
		}
	}
	return n
}

// TestStalledUploadsAreEvictedAtTheCap: uploads whose body stopped coming
// hold their slot only until a new client needs it, like idle clients.
func TestStalledUploadsAreEvictedAtTheCap(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	const limit = 8
	addr := h.listen(ListenOptions{MaxConns: limit, ReadTimeout: time.Minute})
	stalledUploads(t, h, addr, in.ID, limit)
	healthzAndWebhookAnswer(t, addr, in.ID)
}

// TestShutdownIsNotHeldByDeclaredBodies: stopping the listener does not
// wait for bodies that are declared and never sent, whether the handler
// reads them or not, although the read timeout is a minute.
func TestShutdownIsNotHeldByDeclaredBodies(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	addr := h.listen(ListenOptions{ReadTimeout: time.Minute, WriteTimeout: time.Minute})
	stalledUploads(t, h, addr, in.ID, 4)
	declaredBodyHogs(t, addr, in.ID, 6)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.e.mu.Lock()
	srv := h.e.listener
	h.e.mu.Unlock()
	if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shutdown waited on declared, unsent bodies: %v (%d connections open)", err, h.e.openConns())
	} else if err != nil {
		t.Fatal(err)
	}
}
