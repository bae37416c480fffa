package okta_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oktaflow/oktaflow/okta"
)

// A replay step is a recorded exchange the client can reproduce exactly: same method, path
// and query (and body, when one was recorded).
type replayStep struct {
	f       *okta.Fixture
	i       int
	reqURL  *url.URL
	nextURL string // the recorded rel="next" target, if any
}

var (
	reUser      = regexp.MustCompile(`^/api/v1/users/([^/]+)$`)
	reLifecycle = regexp.MustCompile(`^/api/v1/users/([^/]+)/lifecycle/(activate|deactivate|reactivate|suspend|unsuspend|unlock)$`)
)

// drivable reports whether the client issues exactly this recorded request.
func drivable(method string, u *url.URL, body *string) bool {
	q := u.Query()
	p := u.EscapedPath()
	switch {
	case method == "GET" && p == "/api/v1/meta/schemas/user/default" && u.RawQuery == "":
		return true
	case method == "GET" && p == "/api/v1/users":
		return true
	case method == "GET" && reUser.MatchString(p) && u.RawQuery == "":
		return true
	case method == "DELETE" && reUser.MatchString(p) && u.RawQuery == "":
		return true
	case method == "POST" && p == "/api/v1/users":
		// CreateUser always says activate=...; a recorded body must be one it would send.
		return len(q) == 1 && q.Get("activate") != "" && (body == nil || createBodyReproducible(*body))
	case method == "POST" && reLifecycle.MatchString(p):
		op := reLifecycle.FindStringSubmatch(p)[2]
		switch op {
		case "activate", "reactivate":
			return len(q) == 1 && q.Get("sendEmail") != ""
		case "deactivate":
			return u.RawQuery == "" || u.RawQuery == "sendEmail=true"
		}
		return u.RawQuery == ""
	}
	return false
}

func createBodyReproducible(body string) bool {
	var b struct {
		Profile     map[string]any `json:"profile"`
		Credentials *struct {
			Password *struct {
				Value string `json:"value"`
			} `json:"password"`
		} `json:"credentials"`
	}
	if json.Unmarshal([]byte(body), &b) != nil {
		return false
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(body), &m)
	delete(m, "profile")
	delete(m, "credentials")
	return len(m) == 0 && (b.Credentials == nil || b.Credentials.Password != nil && b.Credentials.Password.Value != "")
}

// Each recorded sequence is served back by a test server while the client makes the same
// calls: requests must match method, path and query (and body), and every answer must
// decode into the client's result (users equal to the recorded JSON, errors with the
// recorded errorCode).
func TestReplayRecordedExchanges(t *testing.T) {
	var total int
	for _, f := range okta.LoadFixtures(t) {
		var steps []replayStep
		for i, in := range f.Interactions {
			u, err := url.Parse(in.Request.URL)
			if err != nil {
				t.Fatal(err)
			}
			if drivable(in.Request.Method, u, in.Request.Body) {
				st := replayStep{f: f, i: i, reqURL: u}
				for _, l := range f.Header(i).Values("Link") {
					if strings.Contains(l, `rel="next"`) {
						st.nextURL = l[strings.Index(l, "<")+1 : strings.Index(l, ">")]
					}
				}
				steps = append(steps, st)
			}
		}
		if len(steps) == 0 {
			continue
		}
		t.Run(f.Name, func(t *testing.T) { replay(t, steps) })
		total += len(steps)
	}
	t.Logf("%d recorded exchanges replayed", total)
	if total < 40 {
		t.Errorf("only %d recorded exchanges replayed", total)
	}
}

func replay(t *testing.T, steps []replayStep) {
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(served.Add(1)) - 1
		if n >= len(steps) {
			t.Errorf("request %d beyond the recording: %s %s", n, r.Method, r.URL)
			w.WriteHeader(500)
			return
		}
		st := steps[n]
		rec := st.f.Interactions[st.i]
		if r.Method != rec.Request.Method || r.URL.EscapedPath() != st.reqURL.EscapedPath() {
			t.Errorf("step %d: %s %s; recorded %s %s", n, r.Method, r.URL.EscapedPath(), rec.Request.Method, st.reqURL.EscapedPath())
		}
		if got, want := r.URL.Query(), st.reqURL.Query(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("step %d: query %v; recorded %v", n, got, want)
		}
		if rec.Request.Body != nil {
			got, _ := io.ReadAll(r.Body)
			if !sameJSON(got, []byte(*rec.Request.Body)) {
				t.Errorf("step %d: body %s; recorded %s", n, got, *rec.Request.Body)
			}
		}
		base := "http://" + r.Host
		origin := st.reqURL.Scheme + "://" + st.reqURL.Host
		for k, vs := range st.f.Header(st.i) {
			// The recordings' rate budgets belong to their own day; pacing is tested elsewhere.
			if strings.HasPrefix(k, "X-Rate-Limit") || k == "Content-Length" || k == "Content-Encoding" || k == "Transfer-Encoding" || k == "Connection" {
				continue
			}
			for _, v := range vs {
				w.Header().Add(k, strings.ReplaceAll(v, origin, base))
			}
		}
		w.WriteHeader(rec.Response.Status)
		_, _ = w.Write([]byte(rec.Response.Body))
	}))
	defer srv.Close()
	c, err := okta.NewClient(srv.URL, "replay-token", okta.WithAllowHTTPLoopback(), okta.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for k := 0; k < len(steps); k++ {
		st := steps[k]
		rec := st.f.Interactions[st.i]
		where := fmt.Sprintf("%s #%d %s %s", st.f.Name, st.i, rec.Request.Method, st.reqURL)
		p, _ := url.PathUnescape(st.reqURL.EscapedPath())
		var got any
		var err error
		switch m := rec.Request.Method; {
		case p == "/api/v1/users" && m == "GET":
			k, err = replayList(ctx, t, c, steps, k, where)
			if err != nil {
				checkError(t, where, err, rec.Response.Status, rec.Response.Body)
			}
			continue
		case p == "/api/v1/users" && m == "POST":
			got, err = c.CreateUser(ctx, createRequest(st))
		case p == "/api/v1/meta/schemas/user/default":
			got, err = c.GetUserSchema(ctx)
		case m == "GET":
			got, err = c.GetUser(ctx, strings.TrimPrefix(p, "/api/v1/users/"))
		case m == "DELETE":
			err = c.DeleteUser(ctx, strings.TrimPrefix(p, "/api/v1/users/"))
		default:
			err = lifecycleCall(ctx, c, st)
		}
		if rec.Response.Status >= 300 {
			checkError(t, where, err, rec.Response.Status, rec.Response.Body)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if got != nil {
			out, _ := json.Marshal(got)
			if !sameJSON(out, []byte(rec.Response.Body)) {
				t.Errorf("%s: result differs from the recorded answer\n got: %s\nwant: %s", where, out, rec.Response.Body)
			}
		}
	}
	if int(served.Load()) != len(steps) {
		t.Errorf("%d of %d recorded requests were made", served.Load(), len(steps))
	}
}

// replayList iterates ListUsers over step k and, while the following recorded steps are
// exactly the next links, over them too. It returns the index of the last step consumed.
func replayList(ctx context.Context, t *testing.T, c *okta.Client, steps []replayStep, k int, where string) (int, error) {
	q := steps[k].reqURL.Query()
	limit := 0
	fmt.Sscan(q.Get("limit"), &limit)
	params := okta.ListUsersParams{Q: q.Get("q"), Filter: q.Get("filter"), Search: q.Get("search"), Limit: limit,
		SortBy: q.Get("sortBy"), SortOrder: q.Get("sortOrder")}
	var want []json.RawMessage
	last := k
	for j := k; j < len(steps); j++ {
		var page []json.RawMessage
		if err := json.Unmarshal([]byte(steps[j].f.Interactions[steps[j].i].Response.Body), &page); err != nil {
			break
		}
		want = append(want, page...)
		last = j
		if j+1 >= len(steps) || steps[j].nextURL == "" || steps[j+1].reqURL.String() != steps[j].nextURL {
			break
		}
	}
	n := 0
	for u, err := range c.ListUsers(ctx, params) {
		if err != nil {
			return last, err
		}
		out, _ := json.Marshal(u)
		if n >= len(want) || !sameJSON(out, want[n]) {
			t.Errorf("%s: listed user %d differs from the recording: %s", where, n, out)
		}
		if n++; n == len(want) {
			break // the recording stops here, though Okta had more pages
		}
	}
	if n != len(want) {
		t.Errorf("%s: %d users listed; recorded %d", where, n, len(want))
	}
	return last, nil
}

func createRequest(st replayStep) okta.CreateUserRequest {
	rec := st.f.Interactions[st.i].Request
	req := okta.CreateUserRequest{Activate: st.reqURL.Query().Get("activate") == "true",
		Profile: map[string]any{"login": "replay@example.com"}}
	if rec.Body != nil {
		var b struct {
			Profile     map[string]any `json:"profile"`
			Credentials struct {
				Password struct {
					Value string `json:"value"`
				} `json:"password"`
			} `json:"credentials"`
		}
		_ = json.Unmarshal([]byte(*rec.Body), &b)
		req.Profile, req.Password = b.Profile, b.Credentials.Password.Value
	}
	return req
}

func lifecycleCall(ctx context.Context, c *okta.Client, st replayStep) error {
	m := reLifecycle.FindStringSubmatch(st.reqURL.EscapedPath())
	id, _ := url.PathUnescape(m[1])
	send := st.reqURL.Query().Get("sendEmail") == "true"
	var err error
	switch m[2] {
	case "deactivate":
		err = c.DeactivateUser(ctx, id, send)
	case "activate":
		_, err = c.ActivateUser(ctx, id, send)
	case "reactivate":
		_, err = c.ReactivateUser(ctx, id, send)
	case "suspend":
		err = c.SuspendUser(ctx, id)
	case "unsuspend":
		err = c.UnsuspendUser(ctx, id)
	case "unlock":
		err = c.UnlockUser(ctx, id)
	}
	return err
}

func checkError(t *testing.T, where string, err error, status int, body string) {
	t.Helper()
	var want struct {
		Code string `json:"errorCode"`
	}
	_ = json.Unmarshal([]byte(body), &want)
	var apiErr *okta.APIError
	if !errorsAs(err, &apiErr) || apiErr.Status != status || apiErr.Code != want.Code {
		t.Errorf("%s: err %v; recorded %d %s", where, err, status, want.Code)
	}
}

func errorsAs(err error, target **okta.APIError) bool { return errors.As(err, target) }
