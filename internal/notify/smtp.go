package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// DefaultTimeout bounds a whole Send when the context carries no deadline,
// so a stuck relay cannot hold a worker forever.
const DefaultTimeout = 30 * time.Second

// startTLSMode says whether a smtp:// connection is upgraded with STARTTLS.
type startTLSMode string

const (
	startTLSRequired      startTLSMode = "required"
	startTLSOpportunistic startTLSMode = "opportunistic"
	startTLSOff           startTLSMode = "off"
)

// SMTPSender delivers messages to one SMTP relay. It holds no connection
// between sends and is safe for concurrent use.
type SMTPSender struct {
	host        string
	addr        string // host:port
	implicitTLS bool   // smtps://
	startTLS    startTLSMode
	username    string
	password    string
	hasPassword bool
	from        *mail.Address
	tlsConfig   *tls.Config
	now         func() time.Time
}

// NewSMTPSender configures a sender from a URL of the form
//
//	smtp://[user:pass@]host[:port]?from=addr[&starttls=required|opportunistic|off]
//	smtps://[user:pass@]host[:port]?from=addr
//
// smtp:// defaults to port 587 and opportunistic STARTTLS; smtps:// uses
// implicit TLS and defaults to port 465. from is the default sender address.
func NewSMTPSender(rawURL string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included; keep only
		// the reason so the error is safe to log.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("parse smtp url: %w", err)
	}
	s := &SMTPSender{now: time.Now}
	var defaultPort string
	switch u.Scheme {
	case "smtp":
		defaultPort = "587"
		s.startTLS = startTLSOpportunistic
	case "smtps":
		defaultPort = "465"
		s.implicitTLS = true
	default:
		return nil, fmt.Errorf("smtp url: unsupported scheme %q (want smtp or smtps)", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("smtp url: missing host")
	}
	port := u.Port()
	if port == "" {
		port = defaultPort
	}
	s.addr = net.JoinHostPort(s.host, port)

	if u.User != nil {
		s.username = u.User.Username()
		s.password, s.hasPassword = u.User.Password()
		if s.username == "" {
			return nil, errors.New("smtp url: credentials without a user name")
		}
	}

	q := u.Query()
	for key := range q {
		if key != "from" && key != "starttls" {
			// A typo such as "form=" would otherwise silently drop a setting.
			return nil, fmt.Errorf("smtp url: unknown parameter %q", key)
		}
	}
	from := q.Get("from")
	if from == "" {
		return nil, errors.New("smtp url: missing from parameter (the default sender address, e.g. ?from=noreply@example.com)")
	}
	if s.from, err = parseAddress(from); err != nil {
		return nil, fmt.Errorf("smtp url: from parameter: %w", err)
	}
	if q.Has("starttls") {
		if s.implicitTLS {
			return nil, errors.New("smtp url: starttls does not apply to smtps, which is always TLS")
		}
		switch mode := startTLSMode(q.Get("starttls")); mode {
		case startTLSRequired, startTLSOpportunistic, startTLSOff:
			s.startTLS = mode
		default:
			return nil, fmt.Errorf("smtp url: starttls=%q, want required, opportunistic or off", q.Get("starttls"))
		}
	}
	if s.username != "" && s.startTLS == startTLSOff && !isLoopback(s.host) {
		return nil, fmt.Errorf("smtp url: credentials with starttls=off would send the password to %s in clear text", s.host)
	}
	return s, nil
}

// WithTLSConfig returns a copy of s that uses c for STARTTLS and smtps, for
// example to trust a private CA. ServerName defaults to the URL's host.
func (s *SMTPSender) WithTLSConfig(c *tls.Config) *SMTPSender {
	cp := *s
	cp.tlsConfig = c
	return &cp
}

// WithClock returns a copy of s that takes the Date header from now.
func (s *SMTPSender) WithClock(now func() time.Time) *SMTPSender {
	cp := *s
	cp.now = now
	return &cp
}

// From returns the default sender address from the URL.
func (s *SMTPSender) From() string {
	return s.from.String()
}

// Send delivers m in one SMTP session. It gives up when ctx is done, or
// after DefaultTimeout if ctx has no deadline. Errors name the stage that
// failed; use IsPermanent to decide whether retrying can help.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = s.from.String()
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("smtp message: %w", permanentError{err})
	}
	from, _ := parseAddress(m.From) // checked by Validate
	to, _ := parseAddress(m.To)
	id, err := messageID(from.Address)
	if err != nil {
		return fmt.Errorf("smtp message id: %w", err)
	}
	data, err := m.Bytes(id, s.now())
	if err != nil {
		return fmt.Errorf("smtp message: %w", permanentError{err})
	}

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	c, stop, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer stop()
	defer c.Close()

	if s.username != "" {
		if err := s.auth(c); err != nil {
			return s.stageError(ctx, "auth", err)
		}
	}
	if err := c.Mail(from.Address, nil); err != nil {
		return s.stageError(ctx, "mail from", err)
	}
	if err := c.Rcpt(to.Address, nil); err != nil {
		return s.stageError(ctx, "rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return s.stageError(ctx, "data", err)
	}
	if _, err := w.Write(data); err != nil {
		return s.stageError(ctx, "data", err)
	}
	if err := w.Close(); err != nil {
		return s.stageError(ctx, "data", err)
	}
	// The relay has accepted the message. A failed QUIT must not make the
	// caller retry and deliver it twice, so its error is dropped.
	_ = c.Quit()
	return nil
}

// stageError names the SMTP stage that failed and, if ctx ended meanwhile,
// says so: the underlying error is then only "use of closed network
// connection", which would hide the real cause.
func (s *SMTPSender) stageError(ctx context.Context, stage string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("smtp %s %s: %w: %w", stage, s.addr, ctxErr, err)
	}
	return fmt.Errorf("smtp %s %s: %w", stage, s.addr, err)
}

// dial connects and, per the URL, negotiates TLS. The connection is closed
// as soon as ctx ends, because go-smtp resets the socket deadline before
// every command and would otherwise wait minutes; the returned stop
// function releases that watch.
func (s *SMTPSender) dial(ctx context.Context) (*smtp.Client, func() bool, error) {
	conn, stop, err := s.dialTCP(ctx)
	if err != nil {
		return nil, nil, err
	}
	fail := func(stage string, err error) (*smtp.Client, func() bool, error) {
		stop()
		conn.Close()
		return nil, nil, s.stageError(ctx, stage, err)
	}

	switch {
	case s.implicitTLS:
		tc := tls.Client(conn, s.clientTLSConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail("tls handshake", err)
		}
		return s.hello(ctx, smtp.NewClient(tc), stop, "ehlo")
	case s.startTLS == startTLSOff:
		return s.hello(ctx, smtp.NewClient(conn), stop, "ehlo")
	}

	c, err := smtp.NewClientStartTLS(conn, s.clientTLSConfig())
	if err == nil {
		// go-smtp hands the handshake to crypto/tls, which runs it on the
		// first write, that is the EHLO after STARTTLS; a bad certificate
		// shows up there and is reported as a starttls failure.
		return s.hello(ctx, c, stop, "starttls")
	}
	if s.startTLS == startTLSRequired || !isNoStartTLS(err) {
		return fail("starttls", err)
	}
	// Opportunistic, and the relay does not offer STARTTLS. go-smtp has
	// closed the connection by now, so start over in plain text.
	stop()
	conn, stop, err = s.dialTCP(ctx)
	if err != nil {
		return nil, nil, err
	}
	return s.hello(ctx, smtp.NewClient(conn), stop, "ehlo")
}

// hello reads the greeting and sends EHLO, closing c on failure.
func (s *SMTPSender) hello(ctx context.Context, c *smtp.Client, stop func() bool, stage string) (*smtp.Client, func() bool, error) {
	if err := c.Hello("localhost"); err != nil {
		stop()
		c.Close()
		return nil, nil, s.stageError(ctx, stage, err)
	}
	return c, stop, nil
}

// dialTCP opens a TCP connection that is closed when ctx ends.
func (s *SMTPSender) dialTCP(ctx context.Context) (net.Conn, func() bool, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("smtp dial %s: %w", s.addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return conn, stop, nil
}

// isNoStartTLS reports whether err is go-smtp's complaint that the server
// did not advertise STARTTLS. go-smtp has no sentinel for it; the text is
// pinned by the go.mod version and checked by TestSendOpportunistic.
func isNoStartTLS(err error) bool {
	var se *smtp.SMTPError
	return !errors.As(err, &se) && err.Error() == "smtp: server doesn't support STARTTLS"
}

// auth logs in with SASL PLAIN. PLAIN carries the password as is, so it is
// only sent over TLS, or to a loopback relay (a local MTA or test server)
// where it never crosses a network. Opportunistic STARTTLS can silently end
// up in plain text, which is why this is checked here and not only when the
// URL is parsed.
func (s *SMTPSender) auth(c *smtp.Client) error {
	if _, isTLS := c.TLSConnectionState(); !isTLS && !isLoopback(s.host) {
		return fmt.Errorf("refusing to send the password for %q without TLS (use starttls=required or smtps)", s.username)
	}
	if !c.SupportsAuth(sasl.Plain) {
		return errors.New("server does not offer AUTH PLAIN")
	}
	return c.Auth(sasl.NewPlainClient("", s.username, s.password))
}

func (s *SMTPSender) clientTLSConfig() *tls.Config {
	var c *tls.Config
	if s.tlsConfig != nil {
		c = s.tlsConfig.Clone()
	} else {
		c = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	// go-smtp's NewClient does not know the host name; without it the
	// certificate could not be verified at all.
	if c.ServerName == "" {
		c.ServerName = s.host
	}
	return c
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// messageID returns a new "<random@domain>" for a sender address, so the
// ID is unique and attributable to the sending domain.
func messageID(from string) (string, error) {
	at := strings.LastIndexByte(from, '@')
	if at < 0 || at == len(from)-1 {
		return "", fmt.Errorf("sender %q has no domain", from)
	}
	return "<" + rand.Text() + "@" + from[at+1:] + ">", nil
}

// IsPermanent reports whether retrying err cannot help: the server answered
// with a 5xx reply, or the message itself is invalid. A job queue should
// stop retrying those and record the failure.
func IsPermanent(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code >= 500
	}
	var pe permanentError
	return errors.As(err, &pe)
}

// permanentError marks failures that no retry can fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }
