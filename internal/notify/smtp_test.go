package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// delivery is one message as the test server received it.
type delivery struct {
	from  string
	to    []string
	data  []byte
	tls   bool
	auths string // user name that authenticated, if any
}

// testBackend is an in-memory SMTP server backend.
type testBackend struct {
	users   map[string]string // user name -> password; nil disables AUTH
	rcptErr error             // returned for every RCPT when set

	mu         sync.Mutex
	deliveries []delivery
}

func (b *testBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &testSession{b: b, d: delivery{tls: isTLS}}, nil
}

func (b *testBackend) received() []delivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]delivery(nil), b.deliveries...)
}

type testSession struct {
	b    *testBackend
	d    delivery
	user string
}

func (s *testSession) AuthMechanisms() []string {
	if s.b.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if want, ok := s.b.users[username]; !ok || password != want {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.d.from = from
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.rcptErr != nil {
		return s.b.rcptErr
	}
	s.d.to = append(s.d.to, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	d := s.d
	d.data = data
	d.auths = s.user
	s.b.mu.Lock()
	s.b.deliveries = append(s.b.deliveries, d)
	s.b.mu.Unlock()
	return nil
}

func (s *testSession) Reset()        { s.d = delivery{tls: s.d.tls} }
func (s *testSession) Logout() error { return nil }

// startServer runs b on 127.0.0.1 with an ephemeral port and returns
// host:port. A non-nil tlsConfig enables STARTTLS.
func startServer(t *testing.T, b *testBackend, tlsConfig *tls.Config) string {
	t.Helper()
	return serve(t, b, tlsConfig, false)
}

// startImplicitTLSServer runs b behind TLS from the first byte, as smtps.
func startImplicitTLSServer(t *testing.T, b *testBackend, tlsConfig *tls.Config) string {
	t.Helper()
	return serve(t, b, tlsConfig, true)
}

func serve(t *testing.T, b *testBackend, tlsConfig *tls.Config, implicitTLS bool) string {
	t.Helper()
	srv := smtp.NewServer(b)
	srv.Domain = "mx.test"
	if !implicitTLS {
		srv.TLSConfig = tlsConfig
	}
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	if implicitTLS {
		l = tls.NewListener(l, tlsConfig)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return addr
}

// selfSignedTLS returns a server config with a fresh certificate for
// 127.0.0.1 and a client config that trusts only that certificate.
func selfSignedTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "notify test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}

func newSender(t *testing.T, rawURL string) *SMTPSender {
	t.Helper()
	s, err := NewSMTPSender(rawURL)
	if err != nil {
		t.Fatalf("NewSMTPSender(%q): %v", rawURL, err)
	}
	return s
}

var testMessage = Message{
	To:      "Ana Souza <ana@example.com>",
	Subject: "Verifique o seu perfil até 2 de dezembro ✓",
	Text:    "Olá Ana,\r\n\r\nPor favor, verifique o seu perfil.\r\n",
	HTML:    "<p>Olá <b>Ana</b>,</p>\r\n<p>Por favor, verifique o seu perfil.</p>\r\n",
}

// checkDelivery asserts that exactly one message arrived and that it is
// testMessage as sent by from.
func checkDelivery(t *testing.T, b *testBackend, wantTLS bool, wantUser string) {
	t.Helper()
	got := b.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	d := got[0]
	if d.from != "no-reply@attest.test" {
		t.Errorf("MAIL FROM = %q, want no-reply@attest.test", d.from)
	}
	if len(d.to) != 1 || d.to[0] != "ana@example.com" {
		t.Errorf("RCPT TO = %q, want [ana@example.com]", d.to)
	}
	if d.tls != wantTLS {
		t.Errorf("message arrived over TLS: %v, want %v", d.tls, wantTLS)
	}
	if d.auths != wantUser {
		t.Errorf("authenticated user = %q, want %q", d.auths, wantUser)
	}
	checkCRLF(t, d.data)
	m := parseMessage(t, d.data)
	if m.from.Address != "no-reply@attest.test" || m.from.Name != "Attest" {
		t.Errorf("From = %+v, want Attest <no-reply@attest.test>", m.from)
	}
	if m.to.Address != "ana@example.com" {
		t.Errorf("To = %+v, want ana@example.com", m.to)
	}
	if m.subject != testMessage.Subject {
		t.Errorf("Subject decodes to %q, want %q", m.subject, testMessage.Subject)
	}
	if m.text != testMessage.Text {
		t.Errorf("text part = %q, want %q", m.text, testMessage.Text)
	}
	if m.html != testMessage.HTML {
		t.Errorf("html part = %q, want %q", m.html, testMessage.HTML)
	}
	if id := m.header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@attest.test>") {
		t.Errorf("Message-ID = %q, want <random@attest.test>", id)
	}
	if date := m.header.Get("Date"); date != "Fri, 20 Nov 2026 09:30:00 +0000" {
		t.Errorf("Date = %q, want the injected clock's time", date)
	}
}

var fixedClock = func() time.Time { return time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC) }

const testFrom = "from=" + "Attest%20%3Cno-reply%40attest.test%3E"

func TestSendPlainLoopback(t *testing.T) {
	b := &testBackend{}
	addr := startServer(t, b, nil)
	s := newSender(t, "smtp://"+addr+"?starttls=off&"+testFrom).WithClock(fixedClock)
	if err := s.Send(context.Background(), testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkDelivery(t, b, false, "")
}

func TestSendStartTLSRequired(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	b := &testBackend{}
	addr := startServer(t, b, serverTLS)
	s := newSender(t, "smtp://"+addr+"?starttls=required&"+testFrom).WithTLSConfig(clientTLS).WithClock(fixedClock)
	if err := s.Send(context.Background(), testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkDelivery(t, b, true, "")
}

func TestSendImplicitTLSWithAuth(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	b := &testBackend{users: map[string]string{"mailer": "pw"}}
	addr := startImplicitTLSServer(t, b, serverTLS)
	s := newSender(t, "smtps://mailer:pw@"+addr+"?"+testFrom).WithTLSConfig(clientTLS).WithClock(fixedClock)
	if err := s.Send(context.Background(), testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkDelivery(t, b, true, "mailer")
}

func TestSendStartTLSUntrustedCertificate(t *testing.T) {
	serverTLS, _ := selfSignedTLS(t)
	b := &testBackend{}
	addr := startServer(t, b, serverTLS)
	s := newSender(t, "smtp://"+addr+"?starttls=required&"+testFrom)
	err := s.Send(context.Background(), testMessage)
	if err == nil || !strings.Contains(err.Error(), "starttls") {
		t.Fatalf("Send with an untrusted certificate = %v, want a starttls error", err)
	}
	if n := len(b.received()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
}

func TestSendStartTLSRequiredButMissing(t *testing.T) {
	b := &testBackend{}
	addr := startServer(t, b, nil)
	s := newSender(t, "smtp://"+addr+"?starttls=required&"+testFrom)
	err := s.Send(context.Background(), testMessage)
	if err == nil || !strings.Contains(err.Error(), "starttls") {
		t.Fatalf("Send = %v, want a starttls error", err)
	}
	if n := len(b.received()); n != 0 {
		t.Errorf("server received %d messages, want 0", n)
	}
}

func TestSendOpportunistic(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	tests := []struct {
		name    string
		tls     *tls.Config
		wantTLS bool
	}{
		{"server offers STARTTLS", serverTLS, true},
		{"server without STARTTLS", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &testBackend{}
			addr := startServer(t, b, tt.tls)
			s := newSender(t, "smtp://"+addr+"?"+testFrom).WithTLSConfig(clientTLS).WithClock(fixedClock)
			if err := s.Send(context.Background(), testMessage); err != nil {
				t.Fatalf("Send: %v", err)
			}
			checkDelivery(t, b, tt.wantTLS, "")
		})
	}
}

func TestSendAuthPlainOverStartTLS(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	b := &testBackend{users: map[string]string{"mailer": "s3cret:/@"}}
	addr := startServer(t, b, serverTLS)
	u := "smtp://mailer:" + url.QueryEscape("s3cret:/@") + "@" + addr + "?starttls=required&" + testFrom
	s := newSender(t, u).WithTLSConfig(clientTLS).WithClock(fixedClock)
	if err := s.Send(context.Background(), testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkDelivery(t, b, true, "mailer")
}

func TestSendAuthWrongPassword(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	b := &testBackend{users: map[string]string{"mailer": "right"}}
	addr := startServer(t, b, serverTLS)
	s := newSender(t, "smtp://mailer:wrong@"+addr+"?starttls=required&"+testFrom).WithTLSConfig(clientTLS)
	err := s.Send(context.Background(), testMessage)
	if err == nil || !strings.Contains(err.Error(), "auth") {
		t.Fatalf("Send = %v, want an auth error", err)
	}
	if !IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = false, want true for 535", err)
	}
}

func TestSendRcptRejected(t *testing.T) {
	tests := []struct {
		name          string
		code          int
		enhanced      smtp.EnhancedCode
		wantPermanent bool
	}{
		{"550 no such user", 550, smtp.EnhancedCode{5, 1, 1}, true},
		{"451 try again later", 451, smtp.EnhancedCode{4, 3, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &testBackend{rcptErr: &smtp.SMTPError{Code: tt.code, EnhancedCode: tt.enhanced, Message: tt.name}}
			addr := startServer(t, b, nil)
			s := newSender(t, "smtp://"+addr+"?starttls=off&"+testFrom)
			err := s.Send(context.Background(), testMessage)
			if err == nil {
				t.Fatal("Send succeeded, want the RCPT rejection")
			}
			if !strings.Contains(err.Error(), "rcpt to") {
				t.Errorf("error %q does not name the rcpt to stage", err)
			}
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != tt.code {
				t.Errorf("error %v does not wrap an SMTP %d reply", err, tt.code)
			}
			if got := IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.wantPermanent)
			}
		})
	}
}

func TestSendServerNotListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	s := newSender(t, "smtp://"+addr+"?starttls=off&"+testFrom)
	err = s.Send(context.Background(), testMessage)
	if err == nil || !strings.Contains(err.Error(), "dial") {
		t.Fatalf("Send = %v, want an error mentioning dial", err)
	}
	if IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true, want false for a refused connection", err)
	}
}

// A server that accepts the connection but never greets must not hold
// Send past the context's deadline.
func TestSendRespectsContextDeadline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var conns sync.WaitGroup
	conns.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			// Stay silent until the client hangs up.
			conns.Go(func() {
				io.Copy(io.Discard, c)
				c.Close()
			})
		}
	})
	t.Cleanup(func() {
		l.Close()
		conns.Wait()
	})

	for _, mode := range []string{"off", "required"} {
		t.Run("starttls="+mode, func(t *testing.T) {
			s := newSender(t, "smtp://"+l.Addr().String()+"?starttls="+mode+"&"+testFrom)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := s.Send(ctx, testMessage)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("Send returned after %v, want about 200ms", elapsed)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Send = %v, want it to wrap context.DeadlineExceeded", err)
			}
		})
	}
}

func TestSendInvalidMessageIsPermanent(t *testing.T) {
	s := newSender(t, "smtp://127.0.0.1:1?starttls=off&"+testFrom)
	m := testMessage
	m.Subject = "Hi\r\nBcc: eve@example.com"
	err := s.Send(context.Background(), m)
	if err == nil || !IsPermanent(err) {
		t.Fatalf("Send of an invalid message = %v, want a permanent error", err)
	}
	if strings.Contains(err.Error(), "dial") {
		t.Errorf("Send = %v, want it to fail before dialling", err)
	}
}

func TestIsPermanent(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("boom"), false},
		{"550", &smtp.SMTPError{Code: 550}, true},
		{"wrapped 554", errWrap(&smtp.SMTPError{Code: 554}), true},
		{"421", &smtp.SMTPError{Code: 421}, false},
		{"wrapped 452", errWrap(&smtp.SMTPError{Code: 452}), false},
		{"deadline", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsPermanent(tt.err); got != tt.want {
				t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func errWrap(err error) error { return errors.Join(errors.New("context"), err) }

func TestNewSMTPSender(t *testing.T) {
	tests := []struct {
		url         string
		wantErr     string // substring; empty means success
		addr        string
		implicitTLS bool
		startTLS    startTLSMode
		user        string
	}{
		{url: "smtp://mail.example.com?from=a@attest.test", addr: "mail.example.com:587", startTLS: startTLSOpportunistic},
		{url: "smtp://mail.example.com:2525?from=a@attest.test&starttls=required", addr: "mail.example.com:2525", startTLS: startTLSRequired},
		{url: "smtp://127.0.0.1:25?from=a@attest.test&starttls=off", addr: "127.0.0.1:25", startTLS: startTLSOff},
		{url: "smtps://mail.example.com?from=a@attest.test", addr: "mail.example.com:465", implicitTLS: true},
		{url: "smtps://u:p@mail.example.com:4650?from=a@attest.test", addr: "mail.example.com:4650", implicitTLS: true, user: "u"},
		{url: "smtp://u:p@[::1]?from=a@attest.test&starttls=off", addr: "[::1]:587", startTLS: startTLSOff, user: "u"},
		{url: "smtp://u:p@localhost:25?from=a@attest.test&starttls=off", addr: "localhost:25", startTLS: startTLSOff, user: "u"},
		{url: "smtp://mail.example.com?from=Attest%20%3Ca@attest.test%3E", addr: "mail.example.com:587", startTLS: startTLSOpportunistic},

		{url: "smtp://mail.example.com", wantErr: "from"},
		{url: "smtp://mail.example.com?from=", wantErr: "from"},
		{url: "smtp://mail.example.com?from=nobody", wantErr: "from"},
		{url: "http://mail.example.com?from=a@attest.test", wantErr: "scheme"},
		{url: "mail.example.com:587?from=a@attest.test", wantErr: "scheme"},
		{url: "smtp://?from=a@attest.test", wantErr: "host"},
		{url: "smtp://mail.example.com?from=a@attest.test&starttls=maybe", wantErr: "starttls"},
		{url: "smtps://mail.example.com?from=a@attest.test&starttls=off", wantErr: "starttls"},
		{url: "smtp://mail.example.com?form=a@attest.test", wantErr: "form"},
		{url: "smtp://u:p@mail.example.com?from=a@attest.test&starttls=off", wantErr: "clear text"},
		{url: "smtp://:p@mail.example.com?from=a@attest.test", wantErr: "user name"},
		{url: "smtp://u:p%zz@mail.example.com?from=a@attest.test", wantErr: "parse"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := NewSMTPSender(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewSMTPSender(%q) error = %v, want one mentioning %q", tt.url, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "p%zz") {
					t.Errorf("error %q repeats the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewSMTPSender(%q): %v", tt.url, err)
			}
			if s.addr != tt.addr || s.implicitTLS != tt.implicitTLS || s.startTLS != tt.startTLS || s.username != tt.user {
				t.Errorf("got addr %q, implicit TLS %v, starttls %q, user %q; want %q, %v, %q, %q",
					s.addr, s.implicitTLS, s.startTLS, s.username, tt.addr, tt.implicitTLS, tt.startTLS, tt.user)
			}
		})
	}
}
