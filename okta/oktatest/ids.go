package oktatest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// base62 in ASCII order, so that ids built from a counter sort like the counter.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// idStart makes generated ids look like recorded ones (00uck…); a random
// offset below idSpread varies the characters after it per org.
const (
	idStart  = 38*62*62*62*62*62*62 + 46*62*62*62*62*62
	idSpread = 62 * 62 * 62 * 62 * 62
)

// ids generates Okta-looking identifiers. Object ids are a 3-character kind
// prefix (00u user, 00g group) and 17 characters: a 7-character base62
// counter, 7 random characters and a 3-character suffix fixed per org (real
// ids end the same way, e.g. "…0x7"). The counter makes ids unique and
// ordered by creation, which is what the `after` cursor relies on. All
// randomness comes from one generator seeded by Options.Seed.
type ids struct {
	rng    *rand.Rand
	seq    uint64 // next counter value
	suffix string
}

func newIDs(seed int64) *ids {
	g := &ids{rng: rand.New(rand.NewPCG(uint64(seed), 0x6f6b7461))}
	g.seq = idStart + g.rng.Uint64N(idSpread)
	g.suffix = string(base62[g.rng.IntN(10)]) + string(base62[36+g.rng.IntN(26)]) + string(base62[g.rng.IntN(10)])
	return g
}

// object returns a new id of the given kind ("00u", "00g").
func (g *ids) object(kind string) string {
	n := g.seq
	g.seq++
	var counter [7]byte
	for i := len(counter) - 1; i >= 0; i-- {
		counter[i] = base62[n%62]
		n /= 62
	}
	return kind + string(counter[:]) + g.random(7) + g.suffix
}

// fixed returns an id of a singleton of the org (oty, osc, guo, 00T, ...):
// kind plus 17 random characters.
func (g *ids) fixed(kind string) string { return kind + g.random(14) + g.suffix }

// random returns n random base62 characters.
func (g *ids) random(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(base62[g.rng.IntN(62)])
	}
	return b.String()
}

// errorID is the errorId of an error body: "oae" and 22 characters.
func (g *ids) errorID() string { return "oae" + g.random(22) }

// requestID is an X-Okta-Request-Id: 32 hex digits, as current orgs send.
func (g *ids) requestID() string {
	return fmt.Sprintf("%016x%016x", g.rng.Uint64(), g.rng.Uint64())
}

// uuid is a version 4 UUID for System Log events.
func (g *ids) uuid() string {
	a, b := g.rng.Uint64(), g.rng.Uint64()
	a = a&^0xf000 | 0x4000     // version 4
	b = b&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, a>>16&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// token is an opaque one-time token (activation, password reset).
func (g *ids) token() string { return g.random(20) }
