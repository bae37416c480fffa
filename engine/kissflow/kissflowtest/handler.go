package kissflowtest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The endpoints (paths after the account's host):
//
//	GET  /process/2/{account_id}/admin/{process_id}/item?page_number=&page_size=&apply_preference=
//	GET  /process/2/{account_id}/admin/{process_id}/{item_id}
//	PUT  /process/2/{account_id}/admin/{process_id}/{item_id}   partial update: only the fields sent
//	GET  /process/2/{account_id}/{process_id}/field
//	GET  /user/2/{account_id}/?page_number=&page_size=
//
// Every request needs X-Access-Key-Id and X-Access-Key-Secret (else 401).
// Errors are {"_id", "error_code", "message"}. Beyond the rate limit a
// request is answered 429 with Retry-After (seconds).

const timeLayout = "2006-01-02T15:04:05Z"

func (a *Account) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d := a.opts.Latency; d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stats.Requests++
	if wait, ok := a.admit(); !ok {
		a.stats.Throttled++
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		a.fail(w, http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", fmt.Sprintf("API rate limit of %d calls per %s exceeded for this account", a.opts.RateLimit, a.opts.RateWindow))
		return
	}
	id, secret := r.Header.Get("X-Access-Key-Id"), r.Header.Get("X-Access-Key-Secret")
	if id == "" || secret == "" || !equal(id, a.opts.AccessKeyID) || !equal(secret, a.opts.AccessKeySecret) {
		a.fail(w, http.StatusUnauthorized, "UNAUTHORIZED", "Invalid access key id or secret")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 3 || parts[1] != "2" || (parts[0] != "process" && parts[0] != "user") {
		a.fail(w, http.StatusNotFound, "NOT_FOUND", "No such API: "+r.URL.Path)
		return
	}
	if parts[2] != a.opts.AccountID {
		a.fail(w, http.StatusNotFound, "ACCOUNT_NOT_FOUND", fmt.Sprintf("Account %s not found", parts[2]))
		return
	}
	rest := parts[3:]
	switch {
	case parts[0] == "user" && len(rest) == 0 && r.Method == http.MethodGet:
		a.listUsers(w, r)
	case parts[0] == "process" && len(rest) == 3 && rest[0] == "admin" && rest[2] == "item":
		a.withProcess(w, r, rest[1], true, a.listItems)
	case parts[0] == "process" && len(rest) == 3 && rest[0] == "admin":
		a.withProcess(w, r, rest[1], true, func(w http.ResponseWriter, r *http.Request, p *Process) { a.item(w, r, p, rest[2]) })
	case parts[0] == "process" && len(rest) == 2 && rest[1] == "field" && r.Method == http.MethodGet:
		a.withProcess(w, r, rest[0], false, a.listFields)
	default:
		a.fail(w, http.StatusNotFound, "NOT_FOUND", "No such API: "+r.Method+" "+r.URL.Path)
	}
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// admit counts a call against the rate limit, or says how long until one fits.
func (a *Account) admit() (time.Duration, bool) {
	if a.opts.RateLimit < 0 {
		return 0, true
	}
	now := a.opts.Now()
	cut := now.Add(-a.opts.RateWindow)
	i := 0
	for i < len(a.calls) && !a.calls[i].After(cut) {
		i++
	}
	a.calls = a.calls[i:]
	if len(a.calls) >= a.opts.RateLimit {
		return a.calls[0].Add(a.opts.RateWindow).Sub(now), false
	}
	a.calls = append(a.calls, now)
	return 0, true
}

func (a *Account) fail(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"_id": a.newErrorID(), "error_code": code, "message": msg})
}

func (a *Account) newErrorID() string {
	b := make([]byte, 12)
	for i := range b {
		b[i] = idAlphabet[a.rnd.IntN(len(idAlphabet))]
	}
	return "Er" + string(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *Account) withProcess(w http.ResponseWriter, r *http.Request, id string, admin bool, next func(http.ResponseWriter, *http.Request, *Process)) {
	p, ok := a.processes[id]
	if !ok {
		a.fail(w, http.StatusNotFound, "PROCESS_NOT_FOUND", fmt.Sprintf("Process %s not found", id))
		return
	}
	if admin && slices.Contains(a.opts.NotAdminOf, id) {
		a.fail(w, http.StatusForbidden, "FORBIDDEN", fmt.Sprintf("You need the Process Admin permission on %s", id))
		return
	}
	next(w, r, p)
}

func (a *Account) listItems(w http.ResponseWriter, r *http.Request, p *Process) {
	if r.Method != http.MethodGet {
		a.fail(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", r.Method+" is not allowed here")
		return
	}
	page, size, ok := a.paging(w, r)
	if !ok {
		return
	}
	a.stats.Lists++
	items := a.sorted(p)
	if a.opts.SavedViewStatus != "" && r.URL.Query().Get("apply_preference") != "false" {
		items = slices.DeleteFunc(items, func(it *Item) bool { return it.Status != a.opts.SavedViewStatus })
	}
	data := []map[string]any{}
	for i := (page - 1) * size; i < page*size && i < len(items); i++ {
		m := itemJSON(items[i])
		if a.opts.ListOmitsCompletedAt {
			delete(m, "_completed_at")
		}
		data = append(data, m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"Data": data, "Count": len(items)})
}

func (a *Account) paging(w http.ResponseWriter, r *http.Request) (page, size int, ok bool) {
	q := r.URL.Query()
	page, size = 1, 50
	var err error
	if v := q.Get("page_number"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			a.fail(w, http.StatusBadRequest, "INVALID_PAGE_NUMBER", "page_number must be a positive integer")
			return 0, 0, false
		}
	}
	if v := q.Get("page_size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > a.opts.MaxPageSize {
			a.fail(w, http.StatusBadRequest, "INVALID_PAGE_SIZE", fmt.Sprintf("page_size must be an integer from 1 to %d", a.opts.MaxPageSize))
			return 0, 0, false
		}
	}
	return page, size, true
}

func (a *Account) item(w http.ResponseWriter, r *http.Request, p *Process, itemID string) {
	var it *Item
	for _, x := range p.items {
		if x.ID == itemID {
			it = x
		}
	}
	if it == nil {
		a.fail(w, http.StatusNotFound, "ITEM_NOT_FOUND", fmt.Sprintf("Item %s not found in %s", itemID, p.ID))
		return
	}
	switch r.Method {
	case http.MethodGet:
		a.stats.Details++
		writeJSON(w, http.StatusOK, itemJSON(it))
	case http.MethodPut:
		a.update(w, r, p, it)
	default:
		a.fail(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", r.Method+" is not allowed here")
	}
}

// update is a partial update: the form fields sent change, the others stay.
func (a *Account) update(w http.ResponseWriter, r *http.Request, p *Process, it *Item) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		a.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "could not read the body")
		return
	}
	var fields map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		a.fail(w, http.StatusBadRequest, "INVALID_JSON", "the body must be a JSON object of field ids and values")
		return
	}
	for k := range fields {
		if strings.HasPrefix(k, "_") {
			a.fail(w, http.StatusBadRequest, "READ_ONLY_FIELD", fmt.Sprintf("%s is a system field and cannot be updated", k))
			return
		}
		if !slices.ContainsFunc(p.Fields, func(f Field) bool { return f.ID == k }) {
			a.fail(w, http.StatusBadRequest, "INVALID_FIELD", fmt.Sprintf("%s is not a field of %s", k, p.ID))
			return
		}
	}
	a.stats.Updates++
	for k, v := range fields {
		it.Values[k] = v
	}
	it.ModifiedAt = a.opts.Now().UTC().Truncate(time.Second)
	a.changed()
	writeJSON(w, http.StatusOK, itemJSON(it))
}

func (a *Account) listFields(w http.ResponseWriter, _ *http.Request, p *Process) {
	out := make([]map[string]any, len(p.Fields))
	for i, f := range p.Fields {
		out[i] = map[string]any{"Id": f.ID, "Name": f.Name, "Type": f.Type, "Required": f.Required}
	}
	writeJSON(w, http.StatusOK, map[string]any{"Data": out})
}

func (a *Account) listUsers(w http.ResponseWriter, r *http.Request) {
	page, size, ok := a.paging(w, r)
	if !ok {
		return
	}
	data := []map[string]any{}
	for i := (page - 1) * size; i < page*size && i < len(a.users); i++ {
		data = append(data, map[string]any{"_id": fmt.Sprintf("Us%03d", i+1), "Name": a.users[i], "Kind": "User", "Status": "Active"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"Data": data, "Count": len(a.users)})
}

// itemJSON is an item as the API shows it: system fields, then form fields.
func itemJSON(it *Item) map[string]any {
	m := make(map[string]any, len(it.Values)+6)
	for k, v := range it.Values {
		m[k] = v
	}
	m["_id"] = it.ID
	m["_status"] = it.Status
	m["_created_at"] = it.CreatedAt.UTC().Format(timeLayout)
	m["_modified_at"] = it.ModifiedAt.UTC().Format(timeLayout)
	m["_created_by"] = map[string]any{"_id": "Us001", "Name": it.CreatedBy}
	if !it.CompletedAt.IsZero() {
		m["_completed_at"] = it.CompletedAt.UTC().Format(timeLayout)
	}
	return m
}
