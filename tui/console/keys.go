package console

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/oktaflow/oktaflow/engine"
)

// authorizedKey is one line of a keys file.
type authorizedKey struct {
	key     ssh.PublicKey
	comment string
	opts    keyOptions
	line    int
}

// keyring holds the admin and viewer keys and reloads them when their
// files change.
//
// Invariant (fail closed): a reload never leaves in force a key that its
// file no longer lists. A file that parses is taken as written; a file that
// is gone revokes all its keys; a file with a bad line keeps only the keys
// that were loaded before and are still on a good line, so a broken edit
// can revoke keys but never grant one.
type keyring struct {
	adminPath, viewerPath string
	now                   func() time.Time

	mu     sync.RWMutex
	admin  []authorizedKey
	viewer []authorizedKey
	stamps map[string]fileStamp
}

// fileStamp tells whether a file changed since it was read.
type fileStamp struct {
	mod  time.Time
	size int64
}

func newKeyring(adminPath, viewerPath string, now func() time.Time) (*keyring, error) {
	k := &keyring{adminPath: adminPath, viewerPath: viewerPath, now: now, stamps: map[string]fileStamp{}}
	return k, k.reload()
}

// reload re-reads both files (see the type's invariant). The error names
// each file and line that did not parse.
func (k *keyring) reload() error {
	admin, aerr := readKeys(k.adminPath)
	viewer, verr := readKeys(k.viewerPath)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.admin = nextKeys(k.admin, admin, aerr)
	k.viewer = nextKeys(k.viewer, viewer, verr)
	for _, p := range []string{k.adminPath, k.viewerPath} {
		if fi, err := os.Stat(p); err == nil {
			k.stamps[p] = fileStamp{fi.ModTime(), fi.Size()}
		} else {
			delete(k.stamps, p)
		}
	}
	return errors.Join(aerr, verr)
}

// nextKeys is what a file's keys become after a reload.
func nextKeys(before, parsed []authorizedKey, err error) []authorizedKey {
	if err == nil {
		return parsed
	}
	var kept []authorizedKey
	for _, p := range parsed {
		for _, b := range before {
			if ssh.KeysEqual(b.key, p.key) {
				kept = append(kept, p)
				break
			}
		}
	}
	return kept
}

// changed reports whether a keys file changed since the last reload.
func (k *keyring) changed() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, p := range []string{k.adminPath, k.viewerPath} {
		if p == "" {
			continue
		}
		fi, err := os.Stat(p)
		was, had := k.stamps[p]
		if err != nil {
			// A removed file revokes its keys: report it as a change.
			if had {
				return true
			}
			continue
		}
		if !had || !fi.ModTime().Equal(was.mod) || fi.Size() != was.size {
			return true
		}
	}
	return false
}

// find looks a key up: admin keys win over viewer keys; an expired key is
// not found.
func (k *keyring) find(key ssh.PublicKey) (engine.Role, authorizedKey, bool) {
	if key == nil {
		return engine.RoleNone, authorizedKey{}, false
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	now := k.now()
	for _, set := range []struct {
		role engine.Role
		keys []authorizedKey
	}{{engine.RoleAdmin, k.admin}, {engine.RoleViewer, k.viewer}} {
		for _, a := range set.keys {
			if ssh.KeysEqual(a.key, key) && !a.opts.expired(now) {
				return set.role, a, true
			}
		}
	}
	return engine.RoleNone, authorizedKey{}, false
}

// role is a key's role now (RoleNone when it is not, or no longer, allowed).
func (k *keyring) role(key ssh.PublicKey) engine.Role {
	r, _, _ := k.find(key)
	return r
}

// counts returns how many admin and viewer keys are loaded.
func (k *keyring) counts() (int, int) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.admin), len(k.viewer)
}

// readKeys parses an authorized_keys file ("" reads nothing). It returns
// every line that parses, and an error naming each that does not.
func readKeys(path string) ([]authorizedKey, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("keys file %s does not exist: %w", path, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	var out []authorizedKey
	var bad []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, comment, options, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			bad = append(bad, fmt.Errorf("%s line %d is not an authorized_keys line (%v); copy it from a .pub file", path, n, err))
			continue
		}
		opts, err := parseKeyOptions(options)
		if err != nil {
			bad = append(bad, fmt.Errorf("%s line %d is refused: %v", path, n, err))
			continue
		}
		out = append(out, authorizedKey{key: key, comment: comment, opts: opts, line: n})
	}
	if err := sc.Err(); err != nil {
		bad = append(bad, fmt.Errorf("%s: %w", path, err))
	}
	return out, errors.Join(bad...)
}

// Fingerprint is a key's SHA256 fingerprint, as ssh-keygen -l prints it.
func Fingerprint(key ssh.PublicKey) string {
	if key == nil {
		return ""
	}
	return gossh.FingerprintSHA256(key)
}
