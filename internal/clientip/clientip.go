// Package clientip says which address a request came from, for limits,
// throttling and the audit log.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the addresses of the reverse proxies in front of attest,
// whose X-Forwarded-For is believed. The zero value trusts nobody.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR ranges,
// such as "127.0.0.1, 10.0.0.0/8". An empty list trusts nobody.
func ParseProxies(s string) (Proxies, error) {
	var p Proxies
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if prefix, err := netip.ParsePrefix(part); err == nil {
			p = append(p, prefix.Masked())
			continue
		}
		addr, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR range such as 10.0.0.0/8", part)
		}
		p = append(p, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
	}
	return p, nil
}

// trusted reports whether addr is one of the proxies.
func (p Proxies) trusted(addr string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, prefix := range p {
		if prefix.Contains(a) {
			return true
		}
	}
	return false
}

// Of is the client's address. A request from one of the proxies is
// traced back through X-Forwarded-For from its right end, past every
// proxy, to the first address that is not one: what a proxy appends can be
// trusted, what the client sent cannot. A request from anywhere else is
// taken at the connection's word.
func (p Proxies) Of(r *http.Request) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	if !p.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" {
			continue
		}
		if !p.trusted(hop) {
			return hop
		}
	}
	return peer // only proxies all the way: the last of them is the client
}
