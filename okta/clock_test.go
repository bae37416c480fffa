package okta

import (
	"testing"
	"time"
)

func TestServerClockIntersection(t *testing.T) {
	// True offset: the server runs 3.25 s ahead. Round trips of 20 ms, the server answering
	// in the middle of each. Each Date alone bounds the offset to about a second; together
	// they narrow it to about a round trip.
	const offset = 3250 * time.Millisecond
	local := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var c serverClock
	for i := range 200 {
		sent := local.Add(time.Duration(i) * 97 * time.Millisecond)
		serverAt := sent.Add(10 * time.Millisecond).Add(offset)
		recv := sent.Add(20 * time.Millisecond)
		c.observe(serverAt.Truncate(time.Second), sent, recv)
		lo, hi := c.bounds(recv)
		if lo > offset || hi < offset {
			t.Fatalf("after %d observations the true offset %v is outside [%v, %v]", i+1, offset, lo, hi)
		}
	}
	lo, hi := c.bounds(c.at)
	if hi-lo > 30*time.Millisecond {
		t.Errorf("bounds [%v, %v] did not narrow to a round trip", lo, hi)
	}
	reset := time.Date(2026, 1, 1, 10, 0, 10, 0, time.UTC) // server time
	at := c.localAtLeast(reset)
	if at.Add(offset).Before(reset) {
		t.Errorf("localAtLeast(%v) = %v, when the server is still before the reset", reset, at)
	}
	if at.Add(offset).Sub(reset) > 30*time.Millisecond {
		t.Errorf("localAtLeast waits %v past the reset", at.Add(offset).Sub(reset))
	}
}

func TestServerClockStepAndDrift(t *testing.T) {
	local := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	var c serverClock
	if lo, hi := c.bounds(local); lo != -time.Second || hi != time.Second {
		t.Errorf("unknown clock bounds [%v, %v]", lo, hi)
	}
	c.observe(local, local, local.Add(10*time.Millisecond)) // offset in [-10ms, 1s]
	// The server clock steps 5 s ahead: disjoint from what we knew, so it replaces it.
	sent := local.Add(time.Second)
	c.observe(sent.Add(5*time.Second), sent, sent.Add(10*time.Millisecond))
	if lo, _ := c.bounds(c.at); lo < 4*time.Second {
		t.Errorf("a clock step was not taken: lo %v", lo)
	}
	// An hour later the bounds have widened by the drift allowance.
	lo1, hi1 := c.bounds(c.at)
	lo2, hi2 := c.bounds(c.at.Add(time.Hour))
	if want := time.Duration(float64(time.Hour) * maxDrift); lo1-lo2 != want || hi2-hi1 != want {
		t.Errorf("drift widening %v/%v; want %v", lo1-lo2, hi2-hi1, want)
	}
	// recv before sent is ignored.
	before := c
	c.observe(local, local.Add(2*time.Second), local)
	if c != before {
		t.Error("an impossible observation changed the estimate")
	}
}
