package storage

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditEntry records one change: who made it, what, to what, and when.
type AuditEntry struct {
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	Who    string    `json:"who"`    // local user name, or "ssh:SHA256:… comment"
	Action string    `json:"action"` // e.g. integration.enable, account.add, run.retry
	Target string    `json:"target"` // id or name acted on
	Detail string    `json:"detail,omitempty"`
}

// AddAudit appends an entry; At defaults to now.
func (s *Store) AddAudit(e AuditEntry) (AuditEntry, error) {
	if e.At.IsZero() {
		e.At = s.now().UTC()
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		e.Seq = seq
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put(be64(seq), raw)
	})
	return e, err
}

// Audit returns up to limit entries older than before (0: the newest), newest first.
func (s *Store) Audit(before uint64, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 50
	}
	if before == 0 {
		before = math.MaxUint64
	}
	var out []AuditEntry
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := seekBefore(c, be64(before)); k != nil && len(out) < limit; k, v = c.Prev() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				s.skip(recordErr(bucketAudit, strconv.FormatUint(binary.BigEndian.Uint64(k), 10), err), nil)
				continue
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
