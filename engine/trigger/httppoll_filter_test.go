package trigger

import (
	"context"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// An http_poll filter runs in the templates' sandbox: one that would build
// far more than its budget, or take seconds on one item, is stopped on
// that item, which is reported (not silently dropped as "not matching"),
// and the poll goes on; an ordinary filter works as before, json.Number
// ids included.
func TestHTTPPollFilterRunsInTheSandbox(t *testing.T) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	big := strings.Repeat("ab", 8<<10) // 16 KiB
	var items []map[string]any
	for i := range 4 {
		items = append(items, map[string]any{"id": float64(i), "s": big, "n": float64(i)})
	}
	api.set(items...)
	for _, filter := range []string{
		`len(repeat(item.s, 2000)) > 0`,                                 // 32 MiB per item, unchecked
		`item.s + item.s + item.s + item.s matches "(?:a?){500}a{500}"`, // seconds per item
	} {
		p, err := NewPoller(HTTPPoll, Config{Values: map[string]any{"url": srv.URL + "/x", "items_path": "data.items", "id_field": "id", "filter": filter}}, loopbackOK)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		var b Batch
		n := heapAllocated(func() { b, err = p.Poll(context.Background(), "", time.Now()) })
		if err != nil || len(b.Events) != 0 || len(b.Problems) != 1 || !strings.Contains(b.Problems[0].Msg, "filter") || !strings.Contains(b.Problems[0].Msg, "4 items") {
			t.Errorf("%s: %+v, %v; want each item stopped and reported once", filter, b, err)
		}
		if n > 32<<20 {
			t.Errorf("%s: the poll allocated %d MiB", filter, n>>20)
		}
	}
	p, err := NewPoller(HTTPPoll, Config{Values: map[string]any{"url": srv.URL + "/x", "items_path": "data.items", "id_field": "id", "filter": `item.n >= 2 && len(item.s) > 10`}}, loopbackOK)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Poll(context.Background(), "", time.Now())
	if err != nil || strings.Join(keys(b.Events), ",") != "http:2,http:3" || len(b.Problems) != 0 {
		t.Fatalf("ordinary filter: %v %q %v", keys(b.Events), problemTexts(b.Problems), err)
	}
}

func heapAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
