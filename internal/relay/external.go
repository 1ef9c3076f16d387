package relay

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// External is a TURN server attest does not run (coturn with use-auth-secret /
// static-auth-secret).
type External struct {
	URLs   []string
	Secret []byte
	TTL    time.Duration
}

// ICEServers gives participant the external STUN URLs, if any, in one entry
// without credentials and the TURN URLs in another with one credential valid
// until now plus the TTL (DefaultTTL if unset).
func (e External) ICEServers(participant string, now time.Time) []ICEServer {
	var stunURLs, turnURLs []string
	for _, u := range e.URLs {
		if strings.HasPrefix(u, "stun:") || strings.HasPrefix(u, "stuns:") {
			stunURLs = append(stunURLs, u)
		} else {
			turnURLs = append(turnURLs, u)
		}
	}
	ttl := e.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	var servers []ICEServer
	if len(stunURLs) > 0 {
		servers = append(servers, ICEServer{URLs: stunURLs})
	}
	if len(turnURLs) > 0 {
		username, password := Credential(e.Secret, participant, now.Add(ttl))
		servers = append(servers, ICEServer{URLs: turnURLs, Username: username, Credential: password})
	}
	return servers
}

// ParseExternal reads an external TURN server configuration:
//
//	URL[,URL...];secret=SECRET[;ttl=DURATION]
//
// for example
//
//	turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349?transport=tcp;secret=4f1c…;ttl=10m
//
// Fields are separated by ';' and surrounding spaces are ignored. The first
// field lists the server URLs, separated by ','. Each URL has the form
// scheme:host[:port][?transport=udp|tcp] (RFC 7064, RFC 7065): scheme is
// turn, turns, stun or stuns; host is a name, an IPv4 address or a bracketed
// IPv6 address; port is 1-65535; the transport query is only allowed on
// turn and turns URLs. At least one turn or turns URL is required.
//
// The other fields are key=value, each at most once:
//   - secret (required): coturn's static-auth-secret, taken literally as
//     text, because coturn uses the bytes of that text as the HMAC key. It
//     may not contain ';' and must be at least MinSecretLen bytes long; a
//     hex or base64 string from a random generator is a good choice, used as
//     is on both sides.
//   - ttl (optional): credential lifetime as a Go duration such as "10m" or
//     "1h"; positive; default DefaultTTL.
func ParseExternal(s string) (External, error) {
	fields := strings.Split(s, ";")
	urls, err := parseURLs(fields[0])
	if err != nil {
		return External{}, err
	}
	ext := External{URLs: urls, TTL: DefaultTTL}
	seen := make(map[string]bool)
	for _, field := range fields[1:] {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		key, value, ok := strings.Cut(field, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok {
			return External{}, fmt.Errorf("relay: external TURN: field %q is not key=value", field)
		}
		if seen[key] {
			return External{}, fmt.Errorf("relay: external TURN: %s given twice", key)
		}
		seen[key] = true
		switch key {
		case "secret":
			if len(value) < MinSecretLen {
				return External{}, fmt.Errorf("relay: external TURN: secret has %d bytes, need at least %d", len(value), MinSecretLen)
			}
			ext.Secret = []byte(value)
		case "ttl":
			ttl, err := time.ParseDuration(value)
			if err != nil {
				return External{}, fmt.Errorf("relay: external TURN: bad ttl %q: %w", value, err)
			}
			if ttl <= 0 {
				return External{}, fmt.Errorf("relay: external TURN: ttl %s is not positive", ttl)
			}
			ext.TTL = ttl
		default:
			return External{}, fmt.Errorf("relay: external TURN: unknown field %q (want secret or ttl)", key)
		}
	}
	if ext.Secret == nil {
		return External{}, errors.New("relay: external TURN: secret is missing (add ;secret=...)")
	}
	return ext, nil
}

// parseURLs checks the comma-separated URL list of an external configuration.
func parseURLs(list string) ([]string, error) {
	var urls []string
	hasTURN := false
	for raw := range strings.SplitSeq(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		scheme, err := checkURL(raw)
		if err != nil {
			return nil, fmt.Errorf("relay: external TURN: URL %q: %w", raw, err)
		}
		hasTURN = hasTURN || scheme == "turn" || scheme == "turns"
		// url.Parse lowered the scheme; ICEServers sorts URLs by it.
		urls = append(urls, scheme+raw[len(scheme):])
	}
	if !hasTURN {
		return nil, fmt.Errorf("relay: external TURN: no turn: or turns: URL in %q", list)
	}
	return urls, nil
}

// checkURL validates one STUN or TURN URL and returns its scheme.
func checkURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "turn", "turns", "stun", "stuns":
	default:
		return "", fmt.Errorf("scheme %q is not turn, turns, stun or stuns", u.Scheme)
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return "", errors.New("fragment not allowed")
	}
	if u.Opaque == "" {
		return "", errors.New(`want scheme:host[:port], without "//"`)
	}
	if err := checkHostPort(u.Opaque); err != nil {
		return "", err
	}
	if u.RawQuery == "" && !u.ForceQuery {
		return u.Scheme, nil
	}
	if strings.HasPrefix(u.Scheme, "stun") {
		return "", errors.New("stun URLs take no query")
	}
	if u.RawQuery != "transport=udp" && u.RawQuery != "transport=tcp" {
		return "", fmt.Errorf("query %q is not transport=udp or transport=tcp", u.RawQuery)
	}
	return u.Scheme, nil
}

// checkHostPort validates host[:port], with IPv6 hosts in brackets.
func checkHostPort(hostPort string) error {
	host, port := hostPort, ""
	if strings.HasPrefix(hostPort, "[") || strings.Count(hostPort, ":") == 1 {
		h, p, err := net.SplitHostPort(hostPort)
		if err != nil {
			// "[::1]" has no port, which SplitHostPort rejects.
			if !strings.HasPrefix(hostPort, "[") || !strings.HasSuffix(hostPort, "]") {
				return fmt.Errorf("bad host:port %q", hostPort)
			}
			h = hostPort[1 : len(hostPort)-1]
		}
		host, port = h, p
		if err == nil && p == "" {
			return fmt.Errorf("empty port in %q", hostPort)
		}
		if strings.HasPrefix(hostPort, "[") && net.ParseIP(host) == nil {
			return fmt.Errorf("bad IPv6 address %q", host)
		}
	} else if strings.Contains(hostPort, ":") {
		return fmt.Errorf("IPv6 address %q needs brackets", hostPort)
	}
	if host == "" || strings.ContainsAny(host, "/@ ") {
		return fmt.Errorf("bad host %q", host)
	}
	if port == "" {
		return nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}
