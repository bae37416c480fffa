package trigger

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

// Every form that reaches a refused network is refused, at save and at
// connect time: IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4,
// Teredo), the local-use NAT64 prefix, and the IPv4 and IPv6 ranges that
// are not the public internet.
func TestAddressPolicyRefusesEveryForm(t *testing.T) {
	refused := []string{
		"127.0.0.1", "10.0.0.5", "169.254.169.254", "100.64.0.1", "0.1.2.3", "0.0.0.0",
		"198.18.0.1", "198.19.255.255", "240.0.0.1", "255.255.255.255", "192.0.0.8", "192.0.2.1",
		"::1", "::", "fe80::1", "fc00::1", "fec0::1", "ff02::1",
		"::ffff:169.254.169.254", "::ffff:127.0.0.1",
		"::7f00:1", "::a00:5", // IPv4-compatible
		"64:ff9b::a00:5", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", // NAT64 of private, loopback, metadata
		"64:ff9b:1::5db8:d822",           // local-use NAT64: translates into the local network
		"2002:7f00:1::", "2002:a00:5::1", // 6to4
		"2001:0:4136:e378:8000:63bf:f5ff:fffe", // Teredo, client 10.0.0.1
	}
	for _, s := range refused {
		a := netip.MustParseAddr(s)
		var ae *AddressError
		if err := checkAddr(a.Unmap(), s); !errors.As(err, &ae) {
			t.Errorf("%s allowed", s)
		}
		url := "http://[" + s + "]/x"
		if a.Unmap().Is4() {
			url = "http://" + a.Unmap().String() + "/x"
		}
		if err := CheckURLPolicy(context.Background(), url, false); err == nil {
			t.Errorf("CheckURLPolicy(%s) allowed", url)
		}
	}
	for _, u := range []string{"http://2852039166/", "http://0xa9.0xfe.0xa9.0xfe/", "http://[::ffff:a9fe:a9fe]/", "http://0177.0.0.1/"} {
		if err := CheckURLPolicy(context.Background(), u, false); err == nil {
			t.Errorf("CheckURLPolicy(%s) allowed", u)
		}
	}
	allowed := []string{"93.184.216.34", "8.8.8.8", "2606:4700::1", "64:ff9b::5db8:d822", "2002:5db8:d822::1", "198.20.0.1", "223.255.255.1"}
	for _, s := range allowed {
		if err := checkAddr(netip.MustParseAddr(s), s); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
	}
}
