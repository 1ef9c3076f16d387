package issuer

import (
	"sync"
	"time"
)

// listCache is the status list this node signed last, and the revision
// of the list it signed.
type listCache struct {
	mu       sync.Mutex
	token    string
	revision int64
	signedAt time.Time
}

// SignedStatusList returns the status list signed at revision: the one
// signed last when the list has not changed since and it is younger than
// half its validity, else a fresh one from read (the next index to be
// given and the revoked indices).
func (s *Service) SignedStatusList(revision int64, read func() (next int64, revoked []int64, err error)) (string, time.Time, error) {
	now := s.Now()
	s.list.mu.Lock()
	defer s.list.mu.Unlock()
	c := &s.list
	if c.token != "" && c.revision == revision && now.Sub(c.signedAt) < StatusListExpiry/2 && !now.Before(c.signedAt) {
		return c.token, c.signedAt, nil
	}
	next, revoked, err := read()
	if err != nil {
		return "", time.Time{}, err
	}
	token, err := s.StatusList(next, revoked)
	if err != nil {
		return "", time.Time{}, err
	}
	c.token, c.revision, c.signedAt = token, revision, now.UTC().Truncate(time.Second)
	return c.token, c.signedAt, nil
}
