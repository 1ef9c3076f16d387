// Package server assembles attest: the database, the job queue and every
// surface (API, portal, console) behind one HTTP handler.
package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/admin"
	"github.com/attest-dev/attest/internal/api"
	"github.com/attest-dev/attest/internal/apidocs"
	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/clientip"
	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/credential"
	"github.com/attest-dev/attest/internal/issuer"
	"github.com/attest-dev/attest/internal/jobs"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/keys/rotation"
	"github.com/attest-dev/attest/internal/metrics"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/portal"
	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/relay"
	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/webhook"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// Config is everything serve needs to know.
type Config struct {
	Store   store.Config
	BaseURL string // how people reach this service, e.g. https://verify.example.com
	SMTP    string // smtp:// or smtps:// URL; empty records mail but sends none
	Log     *slog.Logger
	Now     func() time.Time
	// JobPoll is how often idle job workers look for work.
	JobPoll time.Duration
	// TrustProxy lists the reverse proxies whose X-Forwarded-For is
	// believed (clientip.Proxies); empty trusts nobody.
	TrustProxy clientip.Proxies
	// DevMailbox shows every email recorded, portal links included, to
	// admins at /dev/mailbox: for demo and development only.
	DevMailbox bool
	Call       CallConfig
	// SlotLength is how long a bookable call slot lasts (default 10 minutes).
	SlotLength time.Duration
	// MaxUploads caps uploads read at once (portal.DefaultMaxUploads when zero).
	MaxUploads int
	// BodyReadTimeout is how long a request's body may take to arrive
	// (DefaultBodyReadTimeout when zero); uploads get UploadReadTimeout.
	BodyReadTimeout time.Duration
	// MetricsToken, when set, is the bearer token Prometheus must send to
	// read /metrics; empty serves /metrics to anyone.
	MetricsToken string
	// Keys are the master keys, from which every signing and sealing key
	// derives; Open refuses to start without a current one.
	Keys *keys.Ring
	// DocumentKey is the key documents were sealed with before master
	// keys (--document-key), as 64 hex digits or base64: given once, the
	// documents it sealed are sealed again under the master key.
	DocumentKey string
	Webhooks    WebhookConfig
	// APIRateLimit bounds each API key's requests on this node
	// (api.DefaultRateLimit when zero; a negative rate turns it off).
	APIRateLimit api.RateLimit
	// RequireTOTP lists the staff roles that must use a TOTP second factor.
	RequireTOTP []store.Role
	// OIDC, when its Issuer is set, offers staff sign-in through an OpenID
	// Connect provider.
	OIDC OIDCConfig
	// Credentials, when its Trust is set, lets freelancers confirm claims
	// with a digital credential (docs/CREDENTIALS.md).
	Credentials CredentialConfig
	// Issuer shapes attest as a credential issuer: verified freelancers
	// take their result to their wallet (docs/CREDENTIALS.md). Whether
	// offers are made is the policy's issue_credentials.
	Issuer IssuerConfig
}

// IssuerConfig shapes attest as a credential issuer.
type IssuerConfig struct {
	// Marketplace is the operator's name each credential states as who
	// verified it; the --base-url host when empty.
	Marketplace string
	// Lifetime is how long a credential is valid (issuer.DefaultLifetime
	// when zero); OfferLifetime how long an offer's code may be redeemed
	// (issuer.DefaultOfferLifetime when zero).
	Lifetime, OfferLifetime time.Duration
}

// CredentialConfig is how attest verifies digital credentials.
type CredentialConfig struct {
	// Trust is the issuers whose credentials are accepted; nil turns
	// digital credentials off.
	Trust *sdjwt.Trust
	// Types are the credential types (vct) asked for (credential.DefaultTypes when empty).
	Types []string
	// StatusTimeout bounds the fetch of a status list (5 s when zero).
	StatusTimeout time.Duration
	// AllowHTTP fetches status lists over plain http: development and tests only.
	AllowHTTP bool
}

// OIDCConfig names an OpenID Connect provider staff may sign in with.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	// Name is shown on the sign-in button; the issuer's host by default.
	Name string
	// HTTPClient talks to the provider; nil is http.DefaultClient.
	HTTPClient *http.Client
}

// WebhookConfig shapes webhook delivery.
type WebhookConfig struct {
	// AllowPrivate lets endpoints be private, loopback or link-local
	// addresses, and plain http: for development and tests only.
	AllowPrivate bool
	// RetryScale is the wait before the first retry (default 30 s); later
	// waits double from it. Tests shrink it.
	RetryScale time.Duration
	// Poll is how often events committed by other nodes are looked for
	// (default 1 s); this node's own go out at once.
	Poll time.Duration
}

// CallConfig shapes the live call.
type CallConfig struct {
	// TURNListen is where the embedded TURN server listens (UDP and TCP),
	// e.g. 0.0.0.0:3478; port 0 picks a free port.
	TURNListen string
	// TURNRelayIP is the address browsers reach relayed media on.
	TURNRelayIP net.IP
	// TURNPortMin and TURNPortMax bound the UDP ports relayed media uses
	// (both zero: any), for a firewall or a container's published ports.
	TURNPortMin, TURNPortMax uint16
	// TURNExternal, when set, replaces the embedded server with an external
	// one (see relay.ParseExternal).
	TURNExternal string
	// RelayOnly sends all media through TURN, hiding each side's address from the other.
	RelayOnly bool
	// AgentCamera lets agents send video; off by default.
	AgentCamera bool
	// Hold is how long a freelancer who closed the queue page keeps their place.
	Hold time.Duration
	// Tick is how often queue positions and the floor are pushed.
	Tick time.Duration
	// HandleTime is the expected length of a call, for wait estimates.
	HandleTime time.Duration
	// MaxSocketsPerPerson and MaxSocketsPerAddress cap live signaling
	// sockets; SocketIdle closes a silent one (call.Default* when zero).
	MaxSocketsPerPerson, MaxSocketsPerAddress int
	SocketIdle                                time.Duration
}

// Server is a running attest.
type Server struct {
	Store    *store.Store
	Jobs     *jobs.Queue
	Workflow *workflow.Workflow
	// Staff makes every change to staff accounts and API keys.
	Staff    *staff.Accounts
	Calls    *call.Service
	TURN     *relay.Server // nil when an external TURN server is used
	Webhooks *webhook.Endpoints
	fanout   *webhook.Dispatcher
	routes   []Route
	bodyRead time.Duration
	handler  http.Handler
	log      *slog.Logger
}

// Open connects to the database, applies migrations and builds the handler.
// It starts nothing: Run does.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Log = withRequestIDs(cfg.Log)
	st, err := Migrated(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	s, err := build(ctx, st, cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// Migrated opens the store and applies attest's and the job queue's migrations.
func Migrated(ctx context.Context, cfg store.Config) (*store.Store, error) {
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func build(ctx context.Context, st *store.Store, cfg Config) (*Server, error) {
	ring, err := setupKeys(ctx, st, cfg)
	if err != nil {
		return nil, err
	}
	signer, err := auth.NewPortalSigner(ring.Signing(keys.PortalLinks))
	if err != nil {
		return nil, err
	}
	signer.AlsoAccept(func(now time.Time) [][]byte { return ring.Older(keys.PortalLinks, now) })
	var sender notify.Sender
	if cfg.SMTP != "" {
		if sender, err = notify.NewSMTPSender(cfg.SMTP); err != nil {
			return nil, fmt.Errorf("--smtp: %w", err)
		}
	} else if !cfg.DevMailbox {
		// Without a sender the email worker marks each email done at once
		// (transport "mailbox"): it stays in the database, unsent for good.
		cfg.Log.Warn("mail is not being sent: no --smtp is set, so invitations, reminders and results are only recorded " +
			"in the database and nobody receives them, now or later; give --smtp to send mail " +
			"(or --dev-mailbox to let admins read them at /dev/mailbox, for development only)")
	}
	if cfg.DevMailbox {
		cfg.Log.Info("the dev mailbox is on: admins can read every email, portal links included, at /dev/mailbox (development only)")
	}
	policy := verification.DefaultPolicy()
	policy.SlotLength = orDefault(cfg.SlotLength, policy.SlotLength)
	figures := metrics.New(st, cfg.Now)
	wf := &workflow.Workflow{Store: st, Policy: policy, PolicyCache: new(workflow.PolicyCache), Portal: signer,
		BaseURL: strings.TrimRight(cfg.BaseURL, "/"), Now: cfg.Now, LinkLifetime: 30 * 24 * time.Hour,
		Estimator: queue.Estimator{HandleTime: orDefault(cfg.Call.HandleTime, 4*time.Minute)},
		OnTaken:   figures.QueueWait, OnDecision: figures.Decision, Keys: ring}
	if wf.Credentials, err = credentialService(cfg, ring); err != nil {
		return nil, err
	}
	if wf.Issuer, err = issuerService(cfg, ring); err != nil {
		return nil, err
	}
	if err := wf.KeepIssuerKeysForUnattributed(ctx); err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &notify.EmailWorker{Store: st, Sender: sender, Now: cfg.Now})
	river.AddWorker(workers, &workflow.DeadlineWorker{Workflow: wf})
	river.AddWorker(workers, &workflow.CallReminderWorker{Workflow: wf})
	slots := &call.SlotWorker{} // its service is made below, before any job runs
	river.AddWorker(workers, slots)
	river.AddWorker(workers, &workflow.RetentionWorker{Workflow: wf})
	targets := webhook.Targets{AllowPrivate: cfg.Webhooks.AllowPrivate}
	deliveries := &webhook.Worker{Store: st, Client: webhook.NewClient(targets), Keys: ring, Now: cfg.Now, Log: cfg.Log,
		RetryScale: cfg.Webhooks.RetryScale, OnAttempt: figures.WebhookDelivered}
	river.AddWorker(workers, deliveries)
	river.AddWorker(workers, &webhook.PruneWorker{Store: st, Now: cfg.Now})
	queue, err := jobs.New(st, jobs.Config{Workers: workers, Logger: cfg.Log, PollInterval: cfg.JobPoll,
		Periodic: []*river.PeriodicJob{workflow.RetentionJob(), webhook.PruneJob()}})
	if err != nil {
		return nil, err
	}
	wf.Jobs = queue
	deliveries.OnDisabled = webhook.EmailAdmins(queue, wf.BaseURL, cfg.Now)
	endpoints := &webhook.Endpoints{Store: st, Jobs: queue, Targets: targets, Keys: ring, Now: cfg.Now}
	fanout := webhook.NewDispatcher(st, queue, cfg.Now, orDefault(cfg.Webhooks.Poll, time.Second), cfg.Log)
	st.OnEventCommitted(fanout.Nudge)

	calls, turn, err := newCalls(st, wf, ring, cfg)
	if err != nil {
		return nil, err
	}
	slots.Service = calls
	calls.OnRefused, calls.TrustProxy = figures.LimitRefused, cfg.TrustProxy

	reference, err := apidocs.New(api.OpenAPI())
	if err != nil {
		return nil, err
	}
	accounts := &staff.Accounts{Keys: ring, Now: cfg.Now, Rand: rand.Reader}
	staffConsole, err := newConsole(st, wf, calls, accounts, ring.Signing(keys.StaffTickets), cfg)
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	rt := &router{mux: mux}
	apiServer := &api.Server{Workflow: wf, Store: st, Webhooks: endpoints, Log: cfg.Log, Limit: cfg.APIRateLimit}
	// The API's mux serves its operations, each declaring its rule (see
	// served); the catch-all answers unknown paths with the error envelope.
	rt.Handle("/v1/", web.Allow(web.Public, apiServer.Handler()))
	rt.Handle("GET /docs", web.Allow(web.Public, reference)) // it describes the API, not anyone's data
	(&portal.Portal{Store: st, Signer: signer, Workflow: wf, Calls: calls, Now: cfg.Now, Log: cfg.Log,
		MaxUploads: cfg.MaxUploads, OnRefused: figures.LimitRefused}).Register(rt)
	staffConsole.Register(rt)
	(&admin.Admin{Gate: staffConsole, Store: st, Workflow: wf, Staff: accounts, Webhooks: endpoints,
		Limiter: staffConsole.Limiter, AddressLimiter: staffConsole.AddressLimiter, Mailbox: cfg.DevMailbox,
		Now: cfg.Now, Log: cfg.Log}).Register(rt)
	rt.Handle("GET /static/", web.Allow(web.Public, web.Static()))
	rt.Handle("GET /healthz", web.AllowFunc(web.Public, func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	}))
	rt.Handle("GET /readyz", web.AllowFunc(web.Public, func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			writeStatus(w, http.StatusServiceUnavailable, "database unreachable")
			return
		}
		writeStatus(w, http.StatusOK, "ok")
	}))
	// Without a token /metrics is open: it holds counts and timings by
	// status and route, no personal data and no portal tokens.
	rt.Handle("GET /metrics", web.Allow(web.Public, bearer(cfg.MetricsToken, figures.Handler())))
	rt.Handle("GET /{$}", web.AllowFunc(web.Public, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}))
	served, err := rt.served(apiServer.Routes())
	if err != nil {
		return nil, err
	}
	return &Server{Store: st, Jobs: queue, Workflow: wf, Staff: accounts, Calls: calls, TURN: turn, Webhooks: endpoints, fanout: fanout,
		routes: served, bodyRead: orDefault(cfg.BodyReadTimeout, DefaultBodyReadTimeout), handler: withRequestID(rand.Reader, measure(figures, cfg.Log, mux, secure(mux))), log: cfg.Log}, nil
}

// credentialService is the verifier of digital credentials, or nil when
// no issuer is trusted. Its request-signing key derives from the master
// key, so that every node signs alike.
func credentialService(cfg Config, ring *keys.Ring) (*credential.Service, error) {
	cc := cfg.Credentials
	if cc.Trust == nil {
		return nil, nil
	}
	key, err := credential.KeyFromSeed(ring.Signing(keys.CredentialRequests))
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("digital credentials need --base-url with a host: %q", cfg.BaseURL)
	}
	signer, err := credential.RequestSigner(key, u.Hostname(), cfg.Now())
	if err != nil {
		return nil, err
	}
	lists := sdjwt.NewStatusLists(orDefault(cc.StatusTimeout, 5*time.Second), cfg.Now)
	lists.AllowHTTP = cc.AllowHTTP
	return &credential.Service{BaseURL: strings.TrimRight(cfg.BaseURL, "/"), Signer: signer, Types: cc.Types, Now: cfg.Now,
		Verifier: &sdjwt.Verifier{Trust: cc.Trust, Status: lists, Now: cfg.Now}}, nil
}

// issuerService is attest as a credential issuer, or nil when --base-url
// names no host. Its signing key derives from the master key, so that
// every node signs alike; the previous master key's is published while
// the ring still verifies with it, and every key that signed a credential
// stays published from the database until that credential expires
// (Workflow.IssuerMetadata), through any number of rotations.
func issuerService(cfg Config, ring *keys.Ring) (*issuer.Service, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Hostname() == "" {
		return nil, nil
	}
	key, err := credential.KeyFromSeed(ring.Signing(keys.CredentialIssuing))
	if err != nil {
		return nil, err
	}
	signer, pub, err := issuer.NewSigner(key)
	if err != nil {
		return nil, err
	}
	published := []jose.JSONWebKey{pub}
	for _, seed := range ring.Older(keys.CredentialIssuing, cfg.Now()) {
		if old, err := credential.KeyFromSeed(seed); err == nil {
			if _, oldPub, err := issuer.NewSigner(old); err == nil {
				published = append(published, oldPub)
			}
		}
	}
	ic := cfg.Issuer
	return &issuer.Service{BaseURL: strings.TrimRight(cfg.BaseURL, "/"), Marketplace: orDefault(ic.Marketplace, u.Host),
		Signer: signer, Published: published, NonceKey: ring.Signing(keys.IssuerNonces), Now: cfg.Now, Random: rand.Reader,
		Lifetime: ic.Lifetime, OfferLifetime: ic.OfferLifetime}, nil
}

// setupKeys checks the master keys against the database and brings the
// database to them (see rotation.Setup), and says in the log what it found.
func setupKeys(ctx context.Context, st *store.Store, cfg Config) (*keys.Ring, error) {
	if cfg.Keys == nil || cfg.Keys.Current == nil {
		return nil, errors.New("a master key is needed: give --master-key-file FILE (or ATTEST_MASTER_KEY); " +
			"`attest keys new` makes one. Keep it apart from the database and its backups")
	}
	ring := cfg.Keys.Clone()
	if cfg.DocumentKey != "" {
		key, err := keys.ParseRaw(cfg.DocumentKey)
		if err != nil {
			return nil, fmt.Errorf("--document-key: %w", err)
		}
		ring.WithLegacy(keys.Documents, key)
	}
	rep, err := rotation.Setup(ctx, st, ring, cfg.Now())
	if err != nil {
		return nil, err
	}
	log := cfg.Log
	if rep.Adopted {
		log.Info("the database now belongs to master key "+ring.Current.ID()+": the keys it held in plain text were sealed or dropped",
			slog.String("master_key", ring.Current.ID()))
	}
	if rep.Resealed > 0 {
		log.Info("values sealed under an older key were sealed again under the current master key", slog.Int("count", rep.Resealed))
	}
	for kind, n := range rep.Unopened {
		if n > 0 {
			log.Warn("some sealed values are under a key this node was not given and cannot be opened here: "+
				"give the previous master key (or, for documents from before master keys, --document-key) once so that they are sealed again",
				slog.String("kind", string(kind)), slog.Int("count", n))
		}
	}
	if rep.PreviousExpired {
		log.Warn("the previous master key's grace period is over: it verifies nothing now; remove it from this node's configuration",
			slog.String("previous_master_key", ring.Previous.ID()))
	}
	if u := rep.PreviousMissingUntil; u != nil {
		log.Warn("the master key was rotated, and links signed with the previous key are refused by this node: "+
			"give the previous master key until its grace period ends", slog.Time("until", *u))
	}
	return ring, nil
}

// newConsole sets up the staff pages, with the key that signs sign-in
// tickets, and the OIDC provider if one is configured.
func newConsole(st *store.Store, wf *workflow.Workflow, calls *call.Service, accounts *staff.Accounts, ticketKey []byte, cfg Config) (*console.Console, error) {
	c := &console.Console{Store: st, Workflow: wf, Calls: calls, Now: cfg.Now, Log: cfg.Log, Rand: rand.Reader,
		Limiter: auth.NewLoginLimiter(5, 15*time.Minute, cfg.Now).WithGrowingDelay(), AddressLimiter: auth.NewLoginLimiter(30, 15*time.Minute, cfg.Now),
		Secure: strings.HasPrefix(cfg.BaseURL, "https://"), Mailbox: cfg.DevMailbox, TrustProxy: cfg.TrustProxy,
		RequireTOTP: cfg.RequireTOTP, TicketKey: ticketKey, Staff: accounts}
	if o := cfg.OIDC; o.Issuer != "" {
		issuer, err := url.Parse(o.Issuer)
		if err != nil || issuer.Host == "" || o.ClientID == "" {
			return nil, fmt.Errorf("OIDC: give an issuer URL and a client id")
		}
		c.OIDC = &console.OIDC{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
			Name: orDefault(o.Name, issuer.Host), RedirectURL: strings.TrimRight(cfg.BaseURL, "/") + "/login/oidc/callback",
			HTTPClient: o.HTTPClient}
	}
	return c, nil
}

// bearer lets through requests carrying "Authorization: Bearer <token>" and
// answers others 401; an empty token lets everyone through.
func bearer(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	// Comparing digests in constant time reveals neither the token nor its length.
	want := sha256.Sum256([]byte("Bearer " + token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mux.Handler's answer for the redirects the mux makes itself (to a cleaned
// path, or /tree to /tree/).
var muxRedirect = reflect.TypeOf(http.RedirectHandler("/", http.StatusTemporaryRedirect))

// measure times every request that next answers, records it by route in
// the metrics and writes one access line for it to log: the ServeMux
// pattern that serves it ("GET /v/{token}"), never the path, which holds
// portal tokens and anything a client cares to send. Neither headers,
// cookies nor bodies are logged.
//
// The pattern is looked up with mux.Handler before serving rather than read
// from r.Pattern afterwards: r.Pattern is documented on the request the mux
// passes to its handler, and only an implementation detail makes it show on
// ours; mux.Handler also returns the handler, which tells the mux's own
// redirects apart. For those the "pattern" may be a path (for CONNECT it is
// the request's path plus a slash), so they count as route="redirect".
// Requests matching no pattern (404, 405) count as route="unmatched".
func measure(m *metrics.Metrics, log *slog.Logger, mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now() // the wall clock, not Config.Now: tests stop that one
		h, route := mux.Handler(r)
		switch {
		case route == "":
			route = "unmatched"
		case reflect.TypeOf(h) == muxRedirect:
			route = "redirect"
		}
		rec := &recorder{ResponseWriter: w}
		rec.done = func() {
			took := time.Since(start)
			m.Request(route, r.Method, rec.status(), took)
			logAccess(log, r, route, rec, took)
		}
		next.ServeHTTP(rec, r)
		if !rec.hijacked {
			rec.done()
		}
	})
}

// logAccess writes the access line of a request. Its context carries the
// request id, which the log handler adds.
func logAccess(log *slog.Logger, r *http.Request, route string, rec *recorder, took time.Duration) {
	log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("route", route), slog.Int("status", rec.status()),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000), slog.Int64("bytes", rec.bytes))
}

// recorder notes the status code a handler answers with and how many body
// bytes it wrote. A connection taken
// over (a WebSocket) is measured up to the switch, not for its lifetime.
type recorder struct {
	http.ResponseWriter
	code     int
	bytes    int64
	hijacked bool
	done     func()
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// Flush passes flushes through, for handlers that stream.
func (r *recorder) Flush() {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	http.NewResponseController(r.ResponseWriter).Flush()
}

// Hijack hands the connection over (WebSocket upgrades) and records the
// request then.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil && !r.hijacked {
		r.hijacked = true
		if r.code == 0 {
			r.code = http.StatusSwitchingProtocols
		}
		r.done()
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController reach the connection's other controls.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// newCalls sets up the live call: ICE servers (the embedded TURN server, or
// an external one) and the signaling service.
func newCalls(st *store.Store, wf *workflow.Workflow, ring *keys.Ring, cfg Config) (*call.Service, *relay.Server, error) {
	cc := cfg.Call
	svc := &call.Service{Store: st, Workflow: wf, Now: cfg.Now, Log: cfg.Log, RelayOnly: cc.RelayOnly, AgentCamera: cc.AgentCamera,
		Hold: orDefault(cc.Hold, 15*time.Minute), Tick: orDefault(cc.Tick, 5*time.Second),
		MaxPerPerson: cc.MaxSocketsPerPerson, MaxPerAddress: cc.MaxSocketsPerAddress, IdleTimeout: cc.SocketIdle}
	if cc.TURNExternal != "" {
		ext, err := relay.ParseExternal(cc.TURNExternal)
		if err != nil {
			return nil, nil, fmt.Errorf("external TURN: %w", err)
		}
		svc.ICE = ext
		return svc, nil, nil
	}
	secret := ring.Signing(keys.TURN)
	ip := cc.TURNRelayIP
	if ip == nil {
		ip = net.IPv4(127, 0, 0, 1)
	}
	turn, err := relay.Start(relay.Config{Listen: orDefault(cc.TURNListen, "127.0.0.1:0"), RelayIP: ip, Secret: secret,
		PortMin: cc.TURNPortMin, PortMax: cc.TURNPortMax,
		Now: cfg.Now, Log: cfg.Log})
	if err != nil {
		return nil, nil, fmt.Errorf("start TURN server: %w", err)
	}
	svc.ICE = turn
	return svc, turn, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintf(w, "{\"status\":%q}\n", status)
}

// secure adds the headers every response carries and refuses cross-origin
// form posts (CSRF) on every route. API clients send no browser headers and
// pass; a browser on another site does not.
func secure(next http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	protected := csrf.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"connect-src 'self'; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on
		// form posts, and over plain http (no Sec-Fetch-Site) the CSRF check could not
		// tell a same-origin sign-in from a forged one. Portal tokens still never
		// leave for another site.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		protected.ServeHTTP(w, r)
	})
}

// Routes lists every route with its authorization rule.
func (s *Server) Routes() []Route { return slices.Clone(s.routes) }

// Handler is the whole service as one handler, for tests and Run.
func (s *Server) Handler() http.Handler { return s.handler }

// Start begins the work that runs beside requests: the job workers, the
// live floor's ticks and the webhook fan-out. The returned stop ends it,
// letting running jobs finish until its context ends.
//
// Only stop ends the work: ctx's values are kept but its cancellation is
// not, because the job queue cancels the jobs it is running when its
// context ends, and a webhook or an email cut off mid-way is tried again
// later rather than finished now.
func (s *Server) Start(ctx context.Context) (stop func(context.Context) error, err error) {
	ctx = context.WithoutCancel(ctx)
	if err := s.Jobs.Start(ctx); err != nil {
		return nil, err
	}
	live, stopLive := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.Calls.Run(live) })
	wg.Go(func() { s.fanout.Run(live) })
	return func(shutdown context.Context) error {
		stopLive()
		wg.Wait()
		return s.Jobs.Stop(shutdown)
	}, nil
}

// Body read limits: a request must arrive whole within DefaultBodyReadTimeout, an
// upload (documents, an appeal with a document) within UploadReadTimeout,
// so that a client sending a byte a second holds no connection for long.
const (
	DefaultBodyReadTimeout = 30 * time.Second
	UploadReadTimeout      = 2 * time.Minute
)

// withReadDeadlines sets each request's read deadline from when its headers
// arrived; WebSocket upgrades are left to their own idle deadline.
func withReadDeadlines(next http.Handler, body time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			limit := body
			if strings.HasSuffix(r.URL.Path, "/documents") || strings.HasSuffix(r.URL.Path, "/appeal") {
				limit = max(body, UploadReadTimeout)
			}
			// Not every ResponseWriter can (a test recorder): then there is no connection to hold.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(limit))
		}
		next.ServeHTTP(w, r)
	})
}

// DrainTimeout is how long Run waits, once its context ends, for requests
// and jobs in flight to finish. A supervisor (systemd, Docker) should wait
// longer than this before it kills the process.
const DrainTimeout = 20 * time.Second

// Run starts the background work and serves on ln until ctx ends, then
// drains requests and jobs in flight before returning.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	stopWork, err := s.Start(ctx)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: withReadDeadlines(s.handler, s.bodyRead), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err = <-done:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), DrainTimeout)
	defer cancel()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	err = errors.Join(err, srv.Shutdown(shutdown))
	s.Calls.Shutdown() // signaling sockets are hijacked: Shutdown does not close them
	return errors.Join(err, stopWork(shutdown))
}

// Close stops the TURN server and releases the database.
func (s *Server) Close() error {
	var err error
	if s.TURN != nil {
		err = s.TURN.Close()
	}
	return errors.Join(err, s.Store.Close())
}
