package action

import (
	"os"
	"testing"
	"time"
)

// TestMain shortens the search-settle pauses: tests of a user or group that
// is really missing need not wait for an index that does not lag. The tests
// of the lag itself set their own.
func TestMain(m *testing.M) {
	searchSettle = []time.Duration{time.Millisecond}
	os.Exit(m.Run())
}
