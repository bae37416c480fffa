package kissflow

import (
	"context"
	"sync"
	"time"
)

// Kissflow allows 400 calls a minute per account, its own UI's included.
// oktaflow takes a documented share of it, so that people working in
// Kissflow while oktaflow polls and writes back never hit the limit.
const (
	AccountLimitPerMinute = 400
	// DefaultSharePerMinute is oktaflow's share: three quarters.
	DefaultSharePerMinute = 300
	// DefaultBurst calls may go at once after a quiet spell; with it, any
	// 60 s window holds at most share + burst = 320 calls, below 400.
	DefaultBurst = 20
)

// Pacer spaces the calls to one Kissflow account: a token bucket of Burst
// calls refilled at the share per minute, shared by every client of the
// account. After a 429 it holds every call until the time the answer's
// Retry-After named.
type Pacer struct {
	mu       sync.Mutex
	perSec   float64
	burst    float64
	tokens   float64
	last     time.Time
	holdTill time.Time
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
	stats    PacerStats
	recent   []time.Time // call times within the last minute
}

// PacerStats counts what a pacer let through and held back.
type PacerStats struct {
	Calls       int64         // calls let through since the pacer was made
	LastMinute  int           // of them, in the last 60 s
	Throttled   int64         // 429 answers
	Waited      time.Duration // time calls spent waiting for their turn
	HeldUntil   time.Time     // after a 429: when calls go again (zero: not held)
	SharePerMin int
}

// NewPacer returns a pacer allowing perMinute calls a minute with bursts
// of burst calls (defaults when 0).
func NewPacer(perMinute, burst int) *Pacer {
	if perMinute <= 0 {
		perMinute = DefaultSharePerMinute
	}
	if burst <= 0 {
		burst = DefaultBurst
	}
	return &Pacer{
		perSec: float64(perMinute) / 60, burst: float64(burst), tokens: float64(burst),
		now: time.Now, sleep: sleepCtx, stats: PacerStats{SharePerMin: perMinute},
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Wait blocks until a call may go (or ctx ends), and takes its turn.
func (p *Pacer) Wait(ctx context.Context) error {
	var waited time.Duration
	for {
		p.mu.Lock()
		now := p.now()
		if p.last.IsZero() {
			p.last = now
		}
		p.tokens = min(p.burst, p.tokens+now.Sub(p.last).Seconds()*p.perSec)
		p.last = now
		var d time.Duration
		switch {
		case now.Before(p.holdTill):
			d = p.holdTill.Sub(now)
		case p.tokens >= 1:
			p.tokens--
			p.stats.Calls++
			p.stats.Waited += waited
			p.recent = append(trimBefore(p.recent, now.Add(-time.Minute)), now)
			p.mu.Unlock()
			return nil
		default:
			d = time.Duration((1 - p.tokens) / p.perSec * float64(time.Second))
		}
		p.mu.Unlock()
		if err := p.sleep(ctx, d); err != nil {
			return err
		}
		waited += d
	}
}

// Throttled records a 429: no call goes before now+retryAfter (at least a
// second), and the bucket starts empty then.
func (p *Pacer) Throttled(retryAfter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	until := now.Add(max(retryAfter, time.Second))
	if until.After(p.holdTill) {
		p.holdTill = until
	}
	p.tokens = 0
	p.stats.Throttled++
}

// Stats returns the pacer's counters.
func (p *Pacer) Stats() PacerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.recent = trimBefore(p.recent, now.Add(-time.Minute))
	s := p.stats
	s.LastMinute = len(p.recent)
	if now.Before(p.holdTill) {
		s.HeldUntil = p.holdTill
	}
	return s
}

func trimBefore(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cut) {
		i++
	}
	return append(ts[:0], ts[i:]...)
}
