package engine

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// guardBodies bounds how long a request body may hold a connection.
//
// A body the handler does not read (a 401, a 404, /healthz) would
// otherwise hold the connection after the answer: net/http drains up to
// 256 KiB of it to reuse the connection, waiting for bytes a hostile client
// declared and never sends, until the read timeout, while the connection
// counts as busy for the cap and for Shutdown. So when the handler starts
// its answer without having read the body to its end, the answer says
// Connection: close and the connection's read deadline is set to now: the
// unread body holds the connection for no time at all.
//
// A body the handler does read is bounded by the read timeout, and while
// the handler waits in a read the connection counts as waiting on its
// client (see connLimiter), so at the cap it is pushed out like an idle one
// and it does not hold Shutdown.
func guardBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		tc, _ := r.Context().Value(trackedConnKey{}).(*trackedConn)
		body := &guardedBody{ReadCloser: r.Body, conn: tc}
		r.Body = body
		gw := &guardedWriter{ResponseWriter: w, body: body}
		next.ServeHTTP(gw, r)
		if !gw.wroteHeader {
			gw.WriteHeader(http.StatusOK) // as the server would, but through the guard
		}
	})
}

type trackedConnKey struct{}

// connContext is the server's ConnContext hook: it lets a request find
// the tracked connection it came on.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if u, ok := c.(interface{ NetConn() net.Conn }); ok { // a *tls.Conn over ours
		c = u.NetConn()
	}
	if tc, ok := c.(*trackedConn); ok {
		ctx = context.WithValue(ctx, trackedConnKey{}, tc)
	}
	return ctx
}

// guardedBody records whether the body was read to its end, and marks the
// connection as waiting on its client while a read blocks.
type guardedBody struct {
	io.ReadCloser
	conn *trackedConn // nil when not served through a connLimiter
	eof  atomic.Bool
}

func (b *guardedBody) Read(p []byte) (int, error) {
	if b.conn != nil {
		b.conn.waitBody(true)
		defer b.conn.waitBody(false)
	}
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

// guardedWriter closes the connection behind an answer that leaves the
// body unread.
type guardedWriter struct {
	http.ResponseWriter
	body        *guardedBody
	wroteHeader bool
}

func (w *guardedWriter) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		w.wroteHeader = true
		if !w.body.eof.Load() {
			w.Header().Set("Connection", "close")
			// Like net/http, we take an answer's start as the end of the
			// handler's reading: nothing more of the body is wanted.
			http.NewResponseController(w.ResponseWriter).SetReadDeadline(time.Now())
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *guardedWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *guardedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
