package engine

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/oktaflow/oktaflow/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the engine's Prometheus metrics, on a registry of its own (no
// globals: tests and several engines in one process stay apart).
type metrics struct {
	reg             *prometheus.Registry
	eventsAccepted  prometheus.Counter
	eventsDuplicate prometheus.Counter
	runTransitions  *prometheus.CounterVec
	rateLimitWaits  prometheus.Counter
	oktaRequests    *prometheus.CounterVec
	accountLimit    *prometheus.GaugeVec
	// triggers, by integration id
	polls              *prometheus.CounterVec // and result: ok | error
	pollFailures       *prometheus.CounterVec // and reason (failureReason)
	triggerProblems    *prometheus.CounterVec
	storeWriteFailures *prometheus.CounterVec // by op
	poisonRuns         prometheus.Counter
	hookAnswers        *prometheus.CounterVec // by status
	// listener
	connsDropped      *prometheus.CounterVec
	tlsReloadFailures prometheus.Counter
	collectorsOnce    sync.Once
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		eventsAccepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oktaflow_events_accepted_total", Help: "Trigger events that became runs."}),
		eventsDuplicate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oktaflow_events_duplicate_total", Help: "Trigger events dropped as already seen."}),
		runTransitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktaflow_run_transitions_total", Help: "Runs entering each state."}, []string{"state"}),
		rateLimitWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oktaflow_okta_rate_limit_waits_total", Help: "Times Okta requests waited for a rate-limit reset."}),
		oktaRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktaflow_okta_requests_total", Help: "Requests to Okta by HTTP status (\"error\": no answer)."}, []string{"status"}),
		accountLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "oktaflow_account_runs_in_flight_limit", Help: "Runs allowed in flight per Okta account, sized from its rate limit and round trip."}, []string{"account"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktaflow_trigger_polls_total", Help: "Trigger polls by integration and result (ok, error)."}, []string{"integration", "result"}),
		pollFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktaflow_trigger_poll_failures_total",
			Help: "Failed trigger polls by integration and reason (refused, timeout, dns, network, auth, rate_limited, server_error, client_error, file_not_found, permission_denied, other)."},
			[]string{"integration", "reason"}),
		triggerProblems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktaflow_trigger_problems_total",
			Help: "Items a trigger poll had to skip or wait for, by integration and reason (bad_row, long_row, bad_encoding, bad_header, unreadable, rewritten, file_not_found, skipped_item, limit); a standing one (a file skipped until it changes) counts once."},
			[]string{"integration", "reason"}),
		storeWriteFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktaflow_store_write_failures_total", Help: "Run writes the database refused (a full disk, say), retried in process, by operation."}, []string{"op"}),
		poisonRuns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oktaflow_runs_poisoned_total", Help: "Runs failed at start-up because crashes cut them off on the same step again and again."}),
		hookAnswers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktaflow_webhook_answers_total", Help: "Webhook requests answered, by HTTP status (202 accepted; 4xx refused, with the reason in the answer)."}, []string{"status"}),
		connsDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktaflow_http_connections_dropped_total",
			Help: "Listener connections closed to stay within the connection cap (\"evicted\": an idle or silent connection made room; \"busy\": every connection was serving a request)."},
			[]string{"reason"}),
		tlsReloadFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oktaflow_tls_reload_failures_total", Help: "Renewed TLS certificate files that did not load (the previous pair stays in use)."}),
	}
	m.reg.MustRegister(m.eventsAccepted, m.eventsDuplicate, m.runTransitions, m.rateLimitWaits, m.oktaRequests, m.accountLimit,
		m.polls, m.pollFailures, m.triggerProblems, m.storeWriteFailures, m.poisonRuns, m.hookAnswers, m.connsDropped, m.tlsReloadFailures)
	return m
}

func (m *metrics) runChanged(r storage.Run) { m.runTransitions.WithLabelValues(string(r.State)).Inc() }

// forgetTrigger drops the series of an integration that no longer polls.
func (m *metrics) forgetTrigger(id string) {
	l := prometheus.Labels{"integration": id}
	m.polls.DeletePartialMatch(l)
	m.pollFailures.DeletePartialMatch(l)
	m.triggerProblems.DeletePartialMatch(l)
}

// healthCollector reports each running poller's state from the health book.
type healthCollector struct {
	e                 *Engine
	failing, failures *prometheus.Desc
}

func (c healthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.failing; ch <- c.failures }

func (c healthCollector) Collect(ch chan<- prometheus.Metric) {
	for id, h := range c.e.TriggerHealths() {
		failing := 0.0
		if h.State == TriggerFailing {
			failing = 1
		}
		ch <- prometheus.MustNewConstMetric(c.failing, prometheus.GaugeValue, failing, id)
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.GaugeValue, float64(h.Failures), id)
	}
}

// runsCollector reports the runs in each state from the store's counters.
type runsCollector struct {
	e    *Engine
	desc *prometheus.Desc
}

func (c runsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c runsCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.e.store.RunCounts()
	if err != nil {
		return
	}
	for _, st := range storage.RunStates {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}

// oktaCollector reports Okta requests by account and status, and each
// bucket's remaining budget.
type oktaCollector struct {
	e         *Engine
	remaining *prometheus.Desc
}

func (c oktaCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.remaining }

func (c oktaCollector) Collect(ch chan<- prometheus.Metric) {
	for account, buckets := range c.e.RateLimits() {
		for _, b := range buckets {
			ch <- prometheus.MustNewConstMetric(c.remaining, prometheus.GaugeValue, float64(b.Remaining), account, b.Bucket)
		}
	}
}

func (m *metrics) handler(e *Engine) http.Handler {
	m.collectorsOnce.Do(func() {
		m.reg.MustRegister(
			runsCollector{e: e, desc: prometheus.NewDesc("oktaflow_runs", "Runs by state.", []string{"state"}, nil)},
			oktaCollector{e: e, remaining: prometheus.NewDesc("oktaflow_okta_rate_limit_remaining",
				"Requests left in the current rate-limit window, by account and bucket.", []string{"account", "bucket"}, nil)},
			healthCollector{e: e,
				failing:  prometheus.NewDesc("oktaflow_trigger_failing", "1 while an integration's trigger cannot poll.", []string{"integration"}, nil),
				failures: prometheus.NewDesc("oktaflow_trigger_consecutive_failures", "Failed polls in a row, by integration.", []string{"integration"}, nil)},
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "oktaflow_store_commits_total",
				Help: "Database transactions committed (each one fsync); oktaflow_store_writes_total ÷ this is how many writes shared one (group commit)."},
				func() float64 { return float64(e.store.WriteStats().Commits) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "oktaflow_store_writes_total",
				Help: "Writes to the database (an accepted webhook request, a run's start or end, ...), committed in groups."},
				func() float64 { return float64(e.store.WriteStats().Requests) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "oktaflow_store_dedupe_journal_keys",
				Help: "New dedupe keys waiting in the journal to be merged into their trees (merged in rounds of 4,096; it grows only while merges fail)."},
				func() float64 { return float64(e.store.WriteStats().RecentKeys) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "oktaflow_store_dedupe_merge_failures_total",
				Help: "Merges of journaled dedupe keys into their trees that failed (the keys stay journaled; /healthz says why)."},
				func() float64 { return float64(e.store.WriteStats().MergeFailures) }),
		)
	})
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// countingTransport counts Okta answers by status for the metrics.
type countingTransport struct {
	next    http.RoundTripper
	counter *prometheus.CounterVec
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		t.counter.WithLabelValues("error").Inc()
		return nil, err
	}
	t.counter.WithLabelValues(strconv.Itoa(resp.StatusCode)).Inc()
	return resp, nil
}
