package kissflowtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"time"
)

// Server serves an Account on a local address.
type Server struct {
	URL     string // http://127.0.0.1:port
	Account *Account
	srv     *http.Server
	ln      net.Listener
}

// StartServer serves a on addr ("127.0.0.1:0" for a free port).
func StartServer(addr string, a *Account) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Account: a, ln: ln,
		srv: &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// NewServer starts a new account on a free loopback port (tests).
func NewServer(opts Options) *Server {
	s, err := StartServer("127.0.0.1:0", NewAccount(opts))
	if err != nil {
		panic(fmt.Sprintf("kissflowtest: %v", err))
	}
	return s
}

// Close stops the server at once.
func (s *Server) Close() error { return s.srv.Close() }

// Shutdown stops the server, letting requests in flight finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// saved is an account's state in its file. The access key is not in it:
// whoever loads the file gives the key in Options.
type saved struct {
	Version   int            `json:"version"`
	AccountID string         `json:"accountId"`
	Users     []string       `json:"users"`
	Processes []savedProcess `json:"processes"`
}

type savedProcess struct {
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Fields []Field     `json:"fields"`
	Items  []savedItem `json:"items"`
}

type savedItem struct {
	ID          string         `json:"id"`
	Status      string         `json:"status"`
	CreatedAt   time.Time      `json:"createdAt"`
	ModifiedAt  time.Time      `json:"modifiedAt"`
	CompletedAt time.Time      `json:"completedAt,omitzero"`
	CreatedBy   string         `json:"createdBy"`
	Values      map[string]any `json:"values"`
}

// Save writes the account's processes and items as JSON (never its key).
func (a *Account) Save(w io.Writer) error {
	a.mu.Lock()
	st := saved{Version: 1, AccountID: a.opts.AccountID, Users: slices.Clone(a.users)}
	for _, id := range a.order {
		p := a.processes[id]
		sp := savedProcess{ID: p.ID, Name: p.Name, Fields: slices.Clone(p.Fields)}
		for _, it := range p.items {
			c := copyItem(it)
			sp.Items = append(sp.Items, savedItem{ID: c.ID, Status: c.Status, CreatedAt: c.CreatedAt, ModifiedAt: c.ModifiedAt,
				CompletedAt: c.CompletedAt, CreatedBy: c.CreatedBy, Values: c.Values})
		}
		st.Processes = append(st.Processes, sp)
	}
	a.mu.Unlock()
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(st)
}

// LoadAccount reads an account saved by Save; opts gives the key and the
// rest (its AccountID, when set, must match the file's).
func LoadAccount(r io.Reader, opts Options) (*Account, error) {
	var st saved
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("read the saved Kissflow account: %w", err)
	}
	if st.Version != 1 {
		return nil, fmt.Errorf("the saved Kissflow account has version %d; this build reads version 1", st.Version)
	}
	if st.AccountID == "" {
		return nil, errors.New("the saved Kissflow account has no account id")
	}
	if opts.AccountID != "" && opts.AccountID != st.AccountID {
		return nil, fmt.Errorf("the saved Kissflow account is %s, not %s", st.AccountID, opts.AccountID)
	}
	opts.AccountID = st.AccountID
	a := NewAccount(opts)
	if len(st.Users) > 0 {
		a.users = st.Users
	}
	for _, sp := range st.Processes {
		if sp.ID == "" || a.processes[sp.ID] != nil {
			return nil, fmt.Errorf("the saved Kissflow account has a process without an id, or twice: %q", sp.ID)
		}
		p := &Process{ID: sp.ID, Name: sp.Name, Fields: sp.Fields}
		for _, si := range sp.Items {
			if si.ID == "" || a.ids[si.ID] || !validStatus(si.Status) {
				return nil, fmt.Errorf("the saved Kissflow account has a bad item in %s: id %q, state %q", sp.ID, si.ID, si.Status)
			}
			a.ids[si.ID] = true
			values := si.Values
			if values == nil {
				values = map[string]any{}
			}
			p.items = append(p.items, &Item{ID: si.ID, Status: si.Status, CreatedAt: si.CreatedAt, ModifiedAt: si.ModifiedAt,
				CompletedAt: si.CompletedAt, CreatedBy: si.CreatedBy, Values: values})
		}
		a.processes[p.ID] = p
		a.order = append(a.order, p.ID)
	}
	return a, nil
}
