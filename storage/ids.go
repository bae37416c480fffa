package storage

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// newID returns prefix + 12 random characters from an alphabet without
// look-alikes (no l, o, 0, 1): "int_k3m9x2qpa7de". Random rather than sequential
// so that ids exported from one database never collide in another.
func newID(prefix string) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic("storage: crypto/rand failed: " + err.Error())
	}
	return prefix + strings.ToLower(idEncoding.EncodeToString(b))[:12]
}
