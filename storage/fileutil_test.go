package storage

import (
	"os"

	bolt "go.etcd.io/bbolt"
)

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFile(dst, data)
}

// rawUpdate writes to the file behind the store's back (to plant damage or
// an old layout), then drops the caches as a change through the store would.
func rawUpdate(s *Store, fn func(tx *bolt.Tx) error) error {
	err := s.db.Update(fn)
	s.integrations.invalidate()
	s.accounts.invalidate()
	return err
}
