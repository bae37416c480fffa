package console

import (
	"fmt"
	"net"
	"path"
	"strings"
	"time"

	shlex "github.com/anmitsu/go-shlex"
)

// keyOptions are the authorized_keys options of one key line, as the
// console honours them. An option the console cannot honour refuses the
// whole line (see parseKeyOptions): a restriction is never dropped in
// silence.
type keyOptions struct {
	// from is the from="pattern-list" option: the client's address must
	// match a pattern and no negated one (nil: any address).
	from []string
	// command is the command="..." option, split into arguments: it runs
	// instead of whatever the client asked for, with or without a terminal.
	command []string
	// noPTY refuses a terminal (no-pty, or restrict without pty): the
	// session gets no app, only commands.
	noPTY bool
	// noTouch is no-touch-required: a FIDO key's signature may come without
	// user presence.
	noTouch bool
	// expires is expiry-time: the key is refused from then on, and sessions
	// opened with it are closed (zero: never).
	expires time.Time
}

// Options the console accepts because it already does what they ask: it
// never forwards ports, agents or X11 and runs no rc files.
var alwaysTrue = map[string]bool{
	"no-port-forwarding": true, "no-agent-forwarding": true, "no-x11-forwarding": true, "no-user-rc": true,
	"permitopen": true, "permitlisten": true, // restrict forwarding further; there is none at all
}

// Options the console refuses, with what to do instead.
var refused = map[string]string{
	"cert-authority":   "SSH certificates are not supported; list each user's own public key",
	"principals":       "SSH certificates are not supported; list each user's own public key",
	"environment":      "the console sets no environment for a session; remove the option",
	"tunnel":           "the console offers no tunnel devices; remove the option",
	"port-forwarding":  "the console never forwards ports; remove the option",
	"agent-forwarding": "the console never forwards an agent; remove the option",
	"x11-forwarding":   "the console never forwards X11; remove the option",
	"user-rc":          "the console runs no rc file; remove the option",
	"verify-required":  "FIDO user verification (PIN) cannot be checked by the console; remove the option",
}

// parseKeyOptions reads the options of one authorized_keys line; expiry is
// checked when the key is used.
func parseKeyOptions(opts []string) (keyOptions, error) {
	var o keyOptions
	for _, raw := range opts {
		name, value, hasValue := strings.Cut(raw, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if hasValue {
			v, err := unquoteOption(value)
			if err != nil {
				return o, fmt.Errorf("option %s: %v", name, err)
			}
			value = v
		}
		switch {
		case name == "restrict":
			o.noPTY = true
		case name == "no-pty":
			o.noPTY = true
		case name == "pty":
			o.noPTY = false
		case name == "no-touch-required":
			o.noTouch = true
		case name == "from" && hasValue:
			pats, err := parseFrom(value)
			if err != nil {
				return o, err
			}
			o.from = pats
		case name == "command" && hasValue:
			args, err := shlex.Split(value, true)
			if err != nil {
				return o, fmt.Errorf("command=%q cannot be split into arguments: %v", value, err)
			}
			if len(args) == 0 {
				return o, fmt.Errorf(`command="" is empty; give the oktaflow command the key may run, e.g. command="runs --json"`)
			}
			o.command = args
		case name == "expiry-time" && hasValue:
			t, err := parseExpiry(value)
			if err != nil {
				return o, err
			}
			o.expires = t
		case alwaysTrue[name]:
		case refused[name] != "":
			return o, fmt.Errorf("option %s is not supported: %s", name, refused[name])
		default:
			return o, fmt.Errorf("option %q is not one the console knows; it honours from=, command=, expiry-time=, restrict, pty, no-pty, no-touch-required and the no-*-forwarding options", raw)
		}
	}
	return o, nil
}

// unquoteOption takes the value of name="value" as OpenSSH writes it: in
// double quotes, with \" for a quote inside.
func unquoteOption(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", fmt.Errorf("the value must be in double quotes")
	}
	return strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`), nil
}

// parseFrom checks a from= pattern list: comma-separated host patterns with
// * and ?, CIDR blocks, each optionally negated with !.
func parseFrom(list string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		bare := strings.TrimPrefix(p, "!")
		if bare == "" {
			return nil, fmt.Errorf("from=%q has an empty pattern", list)
		}
		if strings.Contains(bare, "/") {
			if _, _, err := net.ParseCIDR(bare); err != nil {
				return nil, fmt.Errorf("from=%q: %q is not a CIDR block like 10.0.0.0/8", list, bare)
			}
		} else if _, err := path.Match(bare, ""); err != nil {
			return nil, fmt.Errorf("from=%q: bad pattern %q", list, bare)
		}
		out = append(out, p)
	}
	return out, nil
}

// allowsFrom reports whether a client address passes from=: no negated
// pattern matches it, and some positive one does. Host names are not
// looked up (as OpenSSH with UseDNS no): patterns match the address.
func (o keyOptions) allowsFrom(addr net.Addr) bool {
	if o.from == nil {
		return true
	}
	ip := hostIP(addr)
	if ip == nil {
		return false
	}
	ok := false
	for _, p := range o.from {
		neg := strings.HasPrefix(p, "!")
		if matchAddr(strings.TrimPrefix(p, "!"), ip) {
			if neg {
				return false
			}
			ok = true
		}
	}
	return ok
}

func matchAddr(pattern string, ip net.IP) bool {
	if strings.Contains(pattern, "/") {
		_, block, err := net.ParseCIDR(pattern)
		return err == nil && block.Contains(ip)
	}
	m, err := path.Match(pattern, ip.String())
	return err == nil && m
}

// hostIP is the IP of a TCP address (nil for anything else).
func hostIP(addr net.Addr) net.IP {
	if addr == nil {
		return nil
	}
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return nil
	}
	return net.ParseIP(host)
}

// parseExpiry reads expiry-time="YYYYMMDD[HHMM[SS]][Z]": local time, or
// UTC with a trailing Z, as OpenSSH reads it.
func parseExpiry(v string) (time.Time, error) {
	loc := time.Local
	s := v
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		loc, s = time.UTC, s[:len(s)-1]
	}
	for _, layout := range []string{"20060102", "200601021504", "20060102150405"} {
		if len(s) == len(layout) {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("expiry-time=%q is not a time like 20261231 or 202612311800 (add Z for UTC)", v)
}

// expired reports whether the key may no longer be used at now.
func (o keyOptions) expired(now time.Time) bool {
	return !o.expires.IsZero() && !now.Before(o.expires)
}
