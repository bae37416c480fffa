package engine

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// BenchmarkIdlePolling runs the real binary's serve with 1,000 integrations
// ON, each an http_poll trigger on the default 30 s interval against a
// local API that answers no new items, and reports serve's CPU over a
// window after the start-up polls: % of one core (user + system time from
// /proc/<pid>/stat), polls/s, and CPU per poll. Steady polling that finds nothing must cost next to nothing
// (issue 12: < 5 % of a core for 1,000 integrations).
func BenchmarkIdlePolling(b *testing.B) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("needs Linux /proc/<pid>/stat to read the process's CPU time")
	}
	const integrations = 1000
	window := 10 * time.Second
	if benchFull() {
		window = 60 * time.Second
	}
	var polls atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		polls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[]}`)
	}))
	defer api.Close()
	sim := oktatest.NewServer(oktatest.Options{})
	defer sim.Close()
	docs := make([]string, integrations)
	for i := range docs {
		docs[i] = fmt.Sprintf(`{"name": "Poll %d", "trigger": {"type": "http_poll", "config": {"url": %q, "items_path": "items", "id_field": "id"}},
		  "steps": [{"id": "find", "action": "okta.get_user", "account": "sandbox", "fields": {"id": "{{ trigger.id }}"}}]}`, i, api.URL+"/items/"+strconv.Itoa(i))
	}
	for range b.N {
		p := startServeWith(b, sim, serveSetup{docs: docs, allowPrivate: true})
		// Each trigger's first poll (its baseline) runs at start; then they
		// keep their staggered slots.
		for deadline := time.Now().Add(time.Minute); polls.Load() < integrations; {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d baseline polls in a minute", polls.Load(), integrations)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(2 * time.Second) // the baselines' commits settle
		pid := p.cmd.Process.Pid
		store0 := p.storeCounters()
		cpu0, polls0, t0 := cpuTime(b, pid), polls.Load(), time.Now()
		time.Sleep(window)
		cpu1, polls1, t1 := cpuTime(b, pid), polls.Load(), time.Now()
		store1 := p.storeCounters()
		elapsed := t1.Sub(t0)
		n := polls1 - polls0
		b.ReportMetric(100*float64(cpu1-cpu0)/float64(elapsed), "cpu-%-of-a-core")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "polls/s")
		b.ReportMetric((store1.commits-store0.commits)/elapsed.Seconds(), "commits/s")
		if n > 0 {
			b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(n), "cpu-us/poll")
		}
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
}

// clockTick is the unit of /proc/<pid>/stat's times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTime is the user and system time process pid (all its threads, those
// gone included) has spent on a CPU so far, from /proc/<pid>/stat.
func cpuTime(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after its closing one. utime and stime are fields 14, 15.
	rest := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, err1 := strconv.ParseInt(rest[11], 10, 64)
	stime, err2 := strconv.ParseInt(rest[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	return time.Duration(utime+stime) * clockTick
}
