package oktatest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServer(t *testing.T) {
	s := NewServer(Options{Token: "abc"})
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || s.Token != "abc" {
		t.Fatalf("server %s token %s", s.URL, s.Token)
	}
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", "SSWS abc")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), s.URL+"/api/v1/users/") {
		t.Errorf("GET me: %d %s", resp.StatusCode, body)
	}
	s.Close()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("the closed server still answers")
	}

	// StartServer on a wildcard address reports a dialable URL.
	s2, err := StartServer("0.0.0.0:0", NewOrg(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s2.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s", s2.URL)
	}
	if err := s2.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
	if _, err := StartServer("256.0.0.1:1", NewOrg(Options{})); err == nil || !strings.Contains(err.Error(), "listen on 256.0.0.1:1") {
		t.Errorf("bad address: %v", err)
	}
}
