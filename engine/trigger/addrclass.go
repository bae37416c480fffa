package trigger

import (
	"fmt"
	"net"
	"net/netip"
)

// AddressError says why an address is refused.
type AddressError struct {
	Host  string // as written in the URL
	Addr  netip.Addr
	Class string // "loopback", "private", "link-local", ...
}

func (e *AddressError) Error() string {
	what := e.Host
	if e.Addr.IsValid() && e.Addr.String() != e.Host {
		what = fmt.Sprintf("%s (%s)", e.Host, e.Addr)
	}
	return fmt.Sprintf("%s is a %s address: triggers and steps may not reach loopback, link-local or private networks unless oktaflow is started with --allow-private-addresses (or OKTAFLOW_ALLOW_PRIVATE_ADDRESSES=1)", what, e.Class)
}

// Permanent says that the refusal stands however often the address is
// tried: clients (the Kissflow client) do not retry it.
func (e *AddressError) Permanent() bool { return true }

// checkIP refuses the addresses a trigger or step may not reach.
func checkIP(ip net.IP) error {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return &AddressError{Host: fmt.Sprint(ip), Class: "malformed"}
	}
	return checkAddr(a.Unmap(), a.String())
}

// checkAddr refuses a, written host in the URL, when it is not an address
// of the public internet. An IPv6 address that carries an IPv4 address the
// network will deliver to (IPv4-mapped, IPv4-compatible, NAT64's
// well-known prefix, 6to4, Teredo's client) is judged by that IPv4
// address too: 64:ff9b::7f00:1 reaches 127.0.0.1 through a NAT64 gateway.
func checkAddr(a netip.Addr, host string) error {
	a = a.Unmap()
	if class := addrClass(a); class != "" {
		return &AddressError{Host: host, Addr: a, Class: class}
	}
	if v4, form, ok := embeddedIPv4(a); ok {
		if class := addrClass(v4); class != "" {
			return &AddressError{Host: host, Addr: a, Class: fmt.Sprintf("%s (%s, %s)", class, form, v4)}
		}
	}
	return nil
}

// refusedNets are the ranges, beyond those netip classifies, that are not
// the public internet (IANA special-purpose registries, RFC 6890).
var refusedNets = []struct {
	prefix netip.Prefix
	class  string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "private"}, // shared address space of carrier-grade NAT (RFC 6598)
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"}, // IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},     // RFC 2544: lab networks
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},           // and 255.255.255.255, the broadcast address
	{netip.MustParsePrefix("fec0::/10"), "site-local"},           // deprecated, still routed inside some sites
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"}, // RFC 8215: translates into the local network
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
}

// addrClass names what kind of non-public address a is, or "".
func addrClass(a netip.Addr) string {
	switch {
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsPrivate():
		return "private"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, n := range refusedNets {
		if n.prefix.Contains(a) {
			return n.class
		}
	}
	return ""
}

var (
	ipv4Compatible = netip.MustParsePrefix("::/96")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	teredo         = netip.MustParsePrefix("2001::/32")
)

// embeddedIPv4 returns the IPv4 address an IPv6 address carries and the
// form that carries it.
func embeddedIPv4(a netip.Addr) (netip.Addr, string, bool) {
	if !a.Is6() {
		return netip.Addr{}, "", false
	}
	b := a.As16()
	last := [4]byte{b[12], b[13], b[14], b[15]}
	switch {
	case ipv4Compatible.Contains(a):
		return netip.AddrFrom4(last), "IPv4-compatible", true
	case nat64.Contains(a):
		return netip.AddrFrom4(last), "NAT64", true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), "6to4", true
	case teredo.Contains(a): // the client's address, obfuscated by inverting its bits
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), "Teredo", true
	}
	return netip.Addr{}, "", false
}
