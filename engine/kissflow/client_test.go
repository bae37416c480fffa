package kissflow

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/engine/kissflow/kissflowtest"
)

// fakeClock is a clock that sleeping moves on, shared by a pacer and the
// simulator so that waits of a minute take no time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

var processFields = []kissflowtest.Field{
	{ID: "First_Name", Name: "First name", Type: "Text", Required: true},
	{ID: "Email", Name: "Email", Type: "Email", Required: true},
	{ID: "Okta_User_ID", Name: "Okta user id", Type: "Text"},
}

func newSim(t *testing.T, opts kissflowtest.Options) *kissflowtest.Server {
	t.Helper()
	opts.AccountID, opts.AccessKeyID, opts.AccessKeySecret = "AcAcme", "kid", "ksecret"
	s := kissflowtest.NewServer(opts)
	t.Cleanup(func() { s.Close() })
	s.Account.AddProcess("Onboarding", "Employee onboarding", processFields)
	return s
}

func simClient(t *testing.T, url string, opts ...Option) *Client {
	t.Helper()
	c, err := New(Config{Host: url, AllowHTTP: true, AccountID: "AcAcme", AccessKeyID: "kid", AccessKeySecret: "ksecret"},
		append([]Option{WithRetry(3, time.Millisecond), WithMaxRetryWait(5 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOrigin(t *testing.T) {
	for _, tc := range []struct{ host, region, want, implied string }{
		{"acme", "", "https://acme.kissflow.com", "com"},
		{"acme", "eu", "https://acme.kissflow.eu", "eu"},
		{"ACME.kissflow.eu", "", "https://acme.kissflow.eu", "eu"},
		{"https://acme.kissflow.com/", "eu", "https://acme.kissflow.com", "com"}, // the host says it
		{"flows.acme.example", "", "https://flows.acme.example", ""},
	} {
		got, implied, err := Origin(tc.host, tc.region, false)
		if err != nil || got != tc.want || implied != tc.implied {
			t.Errorf("Origin(%q, %q) = %q %q %v, want %q %q", tc.host, tc.region, got, implied, err, tc.want, tc.implied)
		}
	}
	for _, bad := range []string{"", "https://acme.kissflow.com/process/2", "http://acme.kissflow.com", "kissflow.com", "ac me", "-acme"} {
		if _, _, err := Origin(bad, "", false); err == nil {
			t.Errorf("Origin(%q) must fail", bad)
		}
	}
	if _, _, err := Origin("acme", "us", false); err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("bad region: %v", err)
	}
	if got, _, err := Origin("http://127.0.0.1:8123", "", true); err != nil || got != "http://127.0.0.1:8123" {
		t.Errorf("sandbox origin: %q %v", got, err)
	}
	_, err := New(Config{Host: "acme"})
	if err == nil || !strings.Contains(err.Error(), "account id") || !strings.Contains(err.Error(), "access key id") {
		t.Errorf("missing settings: %v", err)
	}
	c, err := New(Config{Host: "acme", Region: "eu", AccountID: "AcX", AccessKeyID: "k", AccessKeySecret: "s"})
	if err != nil || c.BaseURL() != "https://acme.kissflow.eu/process/2/AcX" {
		t.Errorf("base URL: %v %v", c, err)
	}
}

func TestListReadDetailUpdate(t *testing.T) {
	s := newSim(t, kissflowtest.Options{SavedViewStatus: kissflowtest.InProgress})
	s.Account.AddItem("Onboarding", kissflowtest.InProgress, map[string]any{"First_Name": "Ada"}, time.Time{})
	done, _ := s.Account.AddItem("Onboarding", kissflowtest.Completed, map[string]any{"First_Name": "Alan", "Email": "alan@acme.com", "Okta_User_ID": json.Number("12345678901234567890")}, time.Time{})
	c := simClient(t, s.URL)
	ctx := context.Background()
	page, err := c.ListItems(ctx, "Onboarding", 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	// apply_preference=false: the admin's saved view (InProgress only) does not filter
	if !page.HasTotal || page.Total != 2 || len(page.Items) != 2 {
		t.Fatalf("list: %+v", page)
	}
	item, err := c.GetItem(ctx, "Onboarding", done.ID)
	if err != nil || item["_status"] != "Completed" || item["_completed_at"] == nil || item["Okta_User_ID"] != json.Number("12345678901234567890") {
		t.Fatalf("detail: %v %v", item, err)
	}
	updated, err := c.UpdateItem(ctx, "Onboarding", done.ID, map[string]any{"Okta_User_ID": "00uNEW"})
	if err != nil || updated["Okta_User_ID"] != "00uNEW" || updated["First_Name"] != "Alan" {
		t.Fatalf("update: %v %v", updated, err)
	}
	fields, err := c.ProcessFields(ctx, "Onboarding")
	if err != nil || len(fields) != 3 || fields[0] != (Field{ID: "First_Name", Name: "First name", Type: "Text", Required: true}) {
		t.Fatalf("fields: %+v %v", fields, err)
	}
}

func TestTypedErrors(t *testing.T) {
	s := newSim(t, kissflowtest.Options{NotAdminOf: []string{"Onboarding"}})
	c := simClient(t, s.URL)
	_, err := c.ListItems(context.Background(), "Onboarding", 1, 10)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 403 || ae.Code != "FORBIDDEN" || ae.ID == "" || !IsForbidden(err) || !ae.MissingRole() {
		t.Fatalf("403: %#v", err)
	}
	if !strings.Contains(err.Error(), "Process Admin role") {
		t.Fatalf("the 403 says which role: %v", err)
	}
	_, err = c.GetItem(context.Background(), "Nope", "Pk1")
	if !IsNotFound(err) {
		t.Fatalf("404: %v", err)
	}
	bad, _ := New(Config{Host: s.URL, AllowHTTP: true, AccountID: "AcAcme", AccessKeyID: "kid", AccessKeySecret: "wrong"})
	_, err = bad.GetItem(context.Background(), "Onboarding", "Pk1")
	if !IsUnauthorized(err) || strings.Contains(err.Error(), "wrong") || !strings.Contains(err.Error(), "access key") {
		t.Fatalf("401: %v", err)
	}
}

func TestVerify(t *testing.T) {
	s := newSim(t, kissflowtest.Options{NotAdminOf: []string{"Payroll"}})
	s.Account.AddProcess("Payroll", "Payroll", nil)
	ctx := context.Background()
	id, err := simClient(t, s.URL).Verify(ctx, "Onboarding")
	if err != nil || !id.CanListUsers || len(id.ProcessAdmin) != 1 {
		t.Fatalf("good key: %+v %v", id, err)
	}
	check := func(c *Client, kind error, field string, process ...string) {
		t.Helper()
		_, err := c.Verify(ctx, process...)
		var ve *VerifyError
		if !errors.Is(err, kind) || !errors.As(err, &ve) || ve.Field != field {
			t.Fatalf("want %v on %s, got %v", kind, field, err)
		}
	}
	wrongKey, _ := New(Config{Host: s.URL, AllowHTTP: true, AccountID: "AcAcme", AccessKeyID: "kid", AccessKeySecret: "nope"})
	check(wrongKey, ErrInvalidKey, "access_key_id")
	wrongAccount, _ := New(Config{Host: s.URL, AllowHTTP: true, AccountID: "AcOther", AccessKeyID: "kid", AccessKeySecret: "ksecret"})
	check(wrongAccount, ErrUnknownAccount, "account_id")
	check(simClient(t, s.URL), ErrNoProcessAdmin, "access_key_id", "Payroll")
	check(simClient(t, s.URL), ErrUnknownProcess, "process_id", "Nope")
}

// A 429 holds every call of the account's pacer until Retry-After, then
// the call goes on; 5xx answers are retried.
func TestBackoffHonoursRetryAfterAndRetries5xx(t *testing.T) {
	clock := newFakeClock()
	s := newSim(t, kissflowtest.Options{RateLimit: 2, Now: clock.Now})
	pacer := NewPacer(0, 0)
	pacer.now, pacer.sleep = clock.Now, clock.Sleep
	c := simClient(t, s.URL, WithPacer(pacer))
	ctx := context.Background()
	for range 2 {
		if _, err := c.ListItems(ctx, "Onboarding", 1, 1); err != nil {
			t.Fatal(err)
		}
	}
	before := clock.Now()
	if _, err := c.ListItems(ctx, "Onboarding", 1, 1); err != nil {
		t.Fatalf("after the 429 the call goes on: %v", err)
	}
	if waited := clock.Now().Sub(before); waited < 59*time.Second {
		t.Fatalf("the pacer waited %v, want the 60 s Retry-After", waited)
	}
	if st := pacer.Stats(); st.Throttled != 1 {
		t.Fatalf("stats %+v", st)
	}

	fails := 2
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fails > 0 {
			fails--
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		s.Account.ServeHTTP(w, r)
	}))
	defer flaky.Close()
	if _, err := simClient(t, flaky.URL).ListItems(ctx, "Onboarding", 1, 1); err != nil {
		t.Fatalf("5xx retried: %v", err)
	}
	fails = 5
	_, err := simClient(t, flaky.URL).ListItems(ctx, "Onboarding", 1, 1)
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("5xx after every try: %v", err)
	}
}

// The pacer keeps any minute within the share plus the burst, below
// Kissflow's 400.
func TestPacerStaysWithinTheShare(t *testing.T) {
	clock := newFakeClock()
	p := NewPacer(0, 0)
	p.now, p.sleep = clock.Now, clock.Sleep
	var at []time.Time
	for range 1000 {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		at = append(at, clock.Now())
	}
	most := 0
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < time.Minute; j++ {
			n++
		}
		most = max(most, n)
	}
	if most > DefaultSharePerMinute+DefaultBurst || most < DefaultSharePerMinute {
		t.Fatalf("busiest minute: %d calls (share %d + burst %d)", most, DefaultSharePerMinute, DefaultBurst)
	}
}

// Where the fields API is not there, the fields come from an item.
func TestProcessFieldsFallBackToAnItem(t *testing.T) {
	s := newSim(t, kissflowtest.Options{})
	s.Account.AddItem("Onboarding", kissflowtest.Draft, map[string]any{"First_Name": "Ada", "Headcount": json.Number("3")}, time.Time{})
	no := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/field") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		s.Account.ServeHTTP(w, r)
	}))
	defer no.Close()
	fields, err := simClient(t, no.URL).ProcessFields(context.Background(), "Onboarding")
	if err != nil || len(fields) != 2 || fields[0].ID != "First_Name" || fields[1] != (Field{ID: "Headcount", Name: "Headcount", Type: "Number"}) {
		t.Fatalf("fields from an item: %+v %v", fields, err)
	}
}
