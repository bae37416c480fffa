package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// serveState is what `oktaflow serve` writes beside the database when it
// starts (path+".serve", 0600): where it really listens, so that hints of
// other commands name those addresses, and so that a command refused
// because serve holds the database can say how to reach it instead. It is
// left in place when serve stops: it then says where serve listened last.
type serveState struct {
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	HTTP    string    `json:"http,omitempty"` // http(s)://host:port of the webhook listener
	SSH     string    `json:"ssh,omitempty"`  // host:port of the SSH console
	HostKey string    `json:"hostKeyFingerprint,omitempty"`
}

func serveStatePath(dbPath string) string { return dbPath + ".serve" }

// writeServeState records where serve listens (atomically).
func writeServeState(dbPath string, st serveState) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dbPath), filepath.Base(dbPath)+".serve-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), serveStatePath(dbPath))
}

// readServeState reads what serve last wrote (ok false when nothing is
// there, or it cannot be read).
func readServeState(dbPath string) (serveState, bool) {
	data, err := os.ReadFile(serveStatePath(dbPath))
	if err != nil {
		return serveState{}, false
	}
	var st serveState
	if json.Unmarshal(data, &st) != nil {
		return serveState{}, false
	}
	return st, true
}

// running reports whether the serve that wrote the state still runs.
func (st serveState) running() bool {
	if st.PID <= 0 {
		return false
	}
	p, err := os.FindProcess(st.PID)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}

// sshCommand is the OpenSSH command line that reaches serve's console from
// this machine: `ssh -p 23234 127.0.0.1` (a wildcard address becomes
// localhost).
func (st serveState) sshCommand() string {
	host, port, err := net.SplitHostPort(st.SSH)
	if err != nil {
		return "ssh " + st.SSH
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return fmt.Sprintf("ssh -p %s %s", port, host)
}

// lockedError is a local command refused because a running oktaflow holds
// the database; it says what to do instead and matches storage.ErrLocked.
type lockedError struct {
	msg string
	err error
}

func (e *lockedError) Error() string { return e.msg }
func (e *lockedError) Unwrap() error { return e.err }

// lockedHint explains a locked database: which oktaflow holds it, and how
// to run the command through it (the SSH console of serve, at the address
// it really listens on) or, for a command that needs the file to itself
// (local), what to stop first.
func lockedHint(dbPath string, err error, local bool) error {
	st, ok := readServeState(dbPath)
	if local {
		who := "another oktaflow (serve or the app)"
		if ok && st.running() {
			who = fmt.Sprintf("oktaflow serve (pid %d)", st.PID)
		}
		return &lockedError{err: err, msg: fmt.Sprintf("%s is held by %s; this command needs the file to itself: stop it first", dbPath, who)}
	}
	if !ok || !st.running() {
		return &lockedError{err: err, msg: fmt.Sprintf("%s is open in another oktaflow (the app, most likely): quit it and try again, "+
			"or run the command through oktaflow serve's SSH console", dbPath)}
	}
	if st.SSH == "" {
		return &lockedError{err: err, msg: fmt.Sprintf("%s is held by oktaflow serve (pid %d), which runs without the SSH console; "+
			"give it admin keys (--admin-keys FILE) to run commands and backups through it, or stop it first", dbPath, st.PID)}
	}
	ssh := st.sshCommand()
	return &lockedError{err: err, msg: fmt.Sprintf("%s is held by oktaflow serve (pid %d); run the command through it with an admin key: "+
		"%s <command> (for a backup: %s backup - > FILE)", dbPath, st.PID, ssh, ssh)}
}

// defaultHTTPAddr is where serve and the app listen for webhooks unless told.
const defaultHTTPAddr = "127.0.0.1:8780"

// hookBase is the webhook listener's base URL for hints: the running
// engine's own inside serve (over SSH), else where serve listened last on
// this database, else serve's default. note says which, for the hint.
func (g *globals) hookBase() (url, note string) {
	if g.shared != nil {
		st := g.shared.engine.ListenInfo()
		if st.URL != "" {
			return st.URL, ""
		}
		return "http://" + defaultHTTPAddr, fmt.Sprintf(" (the webhook listener is off: %v)", st.Err)
	}
	if path, err := g.dbPath(); err == nil {
		if st, ok := readServeState(path); ok && st.HTTP != "" {
			return st.HTTP, " (where oktaflow serve listened last)"
		}
	}
	return "http://" + defaultHTTPAddr, " (oktaflow serve's default address; see serve --http-addr)"
}
