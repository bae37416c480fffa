package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// Where a trigger may read from. Whoever may save an integration (an admin,
// maybe over SSH) must not be able to make the server read a file or call an
// address of their choosing:
//
//   - A CSV trigger's path must sit in the feeds folder (Options.FeedsDir,
//     default "feeds" beside the database), checked after resolving "..",
//     and symbolic links as far as the path exists. A relative path is taken
//     inside the feeds folder and saved as the full path.
//   - An http_poll URL to a loopback, link-local, private, shared (CGNAT) or
//     unspecified address, or to "localhost", needs Options.AllowPrivateAddresses.
//     This is checked at save, on the URL as typed (literal addresses in any
//     notation); a name that resolves to such an address is the trigger's
//     dialer's to refuse, when it connects.
//
// Both are checked wherever a trigger is about to be saved or read: in
// ValidateIntegration (save, import, switch ON, test) and before a sample.

// FeedsDir is the folder CSV trigger paths must sit in.
func (e *Engine) FeedsDir() string {
	if e.opts.FeedsDir != "" {
		if abs, err := filepath.Abs(e.opts.FeedsDir); err == nil {
			return abs
		}
		return e.opts.FeedsDir
	}
	dir, err := filepath.Abs(filepath.Dir(e.store.Path()))
	if err != nil {
		dir = filepath.Dir(e.store.Path())
	}
	return filepath.Join(dir, "feeds")
}

// checkSources returns the source policy's problems with a trigger.
func (e *Engine) checkSources(t storage.Trigger) []*Problem {
	var ps []*Problem
	switch t.Type {
	case trigger.CSV:
		if p, ok := t.Config["path"].(string); ok && strings.TrimSpace(p) != "" {
			if _, err := e.feedPath(p); err != nil {
				ps = append(ps, &Problem{Path: "trigger.config.path", Msg: err.Error()})
			}
		}
	case trigger.HTTPPoll:
		if u, ok := t.Config["url"].(string); ok && strings.TrimSpace(u) != "" && !e.opts.AllowPrivateAddresses {
			if why := privateURL(u); why != "" {
				ps = append(ps, &Problem{Path: "trigger.config.url", Msg: why +
					"; polling private addresses needs an explicit allow: start oktaflow serve with --allow-private-addresses"})
			}
		}
	}
	return ps
}

// sourceError is checkSources as one error (nil when there is no problem).
func (e *Engine) sourceError(t storage.Trigger) error {
	ps := e.checkSources(t)
	if len(ps) == 0 {
		return nil
	}
	return Problems(ps)
}

// feedPath resolves a CSV trigger path and checks that it sits in the feeds
// folder; it returns the full path.
func (e *Engine) feedPath(p string) (string, error) {
	feeds := e.FeedsDir()
	full := filepath.Clean(p)
	if !filepath.IsAbs(full) {
		full = filepath.Join(feeds, full)
	}
	outside := fmt.Errorf("%s is outside the feeds folder %s: put the file (or folder) there, or start oktaflow with --feeds-dir naming the folder that holds it", p, feeds)
	if !within(feeds, full) {
		return "", outside
	}
	// Links: compare the real locations, as far as the path exists.
	realFeeds, err := filepath.EvalSymlinks(feeds)
	if err != nil {
		return full, nil // no feeds folder yet: nothing in it can be a link
	}
	if real, err := evalExisting(full); err != nil || !within(realFeeds, real) {
		return "", outside
	}
	return full, nil
}

// evalExisting resolves the links of the longest part of path that exists
// and appends the rest.
func evalExisting(path string) (string, error) {
	rest := ""
	for p := path; ; p = filepath.Dir(p) {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if parent := filepath.Dir(p); parent == p {
			return path, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// within reports whether path is dir or inside it (both clean and absolute).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// privateURL says why a URL reaches a private address, or "".
func privateURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Hostname() == "" {
		return "" // not a URL: trigger.Validate says so
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Sprintf("%s is this machine (loopback)", u.Host)
	}
	addr, ok := hostAddr(host)
	if !ok {
		return ""
	}
	if kind := privateKind(addr); kind != "" {
		return fmt.Sprintf("%s is a %s address", u.Host, kind)
	}
	return ""
}

// hostAddr parses a literal address, also in the forms that resolvers take
// for IPv4 (one number, hex or octal parts: 2130706433, 0x7f.1, 0177.0.0.1).
func hostAddr(host string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), true
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 0, 32) // 0x.. hex, 0.. octal, else decimal
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	// a.b.c.d; a.b.c (c fills 16 bits); a.b (b fills 24 bits); a (32 bits)
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (24 - 8*i)
	}
	last := nums[len(nums)-1]
	if last >= 1<<(32-8*(len(nums)-1)) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// privateKind names the kind of a non-public address, or "".
func privateKind(a netip.Addr) string {
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsPrivate():
		return "private"
	case a.IsUnspecified():
		return "unspecified (this machine)"
	case cgnat.Contains(a):
		return "shared (carrier-grade NAT)"
	}
	return ""
}

// Sealed http_poll settings. Every header value, and the value of every
// query parameter that looks like a credential (secretParam), is moved into
// the trigger's Secrets (sealed at rest, never exported, masked for
// viewers) under "headers.<Name>" and "query.<name>". The plain config keeps
// the header names (with empty values) and the URL with those parameters
// empty, so that show and export say what is set without what it is, and
// triggerConfig puts the values back for the poller alone.
const (
	headerSecretPrefix = "headers."
	querySecretPrefix  = "query."
)

// sealHTTPPoll moves an http_poll trigger's header values and secret query
// values into Secrets. A blank value keeps the sealed one (the editor shows
// blanks); a header or parameter no longer listed drops its secret.
func sealHTTPPoll(t *storage.Trigger) {
	if t.Secrets == nil {
		t.Secrets = map[string]storage.Secret{}
	}
	keep := map[string]bool{}
	if _, ok := t.Config["headers"]; ok {
		names := map[string]any{}
		for name, v := range (trigger.Config{Values: t.Config}).Map("headers") {
			names[name] = ""
			keep[headerSecretPrefix+name] = true
			if v != "" {
				t.Secrets[headerSecretPrefix+name] = storage.Secret(v)
			}
		}
		t.Config["headers"] = names
		if len(names) == 0 {
			delete(t.Config, "headers")
		}
	}
	if raw, ok := t.Config["url"].(string); ok {
		if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.RawQuery != "" {
			parts := strings.Split(u.RawQuery, "&")
			for i, part := range parts {
				rawName, rawValue, _ := strings.Cut(part, "=")
				name, err1 := url.QueryUnescape(rawName)
				value, err2 := url.QueryUnescape(rawValue)
				if err1 != nil || err2 != nil || !secretParam(name) {
					continue
				}
				keep[querySecretPrefix+name] = true
				if value != "" {
					t.Secrets[querySecretPrefix+name] = storage.Secret(value)
				}
				parts[i] = rawName + "="
			}
			u.RawQuery = strings.Join(parts, "&")
			t.Config["url"] = u.String()
		}
	}
	for k := range t.Secrets {
		if (strings.HasPrefix(k, headerSecretPrefix) || strings.HasPrefix(k, querySecretPrefix)) && !keep[k] {
			delete(t.Secrets, k)
		}
	}
}

// unsealHTTPPoll is the plain config the poller needs: sealed header
// values and query values put back. The secrets map it is given loses the
// keys it used.
func unsealHTTPPoll(config map[string]any, secrets map[string]string) map[string]any {
	out := make(map[string]any, len(config))
	for k, v := range config {
		out[k] = v
	}
	headers := map[string]any{}
	for name, v := range (trigger.Config{Values: config}).Map("headers") {
		headers[name] = v
	}
	for k, v := range secrets {
		if name, ok := strings.CutPrefix(k, headerSecretPrefix); ok {
			headers[name] = v
			delete(secrets, k)
		}
	}
	if len(headers) > 0 {
		out["headers"] = headers
	}
	raw, _ := config["url"].(string)
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.RawQuery == "" {
		return out
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, part := range parts {
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(rawName)
		if v, ok := secrets[querySecretPrefix+name]; ok && err == nil && rawValue == "" {
			parts[i] = rawName + "=" + url.QueryEscape(v)
		}
	}
	for k := range secrets {
		if strings.HasPrefix(k, querySecretPrefix) {
			delete(secrets, k)
		}
	}
	u.RawQuery = strings.Join(parts, "&")
	out["url"] = u.String()
	return out
}

// secretParam reports whether a query parameter's name looks like it
// carries a credential (api_key, access_token, sig, client_secret, ...).
func secretParam(name string) bool {
	n := strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(name))
	switch n {
	case "key", "sig", "pwd", "pass", "auth", "code", "session", "sessionid", "credential", "credentials", "jwt", "assertion":
		return true
	}
	for _, s := range []string{"token", "secret", "password", "passwd", "apikey", "signature", "accesskey", "privatekey", "authorization"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// harmlessKeys are trigger settings whose change keeps the trigger's
// position: how often and how much it polls, how it authenticates, and
// which items it keeps. Any other change of an ON trigger's settings (its
// type, file, URL, process, account, key column, event types...) is a new
// source, read from now on (saveIntegration): the old position would
// replay the new source's history or skip part of it. A re-baseline skips
// what arrived since the last poll, so these stay out of it.
var harmlessKeys = map[string]bool{
	"poll_interval": true, "page_size": true, "max_pages": true, "filter": true,
	"headers": true, "authorization": true, "secret_query": true, "allow_private": true,
}

// sourceChanged reports whether an edit changes where a pull trigger reads from.
func sourceChanged(old, new storage.Trigger) bool {
	if old.Type != new.Type {
		return true
	}
	if spec, ok := trigger.Lookup(new.Type); !ok || spec.Push {
		return false
	}
	for _, cfg := range []map[string]any{old.Config, new.Config} {
		for k := range cfg {
			if !harmlessKeys[k] && !sameSetting(old.Config[k], new.Config[k]) {
				return true
			}
		}
	}
	return false
}

// sameSetting compares two settings as JSON (a form's "50" and a
// document's 50 are different settings; 50 and 50.0 are not).
func sameSetting(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// withPollerStopped runs fn while the integration's poll loop is stopped
// and kept from starting (the pollers' lock is held), so that a poll of the
// old settings cannot commit its cursor after fn reset it. The caller's
// integrationChanged starts the loop again. (A seam into the pollers: it
// stops a loop exactly as pollers.reconcile does.)
func (e *Engine) withPollerStopped(id string, fn func() error) error {
	p := e.polls
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.running[id]; ok {
		l.cancel()
		<-l.done
		delete(p.running, id)
	}
	return fn()
}
