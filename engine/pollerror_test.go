package engine

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A poll that cannot reach its source says which host and what to check,
// not Go's dial error text (which names the machine's own resolver).
func TestPollErrorsSayWhatToCheck(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, refused := http.Get("http://" + addr + "/users")
	if got := describePollError(refused); !strings.Contains(got, "nothing answers at "+addr) || strings.Contains(got, "dial tcp") {
		t.Errorf("refused: %q", got)
	}
	dns := &net.DNSError{Err: "no such host", Name: "hr.example.invalid", Server: "10.255.255.53:53", IsNotFound: true}
	if got := describePollError(errors.Join(errors.New("the API"), dns)); !strings.Contains(got, "cannot find the host hr.example.invalid") || strings.Contains(got, "10.255.255.53") {
		t.Errorf("dns: %q", got)
	}
	c := &http.Client{Timeout: time.Nanosecond}
	if _, err := c.Get("http://" + addr); err != nil {
		if got := describePollError(err); !strings.Contains(got, "did not answer in time") && !strings.Contains(got, "nothing answers") {
			t.Errorf("timeout: %q", got)
		}
	}
	plain := errors.New("GET https://hr.example/api: 401 Unauthorized")
	if got := describePollError(plain); got != plain.Error() {
		t.Errorf("an answer's error is kept as it is: %q", got)
	}
}
