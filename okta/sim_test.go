package okta_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// The client against the simulator (an independent witness of Okta's wire format).

// bigBudget is the per-minute limit of tests that are not about pacing: the client spreads a
// bucket's budget over its window, so Okta's usual 600 a minute means one request per 100 ms.
const bigBudget = 100_000

func simClient(t *testing.T, s *oktatest.Server, opts ...okta.Option) *okta.Client {
	t.Helper()
	opts = append([]okta.Option{okta.WithAllowHTTPLoopback(), okta.WithRetryBackoff(time.Millisecond, 20*time.Millisecond)}, opts...)
	c, err := okta.NewClient(s.URL, s.Token, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newSim(t *testing.T, o oktatest.Options) *oktatest.Server {
	t.Helper()
	s := oktatest.NewServer(o)
	t.Cleanup(s.Close)
	return s
}

func profile(first, last string, extra ...any) map[string]any {
	login := strings.ToLower(first + "." + last + "@example.com")
	p := map[string]any{"login": login, "email": login, "firstName": first, "lastName": last}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i].(string)] = extra[i+1]
	}
	return p
}

// must(f())(t) returns f's value, failing the test on f's error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestSimUsersAndLifecycle(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 7, RateLimit: bigBudget, AdminLogin: "root@example.com",
		CustomAttrs: []oktatest.Attribute{{Name: "badgeColor", Title: "Badge color", Type: "string"},
			{Name: "level", Type: "integer", Enum: []string{"1", "2"}}}})
	c := simClient(t, s)
	ctx := context.Background()

	if me := must(c.Me(ctx))(t); me.Login() != "root@example.com" {
		t.Errorf("Me = %s", me.Login())
	}
	active := must(c.CreateUser(ctx, okta.CreateUserRequest{Profile: profile("Ada", "Lovelace", "badgeColor", "R&D"),
		Password: "Analytical-Engine-1", Activate: true}))(t)
	staged := must(c.CreateUser(ctx, okta.CreateUserRequest{Profile: profile("Grace", "Hopper")}))(t)
	prov := must(c.CreateUser(ctx, okta.CreateUserRequest{Profile: map[string]any{"login": "o'brien+test@example.com",
		"email": "o'brien+test@example.com", "firstName": `Jo"hn`, "lastName": `O\Brien`}, Activate: true}))(t)
	if active.Status != "ACTIVE" || !active.HasPassword() || active.Profile["badgeColor"] != "R&D" ||
		staged.Status != "STAGED" || prov.Status != "PROVISIONED" {
		t.Fatalf("created %s/%s/%s", active.Status, staged.Status, prov.Status)
	}
	if st, ok := s.UserByLogin("ada.lovelace@example.com"); !ok || !st.HasPassword || st.ID != active.ID {
		t.Fatalf("simulator state %+v", st)
	}
	for _, key := range []string{active.ID, "Ada.Lovelace@example.com", "o'brien+test@example.com"} {
		if u, err := c.GetUser(ctx, key); err != nil || (u.ID != active.ID && u.ID != prov.ID) {
			t.Errorf("GetUser(%q) = %v, %v", key, u, err)
		}
	}
	found := must(c.FindUsersByName(ctx, `jo"hn`, `o\brien`))(t)
	if len(found) != 1 || found[0].ID != prov.ID {
		t.Errorf("FindUsersByName with quotes and backslashes = %v", found)
	}
	var listed []string
	for u, err := range c.ListUsers(ctx, okta.ListUsersParams{Filter: `status eq "STAGED"`}) {
		listed = append(listed, must(u, err)(t).ID)
	}
	if !slices.Equal(listed, []string{staged.ID}) {
		t.Errorf("filter STAGED listed %v", listed)
	}

	_, err := c.CreateUser(ctx, okta.CreateUserRequest{Profile: profile("Ada", "Lovelace")})
	if !okta.IsAlreadyExists(err) || !okta.IsValidation(err) {
		t.Errorf("duplicate login: %v", err)
	}
	_, err = c.CreateUser(ctx, okta.CreateUserRequest{Profile: profile("Bad", "Attr", "notDefined", 1)})
	if !okta.IsValidation(err) || okta.IsAlreadyExists(err) {
		t.Errorf("unknown attribute: %v", err)
	}

	if err := c.SuspendUser(ctx, active.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.SuspendUser(ctx, active.ID); !okta.IsWrongState(err) {
		t.Errorf("suspend twice: %v", err)
	}
	if err := c.UnsuspendUser(ctx, active.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.UnsuspendUser(ctx, active.ID); !okta.IsWrongState(err) {
		t.Errorf("unsuspend an active user: %v", err)
	}
	if _, err := c.ActivateUser(ctx, active.ID, false); !okta.IsWrongState(err) {
		t.Errorf("activate an active user: %v", err)
	}
	if _, err := c.ReactivateUser(ctx, staged.ID, false); !okta.IsWrongState(err) {
		t.Errorf("reactivate a staged user: %v", err)
	}
	if err := c.UnlockUser(ctx, active.ID); !okta.IsWrongState(err) {
		t.Errorf("unlock a user who is not locked out: %v", err)
	}
	act := must(c.ActivateUser(ctx, staged.ID, false))(t)
	if act.Token == "" || act.URL == "" {
		t.Errorf("activation without email gave %+v", act)
	}
	if _, err := c.ReactivateUser(ctx, staged.ID, true); err != nil {
		t.Errorf("reactivate a provisioned user: %v", err)
	}
	if err := c.DeactivateUser(ctx, staged.ID, false); err != nil {
		t.Fatal(err)
	}
	if u := must(c.GetUser(ctx, staged.ID))(t); u.Status != "DEPROVISIONED" {
		t.Errorf("after deactivate: %s", u.Status)
	}
	if err := c.DeactivateUser(ctx, staged.ID, false); !okta.IsNotFound(err) {
		t.Errorf("deactivate twice: %v", err)
	}
	for range 2 {
		if err := c.DeleteUser(ctx, prov.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GetUser(ctx, prov.ID); !okta.IsNotFound(err) {
		t.Errorf("after two deletes: %v", err)
	}
}

func TestSimSchemaGroupsLogs(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 3, RateLimit: bigBudget, CustomAttrs: []oktatest.Attribute{
		{Name: "region", Title: "Region", Type: "string", Required: true},
		{Name: "level", Type: "string", Enum: []string{"junior", "senior"}}}})
	c := simClient(t, s)
	ctx := context.Background()

	schema := must(c.GetUserSchema(ctx))(t)
	login, _ := schema.Field("login")
	cc, ok := schema.Field("region")
	level, _ := schema.Field("level")
	if !login.Required || login.Custom || !ok || !cc.Custom || !cc.Required || cc.Title != "Region" || len(level.Enum) != 2 {
		t.Errorf("schema fields login %+v region %+v level %+v", login, cc, level)
	}

	start := time.Now().Add(-time.Minute)
	poller := c.NewLogPoller(okta.LogPollerOptions{Since: start, Filter: `eventType sw "user.lifecycle"`})
	_, cursor, err := poller.Poll(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	g := must(c.CreateGroup(ctx, "Engineering", "Builders"))(t)
	must(c.CreateGroup(ctx, "Eng", ""))(t)
	u := must(c.CreateUser(ctx, okta.CreateUserRequest{Profile: profile("Alan", "Turing", "region", "EU"), Activate: true}))(t)
	if err := c.AddUserToGroup(ctx, g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if found := must(c.FindGroupByName(ctx, "Engineering"))(t); found.ID != g.ID || found.Description() != "Builders" {
		t.Errorf("FindGroupByName = %+v", found)
	}
	if _, err := c.FindGroupByName(ctx, "Engine"); !okta.IsNotFound(err) {
		t.Errorf("prefix-only match: %v", err)
	}
	if st, _ := s.UserByLogin("alan.turing@example.com"); !slices.Contains(st.GroupIDs, g.ID) {
		t.Errorf("membership not applied: %+v", st)
	}
	var names []string
	for grp, err := range c.ListGroups(ctx, "Eng") {
		names = append(names, must(grp, err)(t).Name())
	}
	if len(names) != 2 {
		t.Errorf("ListGroups(Eng) = %v", names)
	}

	if err := c.DeactivateUser(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	events, cursor2, err := poller.Poll(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range events {
		if len(e.Target) > 0 && e.Target[0].ID == u.ID {
			types = append(types, e.EventType)
		}
	}
	if !slices.Contains(types, "user.lifecycle.create") || !slices.Contains(types, "user.lifecycle.deactivate") {
		t.Errorf("log events for the new user: %v (of %d events)", types, len(events))
	}
	again, cursor3, err := poller.Poll(ctx, cursor2)
	if err != nil || len(again) != 0 || cursor3 == "" {
		t.Errorf("poll after catching up: %d events, cursor %q, %v", len(again), cursor3, err)
	}
}

func TestSimPaginationOver200(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 11, RateLimit: bigBudget, SeedUsers: 450})
	c := simClient(t, s)
	seen := map[string]bool{}
	for u, err := range c.ListUsers(context.Background(), okta.ListUsersParams{}) {
		u = must(u, err)(t)
		if seen[u.ID] {
			t.Fatalf("user %s listed twice", u.ID)
		}
		seen[u.ID] = true
	}
	want := 0
	for _, st := range s.Users() {
		if st.Status != "DEPROVISIONED" {
			want++
		}
	}
	if len(seen) != want || want < 450 {
		t.Errorf("listed %d users; the org has %d", len(seen), want)
	}
	if n := s.RequestCount(okta.BucketUsers, 200); n != 3 {
		t.Errorf("%d list pages; want 3 of at most 200", n)
	}
}

func TestSimTypedErrors(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 5, RateLimit: bigBudget})
	ctx := context.Background()

	bad, _ := okta.NewClient(s.URL, "not-the-token", okta.WithAllowHTTPLoopback())
	if _, err := bad.Me(ctx); !okta.IsInvalidToken(err) {
		t.Errorf("wrong token: %v", err)
	}
	bearer := simClient(t, s, okta.WithHTTPClient(&http.Client{Transport: rewriteAuth{}}))
	if _, err := bearer.Me(ctx); !okta.IsInvalidSession(err) {
		t.Errorf("non-SSWS auth: %v", err)
	}
	c := simClient(t, s, okta.WithMaxRetries(0), okta.WithMaxRateLimitWaits(0))
	if _, err := c.GetUser(ctx, "00unosuchuser0000000"); !okta.IsNotFound(err) {
		t.Errorf("missing user: %v", err)
	}
	s.SetFaults(1, 0, 0)
	if _, err := c.Me(ctx); !okta.IsServerError(err) {
		t.Errorf("injected fault: %v", err)
	}
	s.SetFaults(0, 0, 0)
	s.Storm(time.Minute)
	_, err := c.Me(ctx)
	var rl *okta.RateLimitError
	if !okta.IsRateLimited(err) || !errors.As(err, &rl) || rl.Bucket != okta.BucketMe || rl.RetryAt.Before(time.Now().Add(50*time.Second)) {
		t.Errorf("storm: %v", err)
	}
}

// rewriteAuth sends the token as a Bearer token, which Okta treats as no API token at all.
type rewriteAuth struct{}

func (rewriteAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	// Not Bearer: the simulator answers Bearer as Okta's OAuth resource server (401 invalid_token).
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SSWS ", "Basic ", 1))
	return http.DefaultTransport.RoundTrip(r)
}

// Concurrent creates against a small window: the client paces, the org never answers 429.
func TestSimPacingNoTooManyRequests(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 13, RateLimit: 20, RateWindow: time.Second, Latency: 2 * time.Millisecond})
	var waits atomic.Int32
	c := simClient(t, s, okta.WithRateLimitObserver(func(b okta.BucketState) {
		if !b.WaitingUntil.IsZero() {
			waits.Add(1)
		}
	}))
	createMany(t, c, 50, 10, "pace")
	if n := s.RequestCount(okta.BucketUsers, 429); n != 0 {
		t.Errorf("%d answers were 429", n)
	}
	if n := s.RequestCount(okta.BucketUsers, 200); n != 50 {
		t.Errorf("%d creates answered 200; want 50", n)
	}
	if waits.Load() == 0 {
		t.Error("50 creates over a 20-per-window budget never waited for a reset")
	}
}

// Bursts never overspend: more workers than a window's budget, at a 20 ms round trip, send
// what fits at once and never meet a 429, first window included.
func TestSimBurstsNeverOverspend(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 23, RateLimit: 30, RateWindow: time.Second, Latency: 20 * time.Millisecond})
	c := simClient(t, s, okta.WithMaxConcurrency(40))
	createMany(t, c, 20, 20, "fits") // within the budget: 1 probe, then 19 at once
	createMany(t, c, 100, 40, "burst")
	if n := s.RequestCount(okta.BucketUsers, 429); n != 0 {
		t.Errorf("%d answers were 429", n)
	}
	if n := s.RequestCount(okta.BucketUsers, 200); n != 120 {
		t.Errorf("%d creates answered 200; want 120", n)
	}
}

// createMany creates n users with workers goroutines and fails on any error.
func createMany(t *testing.T, c *okta.Client, n, workers int, prefix string) {
	t.Helper()
	var wg sync.WaitGroup
	jobs := make(chan int)
	errs := make(chan error, n)
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				_, err := c.CreateUser(context.Background(), okta.CreateUserRequest{Profile: profile(prefix, fmt.Sprint("n", i))})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSimStormRecovery(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 17, RateLimit: bigBudget})
	c := simClient(t, s)
	s.Storm(300 * time.Millisecond)
	u, err := c.CreateUser(context.Background(), okta.CreateUserRequest{Profile: profile("Storm", "Rider")})
	if err != nil || u.Login() != "storm.rider@example.com" {
		t.Fatalf("create through a storm: %v, %v", u, err)
	}
	if n := s.RequestCount(okta.BucketUsers, 429); n < 1 {
		t.Errorf("the storm answered %d 429s", n)
	}
	if n := s.RequestCount(okta.BucketUsers, 200); n != 1 {
		t.Errorf("%d successful creates; want 1", n)
	}
}

// Faults: 500s are retried; a create whose answer was dropped after it was applied meets
// "already exists" on retry, and the caller adopts the existing user. Every user exists once.
func TestSimFaultsCreateOnce(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 19, RateLimit: bigBudget, FaultRate: 0.2, DropRate: 0.25})
	c := simClient(t, s, okta.WithMaxRetries(8))
	ctx := context.Background()
	adopted := 0
	for i := range 30 {
		p := profile("Fault", fmt.Sprint("Tolerant", i))
		u, err := c.CreateUser(ctx, okta.CreateUserRequest{Profile: p, Activate: true})
		if okta.IsAlreadyExists(err) {
			adopted++
			u, err = c.GetUser(ctx, p["login"].(string))
		}
		if err != nil || u.Login() != p["login"] {
			t.Fatalf("create %d: %v, %v", i, u, err)
		}
	}
	count := map[string]int{}
	for _, st := range s.Users() {
		count[strings.ToLower(st.Login)]++
	}
	for i := range 30 {
		if login := fmt.Sprintf("fault.tolerant%d@example.com", i); count[login] != 1 {
			t.Errorf("%s exists %d times", login, count[login])
		}
	}
	drops, faults := s.RequestCount(okta.BucketUsers, oktatest.StatusDropped), s.RequestCount(okta.BucketUsers, 500)
	if drops == 0 || faults == 0 || adopted == 0 {
		t.Errorf("faults not exercised: %d drops, %d 500s, %d adopted", drops, faults, adopted)
	}
}

// The org's concurrency cap answers 429 with Limit 0; the client backs off and succeeds.
func TestSimConcurrencyCap(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 23, RateLimit: bigBudget, Concurrency: 2, Latency: 20 * time.Millisecond})
	c := simClient(t, s, okta.WithMaxConcurrency(6), okta.WithMaxRateLimitWaits(50))
	createMany(t, c, 24, 6, "cap")
	if n := s.RequestCount(okta.BucketUsers, 200); n != 24 {
		t.Errorf("%d creates answered 200; want 24", n)
	}
	if n := s.RequestCount(okta.BucketUsers, 429); n == 0 {
		t.Error("the concurrency cap was never hit; the test proves nothing")
	}
	c2 := simClient(t, s, okta.WithMaxConcurrency(2))
	before := s.RequestCount(okta.BucketUsers, 429)
	createMany(t, c2, 12, 6, "capped")
	if n := s.RequestCount(okta.BucketUsers, 429) - before; n != 0 {
		t.Errorf("with WithMaxConcurrency(2) the cap of 2 answered %d 429s", n)
	}
}

func TestSimCancelDuringWait(t *testing.T) {
	t.Parallel()
	s := newSim(t, oktatest.Options{Seed: 29})
	ctx, cancel := context.WithCancel(context.Background())
	c := simClient(t, s, okta.WithRateLimitObserver(func(b okta.BucketState) {
		if !b.WaitingUntil.IsZero() {
			cancel()
		}
	}))
	s.Storm(time.Minute)
	_, err := c.CreateUser(ctx, okta.CreateUserRequest{Profile: profile("Never", "Made")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
	if _, ok := s.UserByLogin("never.made@example.com"); ok {
		t.Error("a user was created")
	}
}
