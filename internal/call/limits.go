package call

import (
	"net/http"
	"strconv"
	"time"
)

// Default socket limits, for Service fields left at zero.
const (
	// DefaultMaxPerPerson is a few tabs and a phone for one person.
	DefaultMaxPerPerson = 4
	// DefaultMaxPerAddress allows an office of agents behind one address.
	DefaultMaxPerAddress = 256
	// DefaultIdleTimeout closes a socket that said nothing, not even the
	// page's ping (every 25 s), for this long; a hidden browser tab may
	// run its timers once a minute.
	DefaultIdleTimeout = 3 * time.Minute
)

// refuse answers an upgrade over a limit: 429 with a Retry-After, before
// any WebSocket is accepted.
func (s *Service) refuse(w http.ResponseWriter, limit, message string) {
	if s.OnRefused != nil {
		s.OnRefused(limit)
	}
	w.Header().Set("Retry-After", strconv.Itoa(10))
	http.Error(w, message, http.StatusTooManyRequests)
}

// admit reserves a socket for the request's address and its person, or
// refuses it; release gives the reservation back.
func (s *Service) admit(w http.ResponseWriter, r *http.Request, c *client) (release func(), ok bool) {
	addr := s.TrustProxy.Of(r)
	s.addrMu.Lock()
	if s.byAddr == nil {
		s.byAddr = map[string]int{}
	}
	if s.byAddr[addr] >= orDefault(s.MaxPerAddress, DefaultMaxPerAddress) {
		s.addrMu.Unlock()
		s.refuse(w, "per_address", "too many live connections from this address; try again shortly")
		return nil, false
	}
	s.byAddr[addr]++
	s.addrMu.Unlock()
	releaseAddr := func() {
		s.addrMu.Lock()
		defer s.addrMu.Unlock()
		if s.byAddr[addr]--; s.byAddr[addr] <= 0 {
			delete(s.byAddr, addr)
		}
	}
	if !s.h().addUpTo(c, orDefault(s.MaxPerPerson, DefaultMaxPerPerson)) {
		releaseAddr()
		s.refuse(w, "per_person", "this page is open in too many places; close one and try again")
		return nil, false
	}
	return releaseAddr, true
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
