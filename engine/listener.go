package engine

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ListenOptions bound the HTTP listener (webhooks, /healthz, /metrics). The
// zero value is a safe default for a port reachable from the internet.
type ListenOptions struct {
	// MaxConns caps the connections held open at once (default 512). At the
	// cap, a new connection pushes out the one that has waited longest
	// without a request in progress (a client that connected and sent
	// nothing yet, or an idle keep-alive); when every connection is busy
	// with a request the new one is closed at once. So idle and slow
	// clients can never keep /healthz or a webhook from answering.
	MaxConns int
	// HeaderTimeout is how long a connection may take to send a request's
	// headers (and finish its TLS handshake) (default 5 s).
	HeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (default 30 s).
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from its headers to the end of the answer (default 30 s).
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its next request (default 60 s).
	IdleTimeout time.Duration
	// TLSCert and TLSKey are PEM files: when set, the listener serves HTTPS
	// only. Both files are read again when their modification time changes,
	// so a renewed certificate is used from the next connection on; a
	// renewal that does not load keeps the last good pair and is logged.
	TLSCert, TLSKey string
	// OpsAddr, when set, is a second, plain-HTTP address (loopback or a
	// monitoring network) for the operations endpoints: /healthz in full
	// and /metrics are served there only, and the main address serves the
	// webhooks and a /healthz that says {"status": "ok"|"degraded"} and
	// nothing else, so that a port reachable from the internet tells no
	// one the integrations, their errors (which quote upstream answers) or
	// the metrics.
	OpsAddr string
}

// Default listener limits.
const (
	DefaultMaxConns      = 512
	DefaultHeaderTimeout = 5 * time.Second
	DefaultReadTimeout   = 30 * time.Second
	DefaultWriteTimeout  = 30 * time.Second
	DefaultIdleTimeout   = 60 * time.Second
	maxHeaderBytes       = 32 << 10
	opsMaxConns          = 64 // the operations port serves monitoring, not the internet
)

func (o ListenOptions) withDefaults() ListenOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	def(&o.HeaderTimeout, DefaultHeaderTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	return o
}

// ListenState describes the HTTP listener for the status bar and hints.
type ListenState struct {
	Addr string // host:port actually bound ("" when not listening)
	URL  string // http://addr or https://addr
	TLS  bool
	// OpsAddr and OpsURL are the operations address actually bound
	// (ListenOptions.OpsAddr), "" when /healthz and /metrics are on Addr.
	OpsAddr, OpsURL string
	Err             error // why the listener did not start
}

// Listen starts the HTTP listener on addr with the default limits. When
// the port is taken it returns the error and the rest keeps working;
// ListenStatus reports it for the status bar.
func (e *Engine) Listen(addr string) error { return e.ListenWith(addr, ListenOptions{}) }

// ListenWith starts the HTTP listener on addr with the given limits and,
// when o names certificate files, TLS.
func (e *Engine) ListenWith(addr string, o ListenOptions) error {
	o = o.withDefaults()
	var certs *certReloader
	if o.TLSCert != "" || o.TLSKey != "" {
		if o.TLSCert == "" || o.TLSKey == "" {
			return e.listenFailed(errors.New("TLS needs both a certificate file and a key file"))
		}
		certs = newCertReloader(o.TLSCert, o.TLSKey, e.log, e.metrics.tlsReloadFailures.Inc)
		if err := certs.load(); err != nil {
			return e.listenFailed(err)
		}
	}
	e.mu.Lock()
	busy := e.listener != nil
	e.mu.Unlock()
	if busy {
		return errors.New("webhook listener: already listening")
	}
	raw, err := net.Listen("tcp", addr)
	if err != nil {
		return e.listenFailed(err)
	}
	limited := newConnLimiter(raw, o.MaxConns, e.metrics.connsDropped)
	var opsLimited *connLimiter
	if o.OpsAddr != "" {
		rawOps, err := net.Listen("tcp", o.OpsAddr)
		if err != nil {
			raw.Close()
			return e.listenFailed(fmt.Errorf("the operations address (/healthz, /metrics): %w", err))
		}
		opsLimited = newConnLimiter(rawOps, opsMaxConns, e.metrics.connsDropped)
		opsLimited.ops = true
	}
	// One server for both addresses: one set of limits, and Shutdown
	// closes both.
	srv := &http.Server{
		Handler:           guardBodies(e.listenHandler(o.OpsAddr != "")),
		ConnContext:       connContext,
		ReadHeaderTimeout: o.HeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         trackConn,
		// HTTP/1.1 only: every webhook sender speaks it, and one request per
		// connection at a time is what the connection cap counts.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	srv.RegisterOnShutdown(limited.drain)
	var ln net.Listener = limited
	state := ListenState{Addr: raw.Addr().String(), URL: "http://" + raw.Addr().String()}
	if certs != nil {
		ln = tls.NewListener(limited, &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.get, NextProtos: []string{"http/1.1"}})
		state.URL, state.TLS = "https://"+state.Addr, true
	}
	if opsLimited != nil {
		srv.RegisterOnShutdown(opsLimited.drain)
		state.OpsAddr = opsLimited.Addr().String()
		state.OpsURL = "http://" + state.OpsAddr
	}
	e.mu.Lock()
	e.listener, e.conns, e.listen = srv, limited, state
	e.mu.Unlock()
	serve := func(ln net.Listener, what string) {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error(what+" listener stopped", "err", err)
		}
	}
	go serve(ln, "webhook")
	if opsLimited != nil {
		go serve(opsLimited, "operations")
	}
	return nil
}

// listenHandler routes a request by the address it came to. Without an
// operations address, everything is served on the one address. With one
// (split), the main address serves /hooks/ and a bare /healthz, and the
// operations address /healthz and /metrics.
func (e *Engine) listenHandler(split bool) http.Handler {
	full := e.Handler()
	if !split {
		return full
	}
	public := http.NewServeMux()
	public.Handle("/hooks/", full)
	public.Handle("GET /healthz", statusOnly(full))
	ops := http.NewServeMux()
	ops.Handle("GET /healthz", full)
	ops.Handle("GET /metrics", full)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tc, _ := r.Context().Value(trackedConnKey{}).(*trackedConn); tc != nil && tc.l.ops {
			ops.ServeHTTP(w, r)
			return
		}
		public.ServeHTTP(w, r)
	})
}

// statusOnly serves full's /healthz answer reduced to its status (and its
// HTTP status code): what a load balancer needs, nothing more.
func statusOnly(full http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recordedAnswer{header: http.Header{}, code: http.StatusOK}
		full.ServeHTTP(rec, r)
		var answer struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(rec.body.Bytes(), &answer) != nil || answer.Status == "" {
			answer.Status = "error"
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.code)
		json.NewEncoder(w).Encode(answer)
	})
}

// recordedAnswer is an http.ResponseWriter that keeps the answer.
type recordedAnswer struct {
	header http.Header
	code   int
	wrote  bool
	body   bytes.Buffer
}

func (a *recordedAnswer) Header() http.Header { return a.header }

func (a *recordedAnswer) WriteHeader(code int) {
	if !a.wrote {
		a.code, a.wrote = code, true
	}
}

func (a *recordedAnswer) Write(p []byte) (int, error) {
	a.wrote = true
	return a.body.Write(p)
}

func (e *Engine) listenFailed(err error) error {
	err = fmt.Errorf("webhook listener: %w", err)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.listener == nil {
		e.listen = ListenState{Err: err}
	}
	return err
}

// ListenStatus returns the listener's address, or the error that kept it from starting.
func (e *Engine) ListenStatus() (addr string, err error) {
	st := e.ListenInfo()
	return st.Addr, st.Err
}

// ListenInfo describes the HTTP listener: its address and URL, whether it
// serves TLS, or why it did not start.
func (e *Engine) ListenInfo() ListenState {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.listen
}

// openConns counts the connections the listener holds (tests).
func (e *Engine) openConns() int {
	e.mu.Lock()
	l := e.conns
	e.mu.Unlock()
	if l == nil {
		return 0
	}
	return l.open()
}
