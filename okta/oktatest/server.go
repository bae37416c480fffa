package oktatest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is an [Org] served over HTTP on a real listener, like
// httptest.Server: tests point a client at URL with Token.
type Server struct {
	*Org
	URL   string // base URL, e.g. "http://127.0.0.1:54321"
	Token string // the API token the org accepts

	srv *http.Server
}

// NewServer starts a new org on a free loopback port. It panics if no port
// can be had, as httptest.NewServer does.
func NewServer(opts Options) *Server {
	s, err := StartServer("127.0.0.1:0", NewOrg(opts))
	if err != nil {
		panic("oktatest: NewServer: " + err.Error())
	}
	return s
}

// StartServer serves org on addr ("127.0.0.1:8790", ":0", ...), for
// `oktaflow sim` and the sandbox, which serves an org restored by LoadOrg.
func StartServer(addr string, org *Org) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: org, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // returns ErrServerClosed after Close/Shutdown
	return &Server{Org: org, URL: "http://" + dialable(ln.Addr()), Token: org.Token(), srv: srv}, nil
}

// dialable turns a listener address into one a client can dial: a
// wildcard host (0.0.0.0, ::) becomes 127.0.0.1.
func dialable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// Close stops the server at once, closing open connections.
func (s *Server) Close() {
	_ = s.srv.Close()
}

// Shutdown stops accepting requests and waits for those in flight, until
// ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}
