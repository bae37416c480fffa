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

	"github.com/oktaflow/oktaflow/tui"
)

// authorizedKey is one line of a keys file.
type authorizedKey struct {
	key     ssh.PublicKey
	comment string
}

// keyring holds the admin and viewer keys and reloads them when their
// files change.
type keyring struct {
	adminPath, viewerPath string

	mu     sync.RWMutex
	admin  []authorizedKey
	viewer []authorizedKey
	stamps map[string]time.Time
}

func newKeyring(adminPath, viewerPath string) (*keyring, error) {
	k := &keyring{adminPath: adminPath, viewerPath: viewerPath, stamps: map[string]time.Time{}}
	return k, k.reload()
}

// reload re-reads both files. A file that fails to parse keeps the keys
// that were loaded before, and the error says which line is wrong.
func (k *keyring) reload() error {
	admin, aerr := readKeys(k.adminPath)
	viewer, verr := readKeys(k.viewerPath)
	k.mu.Lock()
	defer k.mu.Unlock()
	// A file that was removed revokes every key it held; a file that does
	// not parse keeps the keys loaded before (the error names the line).
	switch {
	case aerr == nil:
		k.admin = admin
	case errors.Is(aerr, fs.ErrNotExist):
		k.admin = nil
	}
	switch {
	case verr == nil:
		k.viewer = viewer
	case errors.Is(verr, fs.ErrNotExist):
		k.viewer = nil
	}
	for _, p := range []string{k.adminPath, k.viewerPath} {
		if fi, err := os.Stat(p); err == nil {
			k.stamps[p] = fi.ModTime()
		} else {
			delete(k.stamps, p)
		}
	}
	return errors.Join(aerr, verr)
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
		if err != nil {
			// A removed file revokes its keys: report it as a change.
			return !k.stamps[p].IsZero()
		}
		if !fi.ModTime().Equal(k.stamps[p]) {
			return true
		}
	}
	return false
}

// role finds a key: admin keys win over viewer keys.
func (k *keyring) role(key ssh.PublicKey) (tui.Role, string, bool) {
	if key == nil {
		return 0, "", false
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, a := range k.admin {
		if ssh.KeysEqual(a.key, key) {
			return tui.Admin, a.comment, true
		}
	}
	for _, v := range k.viewer {
		if ssh.KeysEqual(v.key, key) {
			return tui.Viewer, v.comment, true
		}
	}
	return 0, "", false
}

// counts returns how many admin and viewer keys are loaded.
func (k *keyring) counts() (int, int) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.admin), len(k.viewer)
}

// readKeys parses an authorized_keys file ("" reads nothing).
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
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("%s line %d is not an authorized_keys line (%v); copy it from a .pub file", path, n, err)
		}
		out = append(out, authorizedKey{key: key, comment: comment})
	}
	return out, sc.Err()
}

// Fingerprint is a key's SHA256 fingerprint, as ssh-keygen -l prints it.
func Fingerprint(key ssh.PublicKey) string {
	if key == nil {
		return ""
	}
	return gossh.FingerprintSHA256(key)
}
