package sdjwt

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
)

// Status values of a Token Status List (draft-ietf-oauth-status-list).
const (
	StatusValid     = 0x00
	StatusInvalid   = 0x01
	StatusSuspended = 0x02
)

// StatusRef is a credential's entry in a status list: status.status_list.
type StatusRef struct {
	Index int    `json:"idx"`
	URI   string `json:"uri"`
}

func readStatusRef(p map[string]any) (*StatusRef, error) {
	st, ok := p["status"].(map[string]any)
	if !ok {
		return nil, nil
	}
	sl, ok := st["status_list"].(map[string]any)
	if !ok {
		return nil, nil
	}
	idx, _ := sl["idx"].(float64)
	uri, _ := sl["uri"].(string)
	u, err := url.Parse(uri)
	if idx < 0 || idx != math.Trunc(idx) || idx > 1<<31 || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, refuse(Malformed, "issuer_jwt.status.status_list", "a status list entry is an index and an http(s) URI")
	}
	return &StatusRef{Index: int(idx), URI: uri}, nil
}

// StatusList is a decoded list: Bits bits per credential, packed from the
// least significant bit of the first byte.
type StatusList struct {
	Bits  int
	Bytes []byte
}

// NewStatusList returns an all-valid list of n entries of bits each.
func NewStatusList(bits, n int) *StatusList {
	return &StatusList{Bits: bits, Bytes: make([]byte, (n*bits+7)/8)}
}

// Len is how many entries the list holds.
func (l *StatusList) Len() int { return len(l.Bytes) * 8 / l.Bits }

// Get returns the status at an index.
func (l *StatusList) Get(i int) (int, error) {
	if i < 0 || i >= l.Len() {
		return 0, refuse(StatusListInvalid, "status", "index %d is outside a list of %d entries", i, l.Len())
	}
	bit := i * l.Bits
	return int(l.Bytes[bit/8]>>(bit%8)) & (1<<l.Bits - 1), nil
}

// Set changes the status at an index.
func (l *StatusList) Set(i, status int) {
	bit := i * l.Bits
	mask := byte(1<<l.Bits-1) << (bit % 8)
	l.Bytes[bit/8] = l.Bytes[bit/8]&^mask | byte(status)<<(bit%8)&mask
}

// maxListBytes caps a decompressed list: 16 MiB is 134 million one-bit entries.
const maxListBytes = 16 << 20

// Encode is the list as status_list carries it: {"bits", "lst"}, lst the
// base64url of the ZLIB-compressed bytes.
func (l *StatusList) Encode() map[string]any {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(l.Bytes)
	zw.Close()
	return map[string]any{"bits": l.Bits, "lst": b64.EncodeToString(buf.Bytes())}
}

func decodeStatusList(bits float64, lst string) (*StatusList, error) {
	if bits != 1 && bits != 2 && bits != 4 && bits != 8 {
		return nil, refuse(StatusListInvalid, "status", "bits is %v, not 1, 2, 4 or 8", bits)
	}
	z, err := b64.DecodeString(lst)
	if err != nil {
		return nil, refuse(StatusListInvalid, "status", "lst is not base64url")
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, refuse(StatusListInvalid, "status", "lst is not ZLIB: %v", err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxListBytes+1))
	if err != nil || len(b) > maxListBytes {
		return nil, refuse(StatusListInvalid, "status", "lst does not decompress within %d bytes", maxListBytes)
	}
	return &StatusList{Bits: int(bits), Bytes: b}, nil
}

// StatusListToken signs a status list as a statuslist+jwt for the list at
// uri: the token's sub. ttl tells verifiers how long they may cache it.
func StatusListToken(s Signer, issuer, uri string, l *StatusList, iat time.Time, exp time.Time, ttl time.Duration) (string, error) {
	claims := map[string]any{"sub": uri, "iat": iat.Unix(), "status_list": l.Encode()}
	if issuer != "" {
		claims["iss"] = issuer
	}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	if ttl > 0 {
		claims["ttl"] = int64(ttl.Seconds())
	}
	return s.sign(TypeStatusList, claims)
}

// StatusLists fetches and caches status lists, checking each against the
// trusted issuer of the credential that names it.
type StatusLists struct {
	// Client fetches lists; its Timeout bounds a fetch (see NewStatusLists).
	Client *http.Client
	Now    func() time.Time
	// DefaultTTL is how long a list without ttl or exp is kept.
	DefaultTTL time.Duration
	// MaxTTL caps any list's stay in the cache.
	MaxTTL time.Duration
	// AllowHTTP fetches lists over plain http: for tests and development.
	AllowHTTP bool

	mu    sync.Mutex
	cache map[string]cachedList
}

type cachedList struct {
	issuer string
	list   *StatusList
	until  time.Time
}

// NewStatusLists returns a cache whose fetches give up after timeout.
func NewStatusLists(timeout time.Duration, now func() time.Time) *StatusLists {
	return &StatusLists{Client: &http.Client{Timeout: timeout}, Now: now, DefaultTTL: 5 * time.Minute, MaxTTL: 24 * time.Hour}
}

// Status returns a credential's status from its list, fetching the list
// when it is not cached or its time is up. A list that cannot be fetched
// is a StatusUnavailable refusal; one that is not the issuer's, or does not
// read, is StatusListInvalid.
func (s *StatusLists) Status(ctx context.Context, ref StatusRef, is *Issuer) (int, error) {
	now := s.Now()
	s.mu.Lock()
	c, ok := s.cache[ref.URI]
	s.mu.Unlock()
	if !ok || !now.Before(c.until) || c.issuer != is.ID {
		l, until, err := s.fetch(ctx, ref.URI, is, now)
		if err != nil {
			return 0, err
		}
		c = cachedList{issuer: is.ID, list: l, until: until}
		s.mu.Lock()
		if s.cache == nil {
			s.cache = map[string]cachedList{}
		}
		s.cache[ref.URI] = c
		s.mu.Unlock()
	}
	return c.list.Get(ref.Index)
}

// maxTokenBytes caps a status list token as fetched.
const maxTokenBytes = 8 << 20

func (s *StatusLists) fetch(ctx context.Context, uri string, is *Issuer, now time.Time) (*StatusList, time.Time, error) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "https" && !(s.AllowHTTP && u.Scheme == "http")) {
		return nil, time.Time{}, refuse(StatusListInvalid, "status", "status lists are fetched over https only")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, time.Time{}, refuse(StatusListInvalid, "status", "bad status list URI")
	}
	req.Header.Set("Accept", "application/statuslist+jwt")
	resp, err := s.Client.Do(req)
	if err != nil {
		return nil, time.Time{}, refuse(StatusUnavailable, "status", "fetch %s: %v", uri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, time.Time{}, refuse(StatusUnavailable, "status", "fetch %s: %s", uri, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBytes+1))
	if err != nil {
		return nil, time.Time{}, refuse(StatusUnavailable, "status", "read %s: %v", uri, err)
	}
	if len(body) > maxTokenBytes {
		return nil, time.Time{}, refuse(StatusListInvalid, "status", "the status list is larger than %d bytes", maxTokenBytes)
	}
	return s.readToken(string(bytes.TrimSpace(body)), uri, is, now)
}

// readToken checks a status list token: the issuer's signature, typ, sub
// naming the list fetched, not expired; and returns the list and until when
// it may be cached.
func (s *StatusLists) readToken(token, uri string, is *Issuer, now time.Time) (*StatusList, time.Time, error) {
	jws, err := parseJWS(token, TypeStatusList, "status")
	if err != nil {
		var r *Refusal
		if errors.As(err, &r) {
			r.Code = StatusListInvalid
		}
		return nil, time.Time{}, err
	}
	body, err := is.verify(jws, "status", now)
	if err != nil {
		return nil, time.Time{}, refuse(StatusListInvalid, "status", "the status list is not signed by %s: %v", is.ID, err)
	}
	var claims struct {
		Sub        string   `json:"sub"`
		Exp        *float64 `json:"exp"`
		TTL        *float64 `json:"ttl"`
		StatusList *struct {
			Bits float64 `json:"bits"`
			Lst  string  `json:"lst"`
		} `json:"status_list"`
	}
	if err := json.Unmarshal(body, &claims); err != nil || claims.StatusList == nil {
		return nil, time.Time{}, refuse(StatusListInvalid, "status", "not a status list token's claims")
	}
	if claims.Sub != uri {
		return nil, time.Time{}, refuse(StatusListInvalid, "status", "the token's sub %q is not the list fetched, %q", claims.Sub, uri)
	}
	until := now.Add(s.DefaultTTL)
	if claims.TTL != nil && *claims.TTL >= 0 {
		until = now.Add(time.Duration(*claims.TTL) * time.Second)
	}
	if claims.Exp != nil {
		exp := time.Unix(int64(*claims.Exp), 0)
		if !now.Before(exp) {
			return nil, time.Time{}, refuse(StatusUnavailable, "status", "the status list expired at %s", exp.UTC().Format(time.RFC3339))
		}
		if exp.Before(until) {
			until = exp
		}
	}
	if s.MaxTTL > 0 && until.After(now.Add(s.MaxTTL)) {
		until = now.Add(s.MaxTTL)
	}
	l, err := decodeStatusList(claims.StatusList.Bits, claims.StatusList.Lst)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("status list %s: %w", uri, err)
	}
	return l, until, nil
}
