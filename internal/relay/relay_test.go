package relay

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
)

var (
	testSecret = []byte("attest-test-secret-0123456789abcdef")
	testBase   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	loopback   = net.IPv4(127, 0, 0, 1)
)

func TestCredential(t *testing.T) {
	// Passwords computed independently with Python's hmac module.
	cases := []struct {
		secret, participant string
		expires             time.Time
		wantUser, wantPass  string
	}{
		{string(testSecret), "freelancer-1", time.Unix(1700000000, 0), "1700000000:freelancer-1", "4+gnwfymxpJ1iZAI4VORcKEnJyI="},
		{"key", "agent", time.Unix(0, 0), "0:agent", "V4Sl2BLEfO0YehVZlm81KApmzhA="},
		{string(testSecret), "case:42", time.Unix(1893456000, 999_000_000), "1893456000:case:42", "78UMyN6fjCvIGTr08M5gx2crfKA="},
	}
	for _, c := range cases {
		user, pass := Credential([]byte(c.secret), c.participant, c.expires)
		if user != c.wantUser || pass != c.wantPass {
			t.Errorf("Credential(%q, %q, %d) = %q, %q; expected %q, %q",
				c.secret, c.participant, c.expires.Unix(), user, pass, c.wantUser, c.wantPass)
		}
	}
}

func TestParseExternal(t *testing.T) {
	secret := strings.Repeat("ab", 16)
	cases := []struct {
		name    string
		in      string
		want    External
		wantErr string // substring of the error; "" means success
	}{
		{
			name: "good",
			in:   "turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349?transport=tcp;secret=" + secret + ";ttl=15m",
			want: External{
				URLs:   []string{"turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349?transport=tcp"},
				Secret: []byte(secret),
				TTL:    15 * time.Minute,
			},
		},
		{
			name: "default ttl, spaces, stun and IPv6",
			in:   " stun:[2001:db8::1]:3478 , TURN:192.0.2.7 ; secret = " + secret + " ",
			want: External{
				URLs:   []string{"stun:[2001:db8::1]:3478", "turn:192.0.2.7"},
				Secret: []byte(secret),
				TTL:    DefaultTTL,
			},
		},
		{name: "missing secret", in: "turn:turn.example.com:3478;ttl=10m", wantErr: "secret is missing"},
		{name: "short secret", in: "turn:turn.example.com;secret=abc", wantErr: "need at least 32"},
		{name: "bad url scheme", in: "https://turn.example.com;secret=" + secret, wantErr: `scheme "https"`},
		{name: "slashes", in: "turn://turn.example.com;secret=" + secret, wantErr: `without "//"`},
		{name: "bad ttl", in: "turn:turn.example.com;secret=" + secret + ";ttl=ten", wantErr: `bad ttl "ten"`},
		{name: "zero ttl", in: "turn:turn.example.com;secret=" + secret + ";ttl=0s", wantErr: "not positive"},
		{name: "bad transport", in: "turn:turn.example.com?transport=sctp;secret=" + secret, wantErr: "transport=udp or transport=tcp"},
		{name: "bad port", in: "turn:turn.example.com:99999;secret=" + secret, wantErr: "bad port"},
		{name: "bare IPv6", in: "turn:2001:db8::1;secret=" + secret, wantErr: "needs brackets"},
		{name: "only stun", in: "stun:stun.example.com;secret=" + secret, wantErr: "no turn: or turns: URL"},
		{name: "unknown field", in: "turn:turn.example.com;secret=" + secret + ";user=x", wantErr: `unknown field "user"`},
		{name: "duplicate field", in: "turn:turn.example.com;secret=" + secret + ";ttl=1m;ttl=2m", wantErr: "ttl given twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseExternal(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("ParseExternal(%q) error = %v; expected one containing %q", c.in, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseExternal(%q): %v", c.in, err)
			}
			if strings.Join(got.URLs, " ") != strings.Join(c.want.URLs, " ") ||
				!bytes.Equal(got.Secret, c.want.Secret) || got.TTL != c.want.TTL {
				t.Errorf("ParseExternal(%q) = %+v; expected %+v", c.in, got, c.want)
			}
		})
	}
}

func TestExternalICEServers(t *testing.T) {
	ext := External{
		URLs:   []string{"stun:turn.example.com", "turn:turn.example.com?transport=udp", "turns:turn.example.com:5349"},
		Secret: testSecret,
		TTL:    5 * time.Minute,
	}
	got := ext.ICEServers("agent-7", testBase)
	if len(got) != 2 {
		t.Fatalf("got %d entries %+v; expected 2 (stun, turn)", len(got), got)
	}
	if got[0].Username != "" || strings.Join(got[0].URLs, " ") != "stun:turn.example.com" {
		t.Errorf("stun entry = %+v; expected the stun URL without credential", got[0])
	}
	wantUser, wantPass := Credential(testSecret, "agent-7", testBase.Add(5*time.Minute))
	if got[1].Username != wantUser || got[1].Credential != wantPass || len(got[1].URLs) != 2 {
		t.Errorf("turn entry = %+v; expected both turn URLs with %q/%q", got[1], wantUser, wantPass)
	}
}

func TestAuthHandler(t *testing.T) {
	now := func() time.Time { return testBase }
	valid, _ := Credential(testSecret, "p1", testBase.Add(time.Minute))
	expired, _ := Credential(testSecret, "p1", testBase.Add(-time.Second))
	atNow, _ := Credential(testSecret, "p1", testBase)
	cases := []struct {
		name, username, realm string
		method                stun.Method
		wantOK                bool
	}{
		{"valid", valid, "attest", stun.MethodAllocate, true},
		{"expired allocate", expired, "attest", stun.MethodAllocate, false},
		{"expiring this second", atNow, "attest", stun.MethodAllocate, false},
		// An allocation made before expiry keeps refreshing: see authHandler.
		{"expired refresh", expired, "attest", stun.MethodRefresh, true},
		{"expired permission", expired, "attest", stun.MethodCreatePermission, true},
		{"wrong realm", valid, "other", stun.MethodAllocate, false},
		{"empty", "", "attest", stun.MethodAllocate, false},
		{"no colon", "1772366460", "attest", stun.MethodAllocate, false},
		{"no participant", "1772366460:", "attest", stun.MethodAllocate, false},
		{"no expiry", ":p1", "attest", stun.MethodAllocate, false},
		{"not a number", "soon:p1", "attest", stun.MethodAllocate, false},
		{"signed", "+1772366460:p1", "attest", stun.MethodAllocate, false},
		{"overflow", "99999999999999999999:p1", "attest", stun.MethodAllocate, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			auth := authHandler(testSecret, "attest", now, log)
			userID, key, ok := auth(&turn.RequestAttributes{
				Username: c.username, Realm: c.realm, Method: c.method,
				SrcAddr: &net.UDPAddr{IP: loopback, Port: 5000},
			})
			if ok != c.wantOK {
				t.Fatalf("ok = %v; expected %v (log: %s)", ok, c.wantOK, logs.String())
			}
			if !ok {
				if !strings.Contains(logs.String(), "level=DEBUG") || !strings.Contains(logs.String(), "credential rejected") {
					t.Errorf("rejection log = %q; expected a debug line", logs.String())
				}
				return
			}
			wantKey := turn.GenerateAuthKey(c.username, c.realm, credentialPassword(testSecret, c.username))
			if userID != "p1" || !bytes.Equal(key, wantKey) {
				t.Errorf("got user %q key %x; expected user %q key %x", userID, key, "p1", wantKey)
			}
		})
	}
}

func TestPermitPeer(t *testing.T) {
	relayIP := net.ParseIP("203.0.113.7")
	permit := permitPeer(relayIP.To4())
	cases := []struct {
		peer string
		want bool
	}{
		{"203.0.113.7", true},
		{"198.51.100.20", true},
		{"10.1.2.3", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"169.254.169.254", false},
		{"fe80::1", false},
		{"224.0.0.251", false},
		{"0.0.0.0", false},
	}
	for _, c := range cases {
		if got := permit(nil, net.ParseIP(c.peer)); got != c.want {
			t.Errorf("permit(%s) = %v; expected %v", c.peer, got, c.want)
		}
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	good := Config{Listen: "127.0.0.1:0", RelayIP: loopback, Secret: testSecret}
	cases := []struct {
		name   string
		change func(*Config)
	}{
		{"no listen", func(c *Config) { c.Listen = "" }},
		{"no relay ip", func(c *Config) { c.RelayIP = nil }},
		{"unspecified relay ip", func(c *Config) { c.RelayIP = net.IPv4zero }},
		{"short secret", func(c *Config) { c.Secret = testSecret[:31] }},
		{"half port range", func(c *Config) { c.PortMin = 40000 }},
		{"inverted port range", func(c *Config) { c.PortMin, c.PortMax = 40010, 40000 }},
	}
	for _, c := range cases {
		cfg := good
		c.change(&cfg)
		if srv, err := Start(cfg); err == nil {
			srv.Close()
			t.Errorf("%s: Start succeeded; expected an error", c.name)
		}
	}
}

// startServer starts an embedded server on 127.0.0.1 with a free port and
// closes it when the test ends.
func startServer(t *testing.T, change func(*Config)) *Server {
	t.Helper()
	cfg := Config{
		Listen:  "127.0.0.1:0",
		RelayIP: loopback,
		Secret:  testSecret,
		Now:     func() time.Time { return testBase },
	}
	if change != nil {
		change(&cfg)
	}
	srv, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// turnCredential is the credential ICEServers hands out, and checks that
// the TURN entry points at srv over both transports.
func turnCredential(t *testing.T, srv *Server, participant string, now time.Time) (username, password string) {
	t.Helper()
	servers := srv.ICEServers(participant, now)
	_, port, _ := net.SplitHostPort(srv.Addr())
	want := []string{
		"stun:127.0.0.1:" + port,
		"turn:127.0.0.1:" + port + "?transport=udp turn:127.0.0.1:" + port + "?transport=tcp",
	}
	if len(servers) != 2 || strings.Join(servers[0].URLs, " ") != want[0] || strings.Join(servers[1].URLs, " ") != want[1] {
		t.Fatalf("ICEServers = %+v; expected URLs %q", servers, want)
	}
	return servers[1].Username, servers[1].Credential
}

// newClient starts a pion TURN client speaking to srv over conn, which the
// test owns; both are closed when the test ends.
func newClient(t *testing.T, srv *Server, conn net.PacketConn, username, password string) *turn.Client {
	t.Helper()
	client, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: srv.Addr(),
		TURNServerAddr: srv.Addr(),
		Conn:           conn,
		Username:       username,
		Password:       password,
		LoggerFactory:  pionLogger{slog.New(slog.DiscardHandler)},
	})
	if err != nil {
		t.Fatalf("turn.NewClient: %v", err)
	}
	if err := client.Listen(); err != nil {
		t.Fatalf("client.Listen: %v", err)
	}
	t.Cleanup(func() {
		client.Close()
		conn.Close()
	})
	return client
}

func udpConn(t *testing.T) net.PacketConn {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen udp: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestAllocate(t *testing.T) {
	cases := []struct {
		name     string
		issuedAt time.Time // when ICEServers was asked
		serverAt time.Time // the server's Now
		tamper   bool      // flip the password
		wantOK   bool
	}{
		{name: "valid", issuedAt: testBase, serverAt: testBase.Add(time.Minute), wantOK: true},
		{name: "expired", issuedAt: testBase, serverAt: testBase.Add(DefaultTTL + time.Second)},
		{name: "wrong password", issuedAt: testBase, serverAt: testBase, tamper: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := startServer(t, func(cfg *Config) { cfg.Now = func() time.Time { return c.serverAt } })
			username, password := turnCredential(t, srv, "freelancer-1", c.issuedAt)
			if c.tamper {
				password = "x" + password[1:]
			}
			client := newClient(t, srv, udpConn(t), username, password)
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			relayConn, err := client.AllocateWithContext(ctx)
			if !c.wantOK {
				var turnErr *stun.TurnError
				if err == nil {
					relayConn.Close()
					t.Fatal("allocation succeeded; expected it to be refused")
				}
				if !errors.As(err, &turnErr) || turnErr.ErrorCodeAttr.Code != stun.CodeUnauthorized {
					t.Fatalf("allocation error = %v; expected 401 Unauthorized", err)
				}
				if n := srv.Allocations(); n != 0 {
					t.Errorf("Allocations() = %d; expected 0", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("allocate: %v", err)
			}
			defer relayConn.Close()
			if n := srv.Allocations(); n != 1 {
				t.Errorf("Allocations() = %d; expected 1", n)
			}
		})
	}
}

// exchange proves that bytes flow both ways through relayConn, the client
// side of an allocation, to a plain UDP socket standing in for the peer.
func exchange(t *testing.T, client *turn.Client, relayConn net.PacketConn) {
	t.Helper()
	peer := udpConn(t)
	if err := client.CreatePermission(peer.LocalAddr()); err != nil {
		t.Fatalf("CreatePermission: %v", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	relayConn.SetReadDeadline(deadline)
	peer.SetReadDeadline(deadline)
	buf := make([]byte, 1500)

	if _, err := peer.WriteTo([]byte("to client"), relayConn.LocalAddr()); err != nil {
		t.Fatalf("peer write: %v", err)
	}
	n, from, err := relayConn.ReadFrom(buf)
	if err != nil {
		t.Fatalf("client read: %v", err)
	}
	if string(buf[:n]) != "to client" || from.String() != peer.LocalAddr().String() {
		t.Fatalf("client got %q from %s; expected %q from %s", buf[:n], from, "to client", peer.LocalAddr())
	}

	if _, err := relayConn.WriteTo([]byte("to peer"), peer.LocalAddr()); err != nil {
		t.Fatalf("client write: %v", err)
	}
	n, from, err = peer.ReadFrom(buf)
	if err != nil {
		t.Fatalf("peer read: %v", err)
	}
	if string(buf[:n]) != "to peer" || from.String() != relayConn.LocalAddr().String() {
		t.Fatalf("peer got %q from %s; expected %q from the relayed address %s", buf[:n], from, "to peer", relayConn.LocalAddr())
	}
}

func TestRelayUDP(t *testing.T) {
	srv := startServer(t, nil)
	username, password := turnCredential(t, srv, "freelancer-1", testBase)
	client := newClient(t, srv, udpConn(t), username, password)
	relayConn, err := client.AllocateWithContext(t.Context())
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	exchange(t, client, relayConn)

	if err := relayConn.Close(); err != nil {
		t.Fatalf("close allocation: %v", err)
	}
	// The client does not wait for the server to process its refresh with
	// lifetime 0, so the count drops shortly after Close returns.
	deadline := time.Now().Add(3 * time.Second)
	for srv.Allocations() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := srv.Allocations(); n != 0 {
		t.Errorf("Allocations() after close = %d; expected 0", n)
	}
}

func TestRelayPortRange(t *testing.T) {
	// A range of a few ports high up, where other tests rarely land.
	const portMin, portMax = 47100, 47120
	srv := startServer(t, func(cfg *Config) { cfg.PortMin, cfg.PortMax = portMin, portMax })
	username, password := turnCredential(t, srv, "agent-1", testBase)
	client := newClient(t, srv, udpConn(t), username, password)
	relayConn, err := client.AllocateWithContext(t.Context())
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	defer relayConn.Close()
	if port := relayConn.LocalAddr().(*net.UDPAddr).Port; port < portMin || port > portMax {
		t.Errorf("relayed port = %d; expected %d-%d", port, portMin, portMax)
	}
}

func TestRelayOverTCP(t *testing.T) {
	srv := startServer(t, nil)
	username, password := turnCredential(t, srv, "agent-1", testBase)
	var d net.Dialer
	conn, err := d.DialContext(t.Context(), "tcp", srv.Addr())
	if err != nil {
		t.Fatalf("dial tcp: %v", err)
	}
	client := newClient(t, srv, turn.NewSTUNConn(conn), username, password)
	relayConn, err := client.AllocateWithContext(t.Context())
	if err != nil {
		t.Fatalf("allocate over TCP: %v", err)
	}
	defer relayConn.Close()
	exchange(t, client, relayConn)
}

func TestTCPRelayRefused(t *testing.T) {
	srv := startServer(t, nil)
	username, password := turnCredential(t, srv, "agent-1", testBase)
	var d net.Dialer
	conn, err := d.DialContext(t.Context(), "tcp", srv.Addr())
	if err != nil {
		t.Fatalf("dial tcp: %v", err)
	}
	client := newClient(t, srv, turn.NewSTUNConn(conn), username, password)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if alloc, err := client.AllocateTCPWithContext(ctx); err == nil {
		alloc.Close()
		t.Fatal("TCP relay allocation succeeded; expected it to be refused")
	}
}

func TestCloseEndsTCPClients(t *testing.T) {
	srv, err := Start(Config{Listen: "127.0.0.1:0", RelayIP: loopback, Secret: testSecret})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	var d net.Dialer
	conn, err := d.DialContext(t.Context(), "tcp", srv.Addr())
	if err != nil {
		srv.Close()
		t.Fatalf("dial tcp: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))

	// An answered binding request proves the server is serving this
	// connection, not just holding it in the accept queue.
	req := stun.MustBuild(stun.TransactionID, stun.BindingRequest, stun.Fingerprint)
	if _, err := conn.Write(req.Raw); err != nil {
		srv.Close()
		t.Fatalf("write binding request: %v", err)
	}
	header := make([]byte, 20)
	if _, err := io.ReadFull(conn, header); err != nil {
		srv.Close()
		t.Fatalf("read binding response: %v", err)
	}
	body := make([]byte, int(header[2])<<8|int(header[3]))
	if _, err := io.ReadFull(conn, body); err != nil {
		srv.Close()
		t.Fatalf("read binding response: %v", err)
	}

	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err = conn.Read(make([]byte, 1))
	var netErr net.Error
	if err == nil || (errors.As(err, &netErr) && netErr.Timeout()) {
		t.Fatalf("read after Close = %v; expected the server to hang up", err)
	}
}

func TestWebRTCThroughRelay(t *testing.T) {
	srv := startServer(t, func(cfg *Config) { cfg.Now = time.Now })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	var se webrtc.SettingEngine
	// Only relay candidates exist, so nothing better is worth waiting for
	// (pion waits 2s by default before nominating a relay pair).
	se.SetRelayAcceptanceMinWait(0)
	se.LoggerFactory = pionLogger{slog.New(slog.DiscardHandler)}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se))
	newPeer := func(participant string) *webrtc.PeerConnection {
		var servers []webrtc.ICEServer
		for _, s := range srv.ICEServers(participant, time.Now()) {
			servers = append(servers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
		}
		pc, err := api.NewPeerConnection(webrtc.Configuration{
			ICEServers:         servers,
			ICETransportPolicy: webrtc.ICETransportPolicyRelay,
		})
		if err != nil {
			t.Fatalf("NewPeerConnection: %v", err)
		}
		t.Cleanup(func() { pc.Close() })
		return pc
	}
	freelancer, agent := newPeer("freelancer-1"), newPeer("agent-1")

	received := make(chan string, 2)
	dc, err := freelancer.CreateDataChannel("chat", nil)
	if err != nil {
		t.Fatalf("CreateDataChannel: %v", err)
	}
	dc.OnOpen(func() {
		if err := dc.SendText("hello agent"); err != nil {
			t.Errorf("send: %v", err)
		}
	})
	dc.OnMessage(func(msg webrtc.DataChannelMessage) { received <- "freelancer got " + string(msg.Data) })
	agent.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(msg webrtc.DataChannelMessage) {
			received <- "agent got " + string(msg.Data)
			if err := dc.SendText("hello freelancer"); err != nil {
				t.Errorf("reply: %v", err)
			}
		})
	})

	// Non-trickle signaling: each side's description carries all of its
	// (relay) candidates.
	offer, err := freelancer.CreateOffer(nil)
	if err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
	gathered := webrtc.GatheringCompletePromise(freelancer)
	if err := freelancer.SetLocalDescription(offer); err != nil {
		t.Fatalf("SetLocalDescription(offer): %v", err)
	}
	waitFor(ctx, t, gathered, "freelancer gathering")
	if err := agent.SetRemoteDescription(*freelancer.LocalDescription()); err != nil {
		t.Fatalf("SetRemoteDescription(offer): %v", err)
	}
	answer, err := agent.CreateAnswer(nil)
	if err != nil {
		t.Fatalf("CreateAnswer: %v", err)
	}
	gathered = webrtc.GatheringCompletePromise(agent)
	if err := agent.SetLocalDescription(answer); err != nil {
		t.Fatalf("SetLocalDescription(answer): %v", err)
	}
	waitFor(ctx, t, gathered, "agent gathering")
	if err := freelancer.SetRemoteDescription(*agent.LocalDescription()); err != nil {
		t.Fatalf("SetRemoteDescription(answer): %v", err)
	}

	for _, want := range []string{"agent got hello agent", "freelancer got hello freelancer"} {
		select {
		case got := <-received:
			if got != want {
				t.Fatalf("message %q; expected %q", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("waiting for %q: %v", want, ctx.Err())
		}
	}

	for name, pc := range map[string]*webrtc.PeerConnection{"freelancer": freelancer, "agent": agent} {
		pair, err := pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
		if err != nil || pair == nil {
			t.Fatalf("%s: selected pair = %v, %v", name, pair, err)
		}
		if pair.Local.Typ != webrtc.ICECandidateTypeRelay || pair.Remote.Typ != webrtc.ICECandidateTypeRelay {
			t.Errorf("%s: selected pair %s -> %s; expected relay -> relay", name, pair.Local.Typ, pair.Remote.Typ)
		}
	}
	if n := srv.Allocations(); n < 2 {
		t.Errorf("Allocations() = %d during the call; expected at least 2", n)
	}
}

func waitFor(ctx context.Context, t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
	}
}
