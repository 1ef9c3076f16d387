package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/api"
	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/clientip"
	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/jobs"
	"github.com/attest-dev/attest/internal/portal"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
)

// storeFlags are --data and --db, which every command that touches the
// database takes.
func storeFlags(f flags) func() (store.Config, error) {
	data := f.str("data", "", "directory for the embedded SQLite database and files")
	db := f.str("db", "", "PostgreSQL URL (postgres://…); replaces the embedded database")
	return func() (store.Config, error) {
		if *data == "" && *db == "" {
			return store.Config{}, usageError{f.Name() + ": give --data DIR or --db URL"}
		}
		return store.Config{DataDir: *data, DatabaseURL: *db}, nil
	}
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("serve", stderr)
	addr := f.str("addr", "127.0.0.1:8080", "address to listen on")
	baseURL := f.str("base-url", "", "URL people use to reach this service (default http://ADDR)")
	smtp := f.str("smtp", "", "SMTP relay, smtp://user:pass@host:587?from=verify@example.com; without it no mail is sent (emails are only recorded)")
	devMailbox := f.boolean("dev-mailbox", false, "let admins read every email, portal links included, at /dev/mailbox (development only)")
	trustProxy := f.str("trust-proxy", "", "the reverse proxies in front of attest, as addresses or CIDR ranges (127.0.0.1,10.0.0.0/8): client addresses are read from their X-Forwarded-For")
	slot := f.str("slot-length", "10m", "how long a bookable call slot lasts, 5m to 60m")
	documentKey := f.str("document-key", "", "only when upgrading from before master keys: the key documents were sealed with, so that they are sealed again under the master key")
	metricsToken := f.str("metrics-token", "", "bearer token Prometheus must send to read /metrics; without it /metrics is open")
	apiRate := f.str("api-rate-limit", "500", "requests a second each API key may make on this node, with bursts of twice that; 0 turns the limit off")
	uploads := f.str("max-uploads", strconv.Itoa(portal.DefaultMaxUploads), "uploads read, and portal data downloads built, at once (each holds documents in memory, up to 10 MB each)")
	webhookPrivate := f.boolean("webhook-allow-private", false, "let webhook endpoints be private, loopback or link-local addresses and plain http (development only)")
	marketplace := f.str("marketplace-name", "", "the marketplace's name, stated in the credentials verified freelancers add to their wallets (default: the --base-url host)")
	call := callFlags(f)
	security := staffSecurityFlags(f)
	masters := masterKeyFlags(f)
	credentials := credentialFlags(f)
	cfg := storeFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	requireTOTP, oidc, err := security()
	if err != nil {
		return err
	}
	credentialCfg, err := credentials(nil)
	if err != nil {
		return err
	}
	storeCfg, err := cfg()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	ring, err := masters(log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	callCfg, err := call(baseURLFor(*baseURL, ln))
	if err != nil {
		ln.Close()
		return err
	}
	slotLength, err := time.ParseDuration(*slot)
	if err != nil || slotLength < 5*time.Minute || slotLength > time.Hour {
		ln.Close()
		return usageError{"serve: --slot-length must be a duration from 5m to 60m"}
	}
	proxies, err := clientip.ParseProxies(*trustProxy)
	if err != nil {
		ln.Close()
		return usageError{"serve: --trust-proxy: " + err.Error() + "; list the proxies' addresses, not true or false"}
	}
	maxUploads, err := countFlag("max-uploads", *uploads, 1, 1000)
	if err != nil {
		ln.Close()
		return err
	}
	rateLimit, err := parseRateLimit(*apiRate)
	if err != nil {
		ln.Close()
		return err
	}
	srv, err := server.Open(ctx, server.Config{Store: storeCfg, APIRateLimit: rateLimit, BaseURL: baseURLFor(*baseURL, ln), SMTP: *smtp,
		DevMailbox: *devMailbox, Log: log, TrustProxy: proxies, MaxUploads: maxUploads, Call: callCfg, SlotLength: slotLength, MetricsToken: *metricsToken,
		Keys: ring, DocumentKey: *documentKey, Webhooks: server.WebhookConfig{AllowPrivate: *webhookPrivate}, RequireTOTP: requireTOTP, OIDC: oidc,
		Issuer: server.IssuerConfig{Marketplace: strings.TrimSpace(*marketplace)}, Credentials: credentialCfg})
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	log.Info("attest is serving", slog.String("addr", ln.Addr().String()), slog.String("base_url", baseURLFor(*baseURL, ln)))
	console.WarmUp()
	return srv.Run(ctx, ln)
}

// staffSecurityFlags are how staff sign in: the roles that must use a
// second factor, and an OIDC provider.
func staffSecurityFlags(f flags) func() ([]store.Role, server.OIDCConfig, error) {
	requireTOTP := f.str("require-totp", "", "staff roles that must use a TOTP second factor, e.g. supervisor,admin")
	issuer := f.str("oidc-issuer", "", "OpenID Connect issuer URL staff may sign in with, e.g. https://accounts.google.com")
	clientID := f.str("oidc-client-id", "", "client id registered with the OIDC provider")
	clientSecret := f.str("oidc-client-secret", "", "client secret registered with the OIDC provider")
	name := f.str("oidc-name", "", "the OIDC provider's name on the sign-in button (default: the issuer's host)")
	return func() ([]store.Role, server.OIDCConfig, error) {
		var roles []store.Role
		for _, r := range strings.Split(*requireTOTP, ",") {
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			if !store.Role(r).Valid() {
				return nil, server.OIDCConfig{}, usageError{fmt.Sprintf("serve: --require-totp: %q is not a role (agent, supervisor, admin)", r)}
			}
			roles = append(roles, store.Role(r))
		}
		oidc := server.OIDCConfig{Issuer: *issuer, ClientID: *clientID, ClientSecret: *clientSecret, Name: *name}
		if (*issuer == "") != (*clientID == "") {
			return nil, oidc, usageError{"serve: --oidc-issuer and --oidc-client-id go together"}
		}
		return roles, oidc, nil
	}
}

// callFlags are the live call's settings.
func callFlags(f flags) func(baseURL string) (server.CallConfig, error) {
	listen := f.str("turn-listen", "0.0.0.0:3478", "where the embedded TURN server listens, UDP and TCP")
	ip := f.str("turn-ip", "", "address browsers reach the TURN relay on (default: the --base-url host's address)")
	external := f.str("turn-external", "", "an external TURN server instead of the embedded one: 'turn:host:3478?transport=udp,…;secret=S[;ttl=10m]'")
	relayOnly := f.boolean("relay-only", false, "send all media through TURN, so neither side learns the other's IP address")
	agentCamera := f.boolean("agent-camera", false, "let agents send video (by default the freelancer hears the agent and sees their first name)")
	ports := f.str("turn-ports", "", "UDP ports the embedded TURN server relays media on, as MIN-MAX, e.g. 49160-49200 for a firewall or container (default: any)")
	hold := f.str("queue-hold", "15m", "how long a freelancer who closed the queue page keeps their place")
	perPerson := f.str("max-sockets-per-person", strconv.Itoa(call.DefaultMaxPerPerson), "live signaling sockets one person (a portal link, an agent) may hold")
	perAddress := f.str("max-sockets-per-address", strconv.Itoa(call.DefaultMaxPerAddress), "live signaling sockets one client address may hold")
	return func(baseURL string) (server.CallConfig, error) {
		holdFor, err := time.ParseDuration(*hold)
		if err != nil || holdFor < 0 {
			return server.CallConfig{}, usageError{"serve: --queue-hold must be a duration such as 15m"}
		}
		maxPerson, err := countFlag("max-sockets-per-person", *perPerson, 1, 100)
		if err != nil {
			return server.CallConfig{}, err
		}
		maxAddress, err := countFlag("max-sockets-per-address", *perAddress, 1, 100_000)
		if err != nil {
			return server.CallConfig{}, err
		}
		portMin, portMax, err := portRange(*ports)
		if err != nil {
			return server.CallConfig{}, err
		}
		cc := server.CallConfig{TURNListen: *listen, TURNExternal: *external, RelayOnly: *relayOnly,
			AgentCamera: *agentCamera, Hold: holdFor, TURNPortMin: portMin, TURNPortMax: portMax,
			MaxSocketsPerPerson: maxPerson, MaxSocketsPerAddress: maxAddress}
		if *external != "" {
			return cc, nil
		}
		cc.TURNRelayIP, err = relayIP(*ip, baseURL)
		return cc, err
	}
}

// countFlag reads a whole-number flag between least and most.
func countFlag(name, value string, least, most int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < least || n > most {
		return 0, usageError{fmt.Sprintf("serve: --%s must be a whole number from %d to %d; got %q", name, least, most, value)}
	}
	return n, nil
}

// portRange reads --turn-ports: empty for any port, else MIN-MAX.
func portRange(v string) (uint16, uint16, error) {
	if v == "" {
		return 0, 0, nil
	}
	bad := usageError{fmt.Sprintf("serve: --turn-ports %q must be MIN-MAX, two ports from 1024 to 65535, e.g. 49160-49200", v)}
	lo, hi, ok := strings.Cut(v, "-")
	if !ok {
		return 0, 0, bad
	}
	first, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	last, err2 := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	if err1 != nil || err2 != nil || first < 1024 || last < first {
		return 0, 0, bad
	}
	return uint16(first), uint16(last), nil
}

// relayIP is the address browsers send relayed media to: the flag, or the
// address of the base URL's host.
func relayIP(flag, baseURL string) (net.IP, error) {
	if flag != "" {
		ip := net.ParseIP(flag)
		if ip == nil {
			return nil, usageError{fmt.Sprintf("serve: --turn-ip %q is not an IP address", flag)}
		}
		return ip, nil
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, usageError{"serve: --base-url is not a URL"}
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil {
		return ip, nil
	}
	ips, err := net.LookupIP(u.Hostname())
	for _, ip := range ips {
		if ip.To4() != nil {
			return ip, nil
		}
	}
	return nil, usageError{fmt.Sprintf("serve: cannot tell the TURN relay's address from %s (%v); give --turn-ip", u.Hostname(), err)}
}

// baseURLFor is the given base URL, or one made from the listening address.
func baseURLFor(given string, ln net.Listener) string {
	if given != "" {
		return strings.TrimRight(given, "/")
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	f := newFlags("migrate", os.Stderr)
	cfg := storeFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	storeCfg, err := cfg()
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, storeCfg)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if err := jobs.Migrate(ctx, st); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s); the database is up to date\n", n)
	return nil
}

func apikeyCreate(ctx context.Context, args []string, stdout io.Writer) error {
	f := newFlags("apikey create", os.Stderr)
	name := f.str("name", "", "what the key is for, e.g. marketplace-backend")
	cfg := storeFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" || len(*name) > 100 {
		return usageError{"apikey create: --name is required (at most 100 characters)"}
	}
	storeCfg, err := cfg()
	if err != nil {
		return err
	}
	st, err := server.Migrated(ctx, storeCfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var key string
	err = st.InTx(ctx, func(tx *store.Tx) error {
		key, err = accounts().CreateAPIKey(ctx, tx, "cli", *name)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API key %q created. It is shown only now; store it in your marketplace's secrets.\n%s\n", *name, key)
	return nil
}

// accounts makes changes to staff accounts and API keys for commands that
// run beside a server: the same changes, audited alike, as the admin pages
// make. It holds no master key: these commands touch no second factor.
func accounts() *staff.Accounts {
	return &staff.Accounts{Now: time.Now}
}

func staffAdd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	f := newFlags("staff add", os.Stderr)
	email := f.str("email", "", "the staff member's email, used to sign in")
	role := f.str("role", "", "agent, supervisor or admin")
	name := f.str("name", "", "name shown in the console (default: the part of the email before @)")
	cfg := storeFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if !store.Role(*role).Valid() {
		return usageError{"staff add: --role must be agent, supervisor or admin"}
	}
	storeCfg, err := cfg()
	if err != nil {
		return err
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	st, err := server.Migrated(ctx, storeCfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var created bool
	err = st.InTx(ctx, func(tx *store.Tx) error {
		created, err = accounts().Put(ctx, tx, "cli", *email, *name, store.Role(*role), password)
		return err
	})
	if err != nil {
		return err
	}
	verb := "updated"
	if created {
		verb = "added"
	}
	fmt.Fprintf(stdout, "%s %s as %s\n", verb, strings.ToLower(*email), *role)
	return nil
}

// staffReview grants an agent review rights, or withdraws them.
func staffReview(ctx context.Context, args []string, stdout io.Writer) error {
	f := newFlags("staff review", os.Stderr)
	email := f.str("email", "", "the staff member's email")
	withdraw := f.Bool("withdraw", false, "withdraw review rights instead of granting them")
	cfg := storeFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if *email == "" {
		return usageError{"staff review: --email is required"}
	}
	storeCfg, err := cfg()
	if err != nil {
		return err
	}
	st, err := server.Migrated(ctx, storeCfg)
	if err != nil {
		return err
	}
	defer st.Close()
	err = st.InTx(ctx, func(tx *store.Tx) error {
		target, err := tx.StaffByEmail(ctx, staff.Email(*email))
		if err != nil {
			return err
		}
		return accounts().SetReviewRights(ctx, tx, "cli", target, !*withdraw)
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("staff review: no active staff member with email %s", *email)
	}
	if err != nil {
		return err
	}
	if *withdraw {
		fmt.Fprintf(stdout, "%s may no longer give second reviews\n", strings.ToLower(*email))
	} else {
		fmt.Fprintf(stdout, "%s may now give second reviews\n", strings.ToLower(*email))
	}
	return nil
}

// readPassword takes the first line of standard input.
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func auditVerify(ctx context.Context, args []string, stdout io.Writer) error {
	f := newFlags("audit verify", os.Stderr)
	cfg := storeFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	storeCfg, err := cfg()
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, storeCfg)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.VerifyAudit(ctx)
	if err != nil {
		var broken *audit.BrokenError
		if errors.As(err, &broken) {
			fmt.Fprintf(stdout, "audit log BROKEN: %v (%d entries before it hold)\n", err, n)
		}
		return err
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", n)
	return nil
}

// parseRateLimit reads --api-rate-limit: requests a second, 0 for none.
func parseRateLimit(v string) (api.RateLimit, error) {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return api.RateLimit{}, usageError{"serve: --api-rate-limit must be a number of requests a second, 0 for no limit"}
	}
	if n == 0 {
		return api.RateLimit{PerSecond: -1}, nil
	}
	return api.RateLimit{PerSecond: n, Burst: int(math.Ceil(2 * n))}, nil
}
