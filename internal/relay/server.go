package relay

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
)

// MinSecretLen is the shortest secret accepted. Every participant receives a
// username and its HMAC, so a short secret could be recovered offline and
// used to mint credentials at will.
const MinSecretLen = 32

// DefaultRealm is the TURN realm used when Config.Realm is empty.
const DefaultRealm = "attest"

// errNoRelay refuses TCP relay allocations (RFC 6062).
var errNoRelay = errors.New("relay: TCP relay allocations are not offered")

// Config configures the embedded TURN server.
type Config struct {
	Listen           string           // "0.0.0.0:3478": UDP and TCP on the same port
	RelayIP          net.IP           // the address peers reach relayed media on (public IP; 127.0.0.1 in tests)
	Realm            string           // default "attest"
	Secret           []byte           // ≥ 32 bytes; the same for every node
	TTL              time.Duration    // credential lifetime, default 10 minutes
	PortMin, PortMax uint16           // relay port range, 0 = any
	Now              func() time.Time // for checking credential expiry; default time.Now
	Log              *slog.Logger
}

// Server is the embedded TURN server. It listens for TURN over UDP and TCP on
// one port and relays UDP only, which is all browsers use.
type Server struct {
	turn    *turn.Server
	addr    string
	relayIP net.IP
	realm   string
	secret  []byte
	ttl     time.Duration

	closeOnce sync.Once
	closeErr  error
}

// Start checks cfg, binds the UDP and TCP listeners and starts the pion TURN
// server on them.
func Start(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	udp, tcp, err := listen(cfg.Listen)
	if err != nil {
		return nil, err
	}
	addr := udp.LocalAddr().String()

	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:         cfg.Realm,
		AuthHandler:   authHandler(cfg.Secret, cfg.Realm, cfg.Now, cfg.Log),
		LoggerFactory: pionLogger{cfg.Log},
		EventHandler: turn.EventHandler{
			// Bad HMACs are found by pion after AuthHandler returned the key,
			// so this is the only place to see them.
			OnAuth: func(src, _ net.Addr, _, username, _, method string, ok bool) {
				if !ok {
					cfg.Log.Debug("turn: credential rejected", "reason", "bad password",
						"username", username, "method", method, "src", src.String())
				}
			},
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            udp,
			RelayAddressGenerator: relayGenerator(cfg, udp.LocalAddr()),
			PermissionHandler:     permitPeer(cfg.RelayIP),
		}},
		ListenerConfigs: []turn.ListenerConfig{{
			Listener:              tcp,
			RelayAddressGenerator: relayGenerator(cfg, udp.LocalAddr()),
			PermissionHandler:     permitPeer(cfg.RelayIP),
		}},
	})
	if err != nil {
		udp.Close()
		tcp.Close()
		return nil, fmt.Errorf("relay: start TURN server: %w", err)
	}
	cfg.Log.Info("turn: listening", "addr", addr, "relay_ip", cfg.RelayIP.String())

	return &Server{
		turn:    srv,
		addr:    addr,
		relayIP: cfg.RelayIP,
		realm:   cfg.Realm,
		secret:  cfg.Secret,
		ttl:     cfg.TTL,
	}, nil
}

// withDefaults validates cfg and fills in its defaults. The secret is copied
// so a caller reusing its slice cannot change credentials under the server.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Listen == "" {
		return cfg, errors.New("relay: Listen is empty")
	}
	if cfg.RelayIP == nil || cfg.RelayIP.IsUnspecified() {
		return cfg, errors.New("relay: RelayIP must be the concrete address peers reach")
	}
	if len(cfg.Secret) < MinSecretLen {
		return cfg, fmt.Errorf("relay: Secret has %d bytes, need at least %d", len(cfg.Secret), MinSecretLen)
	}
	if cfg.PortMin > cfg.PortMax || (cfg.PortMin == 0) != (cfg.PortMax == 0) {
		return cfg, fmt.Errorf("relay: bad relay port range %d-%d", cfg.PortMin, cfg.PortMax)
	}
	if cfg.TTL < 0 {
		return cfg, fmt.Errorf("relay: negative TTL %s", cfg.TTL)
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Realm == "" {
		cfg.Realm = DefaultRealm
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if ip4 := cfg.RelayIP.To4(); ip4 != nil {
		cfg.RelayIP = ip4
	}
	cfg.Secret = append([]byte(nil), cfg.Secret...)
	return cfg, nil
}

// listenAttempts bounds the retries when Listen asks for port 0 and the UDP
// port the kernel picked is already taken for TCP.
const listenAttempts = 10

// listen binds UDP on addr and TCP on the same IP and port number, because
// the ICE server URLs name one port for both transports.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("relay: bad Listen %q: %w", addr, err)
	}
	for attempt := 1; ; attempt++ {
		udp, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("relay: listen udp %s: %w", addr, err)
		}
		udpPort := strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port)
		tcp, err := net.Listen("tcp", net.JoinHostPort(host, udpPort))
		if err == nil {
			return udp, newConnListener(tcp), nil
		}
		udp.Close()
		if (port != "0" && port != "") || !errors.Is(err, syscall.EADDRINUSE) || attempt == listenAttempts {
			return nil, nil, fmt.Errorf("relay: listen tcp on udp port %s: %w", udpPort, err)
		}
	}
}

// relayGenerator makes the generator that opens relay sockets: bound to the
// listening IP, announced as RelayIP, inside the port range if one is set.
// It refuses TCP relays.
func relayGenerator(cfg Config, listenAddr net.Addr) turn.RelayAddressGenerator {
	bind := "0.0.0.0"
	if ip := listenAddr.(*net.UDPAddr).IP; !ip.IsUnspecified() {
		bind = ip.String()
	} else if cfg.RelayIP.To4() == nil {
		bind = "::"
	}
	if cfg.PortMin != 0 {
		return udpOnly{&turn.RelayAddressGeneratorPortRange{
			RelayAddress: cfg.RelayIP,
			Address:      bind,
			MinPort:      cfg.PortMin,
			MaxPort:      cfg.PortMax,
		}}
	}
	return udpOnly{&turn.RelayAddressGeneratorStatic{RelayAddress: cfg.RelayIP, Address: bind}}
}

// udpOnly refuses TCP relay allocations (RFC 6062). Browsers never ask for
// them, and a TCP relay would let anyone holding a credential open TCP
// connections from this host to arbitrary services.
type udpOnly struct {
	turn.RelayAddressGenerator
}

// AllocateListener refuses TCP relays.
func (udpOnly) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errNoRelay
}

// AllocateConn refuses TCP relays.
func (udpOnly) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	return nil, errNoRelay
}

// permitPeer allows relaying to peers other than this host's loopback,
// link-local (cloud metadata lives at 169.254.169.254), multicast and
// unspecified addresses, which no browser candidate ever legitimately has.
// RelayIP is always allowed so that two participants who both relay through
// this server can reach each other, even when it is a loopback address in
// tests. Private ranges stay allowed: attest may run inside a LAN.
func permitPeer(relayIP net.IP) turn.PermissionHandler {
	return func(_ net.Addr, peer net.IP) bool {
		if peer.Equal(relayIP) {
			return true
		}
		return !peer.IsLoopback() && !peer.IsLinkLocalUnicast() && !peer.IsLinkLocalMulticast() &&
			!peer.IsInterfaceLocalMulticast() && !peer.IsMulticast() && !peer.IsUnspecified()
	}
}

// authHandler returns the key for a TURN REST API username, so that pion
// accepts exactly the requests whose password is the HMAC of the username.
//
// Expiry is enforced on Allocate only, as coturn does: refreshes, permissions
// and channel bindings of an allocation that already exists carry the same
// credential, and rejecting them once it expires would cut a call off a few
// minutes after the TTL.
func authHandler(secret []byte, realm string, now func() time.Time, log *slog.Logger) turn.AuthHandler {
	return func(ra *turn.RequestAttributes) (string, []byte, bool) {
		reject := func(reason string) (string, []byte, bool) {
			log.Debug("turn: credential rejected", "reason", reason,
				"username", ra.Username, "method", ra.Method.String(), "src", fmt.Sprint(ra.SrcAddr))
			return "", nil, false
		}
		if ra.Realm != realm {
			return reject("wrong realm")
		}
		expiry, participant, ok := parseUsername(ra.Username)
		if !ok {
			return reject("malformed username")
		}
		if ra.Method == stun.MethodAllocate && !expiry.After(now()) {
			return reject("expired")
		}
		password := credentialPassword(secret, ra.Username)
		return participant, turn.GenerateAuthKey(ra.Username, ra.Realm, password), true
	}
}

// parseUsername splits "<expiry unix seconds>:<participant>".
func parseUsername(username string) (expiry time.Time, participant string, ok bool) {
	digits, participant, found := strings.Cut(username, ":")
	if !found || digits == "" || participant == "" {
		return time.Time{}, "", false
	}
	for _, c := range digits {
		// ParseInt would accept a sign, which Credential never writes.
		if c < '0' || c > '9' {
			return time.Time{}, "", false
		}
	}
	secs, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return time.Time{}, "", false
	}
	return time.Unix(secs, 0), participant, true
}

// Addr is the "host:port" the server listens on, for both UDP and TCP.
func (s *Server) Addr() string {
	return s.addr
}

// ICEServers gives participant a STUN entry and a TURN entry (UDP and TCP to
// the same port) with one credential valid until now plus the TTL.
func (s *Server) ICEServers(participant string, now time.Time) []ICEServer {
	_, port, _ := net.SplitHostPort(s.addr) // s.addr comes from LocalAddr, so it splits.
	hostPort := net.JoinHostPort(s.relayIP.String(), port)
	username, password := Credential(s.secret, participant, now.Add(s.ttl))
	return []ICEServer{
		{URLs: []string{"stun:" + hostPort}},
		{
			URLs: []string{
				"turn:" + hostPort + "?transport=udp",
				"turn:" + hostPort + "?transport=tcp",
			},
			Username:   username,
			Credential: password,
		},
	}
}

// Allocations is the number of relay allocations that currently exist,
// as counted by pion across the UDP and TCP listeners.
func (s *Server) Allocations() int {
	return s.turn.AllocationCount()
}

// Close stops the listeners; pion then tears down every allocation and its
// relay sockets. Calling it again returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if err := s.turn.Close(); err != nil {
			s.closeErr = fmt.Errorf("relay: close TURN server: %w", err)
		}
	})
	return s.closeErr
}

// connListener remembers the TCP connections it accepted so Close can end
// them: pion closes the listener but leaves accepted connections, and the
// allocations behind them, running until the client hangs up.
type connListener struct {
	net.Listener

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func newConnListener(l net.Listener) *connListener {
	return &connListener{Listener: l, conns: make(map[net.Conn]struct{})}
}

// Accept hands pion the next connection, tracked until it is closed.
func (l *connListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		conn.Close()
		return nil, net.ErrClosed
	}
	tracked := &trackedConn{Conn: conn, l: l}
	l.conns[tracked] = struct{}{}
	return tracked, nil
}

// Close stops accepting and closes every connection still open.
func (l *connListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.conns = nil
	l.mu.Unlock()
	for conn := range conns {
		conn.(*trackedConn).Conn.Close()
	}
	return err
}

// trackedConn forgets itself in its listener when closed.
type trackedConn struct {
	net.Conn
	l *connListener
}

// Close closes the connection and stops tracking it.
func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}
