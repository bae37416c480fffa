package storage

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Options tune Open. The zero value is what oktaflow uses.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// file before it gives up with ErrLocked; 0 means 1.5 s.
	LockTimeout time.Duration
	// Getenv reads the environment (for SecretKeyEnv); nil means os.Getenv.
	Getenv func(string) string
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// DedupeRetention is how long a dedupe key that no event carried since
	// is kept; 0 means DefaultDedupeRetention.
	DedupeRetention time.Duration
}

// Store is the open database. It is safe for concurrent use.
type Store struct {
	db     *bolt.DB
	path   string
	sealer *sealer
	now    func() time.Time

	dedupeRetention time.Duration

	bad     problems                     // records listings skipped
	damaged atomic.Pointer[CorruptError] // latched by a memory fault (see guard)

	w *writer // the one writer: group commit

	integrations snapshotCache[integrationSnap] // see cache.go
	accounts     snapshotCache[accountSnap]
	heads        heads // decoded integration heads (integrations.go)
	closeOnce    sync.Once

	recent recentKeys  // dedupe keys not yet in their trees (dedupe_recent.go)
	health healthState // trigger health (see health.go)
	quar   quarantine  // the runs the last crash cut off (see quarantine.go)
}

// update runs fn in a read-write transaction through the group-commit
// writer (see writer.go): fn may run more than once and must set its
// outputs afresh each time. It returns once the change is synced.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	return s.w.do(fn, 1, 0)
}

// updateSized is update for a request that writes about events records
// and bytes of payload, so that a group stays within one transaction's bounds.
func (s *Store) updateSized(events, bytes int, fn func(tx *bolt.Tx) error) error {
	return s.w.do(fn, events, bytes)
}

// updateNow runs fn in its own guarded transaction, outside the writer:
// for Open, before the writer starts.
func (s *Store) updateNow(fn func(tx *bolt.Tx) error) error {
	return s.guard(func() error { return s.db.Update(fn) })
}

// view runs fn in a read-only transaction, guarded (see guard).
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	return s.guard(func() error { return s.db.View(fn) })
}

// DefaultPath is where the database lives when --db and OKTAFLOW_DB are
// unset: $XDG_DATA_HOME/oktaflow/oktaflow.db, or ~/.local/share/... .
func DefaultPath() (string, error) {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find a place for the database: %w (set XDG_DATA_HOME or pass --db)", err)
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "oktaflow", "oktaflow.db"), nil
}

// Open opens (creating when absent) the database at path, loads the secret
// key, and migrates the schema to the current version.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 1500 * time.Millisecond
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the database folder: %w", err)
	}
	_, statErr := os.Stat(KeyPath(path))
	keyFileWasThere := statErr == nil
	if err := preflight(path, keyFileWasThere); err != nil {
		return nil, err
	}
	var db *bolt.DB
	err := (&Store{path: path}).guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout})
		return err
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, &lockedError{path: path}
	}
	if errors.Is(err, ErrCorrupt) {
		return nil, err
	}
	if err != nil {
		return nil, openError(path, err)
	}
	key, err := loadKey(path, opts.Getenv)
	if err != nil {
		db.Close()
		return nil, err
	}
	seal, err := newSealer(key)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, path: path, sealer: seal, now: opts.Now, dedupeRetention: cmp.Or(opts.DedupeRetention, DefaultDedupeRetention)}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.checkKey(); err != nil {
		db.Close()
		if !keyFileWasThere && strings.TrimSpace(opts.Getenv(SecretKeyEnv)) == "" {
			os.Remove(KeyPath(path)) // the key made just now is not the file's: do not leave it behind
		}
		return nil, err
	}
	if err := s.loadRecent(); err != nil {
		db.Close()
		return nil, err
	}
	s.w = newWriter(db, s.guard, writerHooks{begin: s.recent.begin, chore: s.mergeIfDue})
	if err := s.resumeDeletes(); err != nil { // a delete a crash cut off
		s.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close releases the file. Writes already queued are committed first;
// later ones fail with ErrClosed. Close does not wait forever for a write
// that never returns: after a while it gives up with ErrWriterStuck (see
// writer.go), and the file is released when that write returns, or with
// the process.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.w.close(s.closeDB) })
	return err
}

// closeDB closes bbolt, unless a fault latched the store: bbolt's Close
// would then wait for good on the lock the fault left. The file is left as
// it is (bbolt never overwrites a committed page); the process exiting
// releases it.
func (s *Store) closeDB() error {
	if d := s.damaged.Load(); d != nil {
		return fmt.Errorf("%w; it was not closed cleanly", d)
	}
	return s.db.Close()
}

// lockedError says who holds the file and what to do; it matches ErrLocked.
type lockedError struct{ path string }

func (e *lockedError) Error() string {
	return "oktaflow is already running on " + e.path + " (serve or TUI); stop it, or use the SSH console"
}

func (e *lockedError) Is(target error) bool { return target == ErrLocked }

var keyKeyCheck = []byte("key_check")

const keyCheckValue = "oktaflow secret key check"

// checkKey makes sure the secret key is the one the file was written with:
// a sealed check value is stored on first use and must open at every later
// start. Without it, a mistyped OKTAFLOW_SECRET_KEY or a lost key file would
// only show up later as secrets that fail to open.
func (s *Store) checkKey() error {
	return s.updateNow(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if sealed := meta.Get(keyKeyCheck); sealed != nil {
			v, err := s.sealer.open(string(sealed), "meta/key_check")
			if err != nil || v != keyCheckValue {
				return fmt.Errorf("%w: the database %s was written with another secret key; set %s to the key it was written with, or put back its key file %s",
					ErrSecretKey, s.path, SecretKeyEnv, KeyPath(s.path))
			}
			return nil
		}
		// No check value yet (a new file, or one from before checks): the
		// key must open a secret the file already holds before it is
		// taken as the file's key.
		if err := s.opensExistingSecret(tx); err != nil {
			return err
		}
		sealed, err := s.sealer.seal(keyCheckValue, "meta/key_check")
		if err != nil {
			return err
		}
		return meta.Put(keyKeyCheck, []byte(sealed))
	})
}

// opensExistingSecret tries the key on one sealed value the file holds (an
// account token, else an integration's trigger or step secret); a file
// with none passes.
func (s *Store) opensExistingSecret(tx *bolt.Tx) error {
	wrongKey := fmt.Errorf("%w: the secrets in %s do not open with this key; set %s to the key they were written with, or put back its key file %s",
		ErrSecretKey, s.path, SecretKeyEnv, KeyPath(s.path))
	c := tx.Bucket(bucketAccounts).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var rec accountRecord
		if json.Unmarshal(v, &rec) != nil {
			continue
		}
		var a Account
		for _, f := range rec.sealedFields(string(k), &a) {
			if *f.sealed == "" {
				continue
			}
			if _, err := s.sealer.open(*f.sealed, f.binding); err != nil {
				return wrongKey
			}
			return nil
		}
	}
	c = tx.Bucket(bucketIntegrations).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var rec integrationRecord
		if json.Unmarshal(v, &rec) != nil {
			continue
		}
		for name, sealed := range rec.SealedSecrets {
			if _, err := s.sealer.open(sealed, secretBinding(string(k), name)); err != nil {
				return wrongKey
			}
			return nil
		}
		for stepID, secrets := range rec.SealedStepSecrets {
			for name, sealed := range secrets {
				if _, err := s.sealer.open(sealed, stepSecretBinding(string(k), stepID, name)); err != nil {
					return wrongKey
				}
				return nil
			}
		}
	}
	return nil
}
