package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/attest-dev/attest/internal/verification"
)

// MaxURLLength bounds an endpoint URL.
const MaxURLLength = 2048

// Targets decides which URLs attest may send webhooks to. Without
// AllowPrivate only public addresses are reachable over https: a webhook
// URL must not become a way to make attest call into its own network.
type Targets struct {
	AllowPrivate bool
	// Resolver looks names up; nil uses the system's.
	Resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
}

// nonPublic are ranges that are not reachable on the public internet, beyond
// what netip.Addr's own predicates cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may lead to a private IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: may embed a private IPv4 address
}

// Public reports whether addr is a public unicast address.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

func urlErr(code, format string, args ...any) error {
	return &verification.FieldError{Field: "url", Code: code, Message: fmt.Sprintf(format, args...)}
}

func urlRule(code, format string, args ...any) error {
	return &verification.RuleError{Field: "url", Code: code, Message: fmt.Sprintf(format, args...)}
}

// Parse checks the form of an endpoint URL.
func (t Targets) Parse(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, urlErr("required", "url is required")
	}
	if len(raw) > MaxURLLength {
		return nil, urlErr("too_long", "url may be at most %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, urlErr("invalid", "url must be an absolute URL such as https://example.com/attest/webhooks")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && t.AllowPrivate:
	case u.Scheme == "http":
		return nil, urlErr("insecure", "url must use https: events carry freelancer ids and must not travel in the clear")
	default:
		return nil, urlErr("invalid", "url must be an https URL")
	}
	if u.User != nil {
		return nil, urlErr("invalid", "url must not carry a user name or password: verify the signature instead")
	}
	if u.Fragment != "" || strings.HasSuffix(raw, "#") {
		return nil, urlErr("invalid", "url must not have a #fragment")
	}
	return u, nil
}

// Check parses raw and, unless private targets are allowed, resolves its
// host and refuses it when any address it resolves to is not public. The
// dialer checks again at every delivery, since DNS answers change.
func (t Targets) Check(ctx context.Context, raw string) (*url.URL, error) {
	u, err := t.Parse(raw)
	if err != nil || t.AllowPrivate {
		return u, err
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		if !Public(addr) {
			return nil, urlRule("private_target", "url points at %s, which is not a public address", addr)
		}
		return u, nil
	}
	resolver := t.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, urlRule("unresolvable", "the host %s of url could not be resolved", host)
	}
	for _, addr := range addrs {
		if !Public(addr) {
			return nil, urlRule("private_target", "the host %s of url resolves to %s, which is not a public address", host, addr.Unmap())
		}
	}
	return u, nil
}

// errPrivateTarget is returned by the dialer for a non-public address.
var errPrivateTarget = errors.New("refused to connect to a non-public address")

// control is a net.Dialer Control function that refuses connections to
// non-public addresses. It sees the address actually dialed, after name
// resolution, so a name that resolves differently at delivery time (DNS
// rebinding) is still caught.
func (t Targets) control(network, address string, _ syscall.RawConn) error {
	if t.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", errPrivateTarget, address)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("%w: %s", errPrivateTarget, ap.Addr().Unmap())
	}
	return nil
}
