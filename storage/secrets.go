package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"
)

// SecretKeyEnv names the environment variable that may hold the base64
// encoding of the 32-byte key that seals secrets. Without it, the key lives
// in a 0600 file beside the database (see KeyPath).
const SecretKeyEnv = "OKTAFLOW_SECRET_KEY"

const (
	keySize      = 32
	sealedPrefix = "sealed:v1:"
)

// Secret is a value that must never be shown: an API token, a webhook secret,
// an access key. Its String and JSON forms are masked, so logging or encoding
// a record that holds one cannot leak it; Reveal is the one way to the value.
type Secret string

// Reveal returns the secret in clear, for the one place that needs it (an
// Authorization header, a constant-time compare).
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether no secret is set.
func (s Secret) IsZero() bool { return s == "" }

// maskDots is what Mask shows in place of a secret's hidden characters.
const maskDots = "••••••••"

// Mask shows that a secret is set and its last four characters when it is
// long enough (16 characters) for that to give nothing away: "••••••••wxyz".
// It counts characters, not bytes, so it never cuts one in half, and it is
// idempotent: a value already in the masked form (the dots and at most four
// characters, as a session's redacted record holds) is its own mask, so a
// record masked once and printed through String or JSON stays whole.
func (s Secret) Mask() string {
	if s == "" || isMasked(string(s)) {
		return string(s)
	}
	chars := []rune(string(s))
	if len(chars) < 16 {
		return maskDots
	}
	return maskDots + string(chars[len(chars)-4:])
}

// isMasked reports whether v has the form Mask returns.
func isMasked(v string) bool {
	tail, ok := strings.CutPrefix(v, maskDots)
	return ok && utf8.RuneCountInString(tail) <= 4
}

// String masks the secret.
func (s Secret) String() string { return s.Mask() }

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("storage.Secret(%q)", s.Mask()) }

// MarshalJSON masks the secret: an exported or printed record never carries it.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf("%q", s.Mask())), nil }

// sealer encrypts secrets with AES-256-GCM. The additional data binds each
// sealed value to the record and field it belongs to, so a sealed token
// copied into another record does not open.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("%w: the key must be %d bytes, got %d", ErrSecretKey, keySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSecretKey, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSecretKey, err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns "sealed:v1:<base64(nonce|ciphertext)>", or "" for an empty secret.
func (s *sealer) seal(plain Secret, binding string) (string, error) {
	if plain == "" {
		return "", nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal secret: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(binding))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

func (s *sealer) open(sealed, binding string) (Secret, error) {
	if sealed == "" {
		return "", nil
	}
	enc, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", fmt.Errorf("%w: a stored secret has an unknown format", ErrSecretKey)
	}
	raw, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", fmt.Errorf("%w: a stored secret is damaged", ErrSecretKey)
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(binding))
	if err != nil {
		return "", fmt.Errorf("%w: a stored secret does not open with this key (was %s or the key file changed?)", ErrSecretKey, SecretKeyEnv)
	}
	return Secret(plain), nil
}

// KeyPath is the key file used for dbPath when SecretKeyEnv is unset.
func KeyPath(dbPath string) string { return dbPath + ".key" }

// loadKey returns the sealing key: from SecretKeyEnv when set, else from the
// key file beside the database, which is created (0600, 32 random bytes,
// base64) on first use. A key file readable by others is refused.
func loadKey(dbPath string, getenv func(string) string) ([]byte, error) {
	if v := strings.TrimSpace(getenv(SecretKeyEnv)); v != "" {
		key, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(key) != keySize {
			return nil, fmt.Errorf("%w: %s must be the base64 encoding of %d random bytes (make one with: head -c 32 /dev/urandom | base64)", ErrSecretKey, SecretKeyEnv, keySize)
		}
		return key, nil
	}
	path := KeyPath(dbPath)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read key file: %v", ErrSecretKey, err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: key file %s is readable by other users (mode %v); run: chmod 600 %s", ErrSecretKey, path, info.Mode().Perm(), path)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != keySize {
		return nil, fmt.Errorf("%w: key file %s is damaged (want base64 of %d bytes)", ErrSecretKey, path, keySize)
	}
	return key, nil
}

func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("%w: generate key: %v", ErrSecretKey, err)
	}
	// O_EXCL: two processes racing to create the key must not both win.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadKey(path[:len(path)-len(".key")], func(string) string { return "" })
	}
	if err != nil {
		return nil, fmt.Errorf("%w: create key file: %v", ErrSecretKey, err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("%w: write key file: %v", ErrSecretKey, err)
	}
	return key, nil
}
