package okta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	bodyDuplicate = `{"errorCode":"E0000001","errorSummary":"Api validation failed: login","errorLink":"E0000001","errorId":"oaeX","errorCauses":[{"errorSummary":"login: An object with this field already exists in the current organization"}]}`
	bodyInvalid   = `{"errorCode":"E0000001","errorSummary":"Api validation failed: newUser","errorLink":"E0000001","errorId":"oaefhFnOi_dSHKabyDvfPWwrQ","errorCauses":[{"errorSummary":"Property name 'notValid' is not defined in profile"}]}`
)

func okta(code string) string {
	return fmt.Sprintf(`{"errorCode":%q,"errorSummary":"s","errorLink":%q,"errorId":"oae1","errorCauses":[]}`, code, code)
}

func TestNewAPIError(t *testing.T) {
	h := http.Header{"X-Okta-Request-Id": {"req-42"}, "Content-Type": {"text/html"}}
	e := newAPIError("POST", "/api/v1/users", 400, h, []byte(bodyDuplicate))
	if e.Status != 400 || e.Code != "E0000001" || e.Summary != "Api validation failed: login" || e.Link != "E0000001" ||
		e.ErrorID != "oaeX" || len(e.Causes) != 1 || e.RequestID != "req-42" || e.Method != "POST" || e.Path != "/api/v1/users" {
		t.Fatalf("decoded %+v", e)
	}
	want := "okta: POST /api/v1/users: 400 E0000001 Api validation failed: login (login: An object with this field already exists in the current organization) [request req-42]"
	if e.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", e.Error(), want)
	}

	foreign := newAPIError("GET", "/api/v1/nope", 404, h, []byte(`{"status":404,"message":"Resource not found"}`))
	if foreign.Status != 404 || foreign.Code != "" || foreign.Summary != "Resource not found" || IsNotFound(foreign) {
		t.Errorf("non-Okta JSON body: %+v (IsNotFound %v)", foreign, IsNotFound(foreign))
	}
	html := newAPIError("GET", "/api/v1/users", 502, h, []byte("<html><body>Bad gateway secret stuff</body></html>"))
	if html.Status != 502 || !strings.Contains(html.Summary, "Bad Gateway") || strings.Contains(html.Error(), "secret stuff") || !IsServerError(html) {
		t.Errorf("HTML body: %+v", html)
	}
	empty := newAPIError("DELETE", "/api/v1/users/x", 500, http.Header{}, nil)
	if empty.Status != 500 || empty.Summary != "Internal Server Error" {
		t.Errorf("empty body: %+v", empty)
	}
}

func TestErrorHelpers(t *testing.T) {
	mk := func(status int, path, body string) error {
		return fmt.Errorf("wrapped: %w", newAPIError("POST", path, status, http.Header{}, []byte(body)))
	}
	suspendErr := `{"errorCode":"E0000001","errorSummary":"Api validation failed: status","errorCauses":[{"errorSummary":"Cannot suspend a user that is not active"}]}`
	rl := &RateLimitError{Bucket: BucketUsers, RetryAt: time.Now(), Err: newAPIError("GET", "/api/v1/users", 429, http.Header{}, []byte(okta("E0000047")))}
	type helper struct {
		name string
		fn   func(error) bool
	}
	helpers := []helper{
		{"IsNotFound", IsNotFound}, {"IsAlreadyExists", IsAlreadyExists}, {"IsInvalidToken", IsInvalidToken},
		{"IsInvalidSession", IsInvalidSession}, {"IsRateLimited", IsRateLimited}, {"IsValidation", IsValidation},
		{"IsWrongState", IsWrongState}, {"IsServerError", IsServerError},
	}
	tests := []struct {
		name string
		err  error
		true []string // helpers that must say true; all others false
	}{
		{"404", mk(404, "/api/v1/users/x", okta("E0000007")), []string{"IsNotFound"}},
		{"ErrNotFound", fmt.Errorf("x: %w", ErrNotFound), []string{"IsNotFound"}},
		{"duplicate login", mk(400, "/api/v1/users", bodyDuplicate), []string{"IsAlreadyExists", "IsValidation"}},
		{"other validation", mk(400, "/api/v1/users", bodyInvalid), []string{"IsValidation"}},
		{"already exists text without E0000001", mk(400, "/api/v1/users", strings.Replace(bodyDuplicate, "E0000001", "E0000002", 2)), nil},
		{"401", mk(401, "/api/v1/users/me", okta("E0000011")), []string{"IsInvalidToken"}},
		{"403 session", mk(403, "/api/v1/users/me", okta("E0000005")), []string{"IsInvalidSession"}},
		{"429", mk(429, "/api/v1/users", okta("E0000047")), []string{"IsRateLimited"}},
		{"RateLimitError", fmt.Errorf("x: %w", rl), []string{"IsRateLimited"}},
		{"activate active", mk(403, "/api/v1/users/x/lifecycle/activate", okta("E0000016")), []string{"IsWrongState"}},
		{"reactivate staged", mk(403, "/api/v1/users/x/lifecycle/reactivate", okta("E0000038")), []string{"IsWrongState"}},
		{"unlock", mk(403, "/api/v1/users/x/lifecycle/unlock", okta("E0000032")), []string{"IsWrongState"}},
		{"suspend not active", mk(400, "/api/v1/users/x/lifecycle/suspend", suspendErr), []string{"IsWrongState", "IsValidation"}},
		{"unsuspend not suspended", mk(400, "/api/v1/users/x/lifecycle/unsuspend", suspendErr), []string{"IsWrongState", "IsValidation"}},
		{"E0000001 elsewhere is not wrong state", mk(400, "/api/v1/users", suspendErr), []string{"IsValidation"}},
		{"500", mk(500, "/api/v1/users", okta("E0000009")), []string{"IsServerError"}},
		{"503 html", mk(503, "/api/v1/users", "<html/>"), []string{"IsServerError"}},
		{"plain error", errors.New("boom"), nil},
		{"nil", nil, nil},
	}
	for _, tt := range tests {
		for _, h := range helpers {
			want := false
			for _, n := range tt.true {
				want = want || n == h.name
			}
			if got := h.fn(tt.err); got != want {
				t.Errorf("%s: %s = %v; want %v", tt.name, h.name, got, want)
			}
		}
	}
	var got *APIError
	if !errors.As(rl, &got) || got.Code != "E0000047" || !strings.Contains(rl.Error(), BucketUsers) {
		t.Errorf("RateLimitError does not unwrap to its 429: %v", rl)
	}
}

func TestAPIErrorJSONRoundTrip(t *testing.T) {
	in := `{"errorCode":"E0000001","errorSummary":"x","errorLink":"E0000001","errorId":"oae","errorCauses":[{"errorSummary":"a","reason":"r"}],"extraKey":{"n":1}}`
	var e APIError
	if err := json.Unmarshal([]byte(in), &e); err != nil {
		t.Fatal(err)
	}
	e.Status = 400 // exchange data does not leak into the body
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, in, string(out))
}
