package kissflowtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var fields = []Field{
	{ID: "First_Name", Name: "First name", Type: "Text", Required: true},
	{ID: "Email", Name: "Email", Type: "Email", Required: true},
	{ID: "Okta_User_ID", Name: "Okta user id", Type: "Text"},
}

func newTestServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.AccessKeyID == "" {
		opts.AccessKeyID, opts.AccessKeySecret = "kid", "ksecret"
	}
	s := NewServer(opts)
	t.Cleanup(func() { s.Close() })
	s.Account.AddProcess("Onboarding", "Employee onboarding", fields)
	return s
}

func call(t *testing.T, s *Server, method, path, body string, headers ...string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("X-Access-Key-Id", "kid")
	req.Header.Set("X-Access-Key-Secret", "ksecret")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m, resp.Header
}

func TestAuthAndErrorsAsKissflowAnswers(t *testing.T) {
	s := newTestServer(t, Options{AccountID: "AcAcme"})
	status, body, _ := call(t, s, "GET", "/process/2/AcAcme/admin/Onboarding/item", "", "X-Access-Key-Secret", "wrong")
	if status != 401 || body["error_code"] == nil || body["message"] == nil || body["_id"] == nil {
		t.Fatalf("bad key: %d %v", status, body)
	}
	if status, body, _ = call(t, s, "GET", "/process/2/AcOther/admin/Onboarding/item", ""); status != 404 || body["error_code"] != "ACCOUNT_NOT_FOUND" {
		t.Fatalf("wrong account: %d %v", status, body)
	}
	if status, body, _ = call(t, s, "GET", "/process/2/AcAcme/admin/Nope/item", ""); status != 404 || body["error_code"] != "PROCESS_NOT_FOUND" {
		t.Fatalf("no process: %d %v", status, body)
	}
	if status, _, _ = call(t, s, "GET", "/process/2/AcAcme/admin/Onboarding/PkNope", ""); status != 404 {
		t.Fatalf("no item: %d", status)
	}
	if status, _, _ = call(t, s, "GET", "/user/2/AcAcme/?page_number=1&page_size=1", ""); status != 200 {
		t.Fatalf("user probe: %d", status)
	}
	s2 := newTestServer(t, Options{AccountID: "AcAcme", NotAdminOf: []string{"Onboarding"}})
	if status, body, _ = call(t, s2, "GET", "/process/2/AcAcme/admin/Onboarding/item", ""); status != 403 || !strings.Contains(body["message"].(string), "Process Admin") {
		t.Fatalf("not an admin: %d %v", status, body)
	}
}

func TestListPagesInTheConfiguredOrderWithQuirks(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{Now: func() time.Time { return now }})
	var ids []string
	for i, st := range []string{Draft, InProgress, Completed, Rejected, Withdrawn} {
		it, err := s.Account.AddItem("Onboarding", st, map[string]any{"First_Name": st}, now.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, it.ID)
	}
	list := func() []any {
		status, body, _ := call(t, s, "GET", "/process/2/AcSandbox01/admin/Onboarding/item?page_number=1&page_size=3&apply_preference=false", "")
		if status != 200 || body["Count"] != float64(5) {
			t.Fatalf("list: %d %v", status, body)
		}
		return body["Data"].([]any)
	}
	data := list()
	if len(data) != 3 || data[0].(map[string]any)["_id"] != ids[4] { // newest first
		t.Fatalf("newest first: %v", data)
	}
	s.Account.SetListQuirks(OldestFirst, true)
	data = list()
	if data[0].(map[string]any)["_id"] != ids[0] || data[2].(map[string]any)["_completed_at"] != nil {
		t.Fatalf("oldest first, no _completed_at: %v", data)
	}
	_, detail, _ := call(t, s, "GET", "/process/2/AcSandbox01/admin/Onboarding/"+ids[2], "")
	if detail["_completed_at"] != "2026-11-30T09:02:00Z" || detail["_status"] != Completed {
		t.Fatalf("the detail keeps _completed_at: %v", detail)
	}
	if status, _, _ := call(t, s, "GET", "/process/2/AcSandbox01/admin/Onboarding/item?page_size=5000", ""); status != 400 {
		t.Fatalf("page size beyond the maximum: %d", status)
	}
}

// An admin's saved view filters the list unless apply_preference=false.
func TestSavedViewFiltersWithoutApplyPreferenceFalse(t *testing.T) {
	s := newTestServer(t, Options{SavedViewStatus: InProgress})
	s.Account.AddItem("Onboarding", InProgress, nil, time.Time{})
	s.Account.AddItem("Onboarding", Completed, nil, time.Time{})
	_, body, _ := call(t, s, "GET", "/process/2/AcSandbox01/admin/Onboarding/item", "")
	if body["Count"] != float64(1) {
		t.Fatalf("saved view applies by default: %v", body)
	}
	_, body, _ = call(t, s, "GET", "/process/2/AcSandbox01/admin/Onboarding/item?apply_preference=false", "")
	if body["Count"] != float64(2) {
		t.Fatalf("apply_preference=false lists all: %v", body)
	}
}

func TestPartialUpdateAndComplete(t *testing.T) {
	s := newTestServer(t, Options{})
	it, _ := s.Account.AddItem("Onboarding", InProgress, map[string]any{"First_Name": "Ada", "Email": "ada@acme.com"}, time.Time{})
	status, body, _ := call(t, s, "PUT", "/process/2/AcSandbox01/admin/Onboarding/"+it.ID, `{"Okta_User_ID": "00u1"}`)
	if status != 200 || body["Okta_User_ID"] != "00u1" || body["First_Name"] != "Ada" {
		t.Fatalf("partial update: %d %v", status, body)
	}
	for _, bad := range []string{`{"_status": "Completed"}`, `{"Colour": "red"}`, `[1]`} {
		if status, _, _ := call(t, s, "PUT", "/process/2/AcSandbox01/admin/Onboarding/"+it.ID, bad); status != 400 {
			t.Fatalf("%s: %d", bad, status)
		}
	}
	done, err := s.Account.Complete("Onboarding", it.ID)
	if err != nil || done.Status != Completed || done.CompletedAt.IsZero() {
		t.Fatalf("complete: %+v %v", done, err)
	}
	if _, err := s.Account.Complete("Onboarding", it.ID); err == nil || !strings.Contains(err.Error(), "already") {
		t.Fatalf("completing twice: %v", err)
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{RateLimit: 3, Now: func() time.Time { return now }})
	for range 3 {
		if status, _, _ := call(t, s, "GET", "/user/2/AcSandbox01/", ""); status != 200 {
			t.Fatalf("within the limit: %d", status)
		}
	}
	status, body, h := call(t, s, "GET", "/user/2/AcSandbox01/", "")
	if status != 429 || h.Get("Retry-After") != "60" || body["error_code"] != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("over the limit: %d %v %v", status, h, body)
	}
	now = now.Add(61 * time.Second)
	if status, _, _ := call(t, s, "GET", "/user/2/AcSandbox01/", ""); status != 200 {
		t.Fatalf("after the window: %d", status)
	}
}

func TestSaveAndLoad(t *testing.T) {
	s := newTestServer(t, Options{AccountID: "AcAcme"})
	it, _ := s.Account.AddItem("Onboarding", Completed, map[string]any{"First_Name": "Ada"}, time.Time{})
	var buf bytes.Buffer
	if err := s.Account.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "ksecret") {
		t.Fatal("the key is in the file")
	}
	a, err := LoadAccount(&buf, Options{AccessKeyID: "kid", AccessKeySecret: "ksecret"})
	if err != nil {
		t.Fatal(err)
	}
	pid, got, err := a.FindItem(it.ID)
	if err != nil || pid != "Onboarding" || got.Status != Completed || got.Values["First_Name"] != "Ada" || !got.CompletedAt.Equal(it.CompletedAt) {
		t.Fatalf("loaded: %s %+v %v", pid, got, err)
	}
	if _, err := LoadAccount(strings.NewReader(`{"version": 9}`), Options{}); err == nil {
		t.Fatal("a file of another version must be refused")
	}
}
