package okta

import (
	"context"
	"time"
)

// clock is the local time source. The real one is time itself; tests inject a fake one so
// that pacing decisions can be checked without sleeping.
type clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx is done (then it returns ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxDrift bounds how fast the local and the server clock may drift apart (200 ppm is far
// beyond a healthy quartz or NTP-disciplined clock). The offset bounds widen by it as they age.
const maxDrift = 200e-6

// serverClock estimates offset = server time − local time from the Date header.
//
// Date has whole-second resolution: it is the server time truncated to the second, taken at
// some instant between our send and our receive. So every response bounds the offset:
//
//	Date − recvLocal ≤ offset < Date + 1s − sendLocal
//
// Intersecting these intervals over many responses narrows the estimate to about a round
// trip, although each Date alone is only good to a second. Invariants: lo ≤ hi whenever ok;
// an observation that does not intersect the current interval (a clock step, a server with
// another clock) replaces it; the bounds widen by maxDrift with the time since the last
// observation. lo is the safe bound for waiting until a server instant (by local time
// X − lo the server's clock has surely reached X); the midpoint is the point estimate.
type serverClock struct {
	lo, hi time.Duration
	at     time.Time // local time of the last observation
	ok     bool
}

// observe folds in one response's Date, sent at sent and received at recv (local times).
func (c *serverClock) observe(date, sent, recv time.Time) {
	lo := date.Sub(recv)
	hi := date.Add(time.Second).Sub(sent)
	if lo > hi {
		return // recv before sent: a broken clock reading, not information
	}
	if c.ok {
		clo, chi := c.bounds(recv)
		if nlo, nhi := max(clo, lo), min(chi, hi); nlo <= nhi {
			lo, hi = nlo, nhi
		}
	}
	c.lo, c.hi, c.at, c.ok = lo, hi, recv, true
}

// bounds returns the offset interval as of local time now.
func (c *serverClock) bounds(now time.Time) (lo, hi time.Duration) {
	if !c.ok {
		// Never saw a Date: assume the clocks agree within a second either way.
		return -time.Second, time.Second
	}
	w := time.Duration(float64(max(now.Sub(c.at), 0)) * maxDrift)
	return c.lo - w, c.hi + w
}

// localAtLeast returns the earliest local time at which the server's clock is surely at or
// past the server instant t: t − lo, where lo is the lower offset bound as it will have
// widened by then. Solving wake = t − (lo − maxDrift·(wake − at)) gives the closed form below;
// it does not depend on when it is asked, so a caller who sleeps until the answer finds the
// same answer on waking.
func (c *serverClock) localAtLeast(t time.Time) time.Time {
	if !c.ok {
		lo, _ := c.bounds(t)
		return t.Add(-lo)
	}
	d0 := t.Add(-c.lo).Sub(c.at)
	if d0 <= 0 {
		return c.at.Add(d0)
	}
	return c.at.Add(time.Duration(float64(d0) / (1 - maxDrift)))
}

// toLocal converts a server instant to the local clock with the midpoint estimate (display;
// drift widens both bounds alike, so the midpoint does not move with time).
func (c *serverClock) toLocal(t time.Time) time.Time {
	lo, hi := c.bounds(c.at)
	return t.Add(-(lo + (hi-lo)/2))
}
