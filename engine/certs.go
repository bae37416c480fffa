package engine

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certReloader serves a certificate from a pair of PEM files and reads
// them again when either file's modification time changes, so that a
// renewal (certbot, cert-manager) takes effect without a restart. A pair
// that fails to load (written half-way, key and certificate not matching)
// keeps the last good one in use; it is tried again when a file changes.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger
	failed            func()

	mu      sync.Mutex
	cert    *tls.Certificate
	seen    [2]time.Time // modification times of the files last tried
	problem error        // why the last try failed (nil: the current pair loaded)
}

func newCertReloader(certFile, keyFile string, log *slog.Logger, failed func()) *certReloader {
	return &certReloader{certFile: certFile, keyFile: keyFile, log: log, failed: failed}
}

// load reads the pair now; at start-up its error stops the listener.
func (r *certReloader) load() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	mods, err := r.modTimes()
	if err != nil {
		return err
	}
	return r.loadLocked(mods)
}

func (r *certReloader) loadLocked(mods [2]time.Time) error {
	r.seen = mods
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		r.problem = fmt.Errorf("TLS certificate %s with key %s: %w", r.certFile, r.keyFile, err)
		return r.problem
	}
	r.cert, r.problem = &cert, nil
	return nil
}

func (r *certReloader) modTimes() ([2]time.Time, error) {
	var out [2]time.Time
	for i, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return out, fmt.Errorf("TLS: %w", err)
		}
		out[i] = fi.ModTime()
	}
	return out, nil
}

// get is tls.Config.GetCertificate: it reloads the pair if a file changed.
func (r *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if mods, err := r.modTimes(); err == nil && mods != r.seen {
		if err := r.loadLocked(mods); err != nil {
			r.failed()
			r.log.Error("renewed TLS certificate did not load; still serving the previous one", "err", err)
		} else {
			r.log.Info("TLS certificate reloaded", "cert", r.certFile)
		}
	}
	return r.cert, nil
}
