package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// ConnectOptions bound the dialing of a fleet.
type ConnectOptions struct {
	// Concurrency is how many dials are in flight at once (default 200).
	Concurrency int
	// DialTimeout bounds one dial with its handshake (default 30s).
	DialTimeout time.Duration
	// ReadyTimeout bounds the wait, after the last dial, for every pair to
	// be seated in its call (default 60s).
	ReadyTimeout time.Duration
}

// Fleet is the open signaling sockets of many pairs, each read by its own
// goroutine for as long as the fleet lives.
type Fleet struct {
	pairs []fleetPair
	// epoch is the monotonic origin of the send timestamps in chat texts:
	// sender and receiver are both in this process.
	epoch   time.Time
	ctx     context.Context
	cancel  context.CancelFunc
	readers sync.WaitGroup
	closing atomic.Bool
	// hops, when listening (ListenHops), splits cross-node latency.
	hops *Hops

	// DialFailures counts sockets that could not be opened; FirstDialError
	// is the first reason.
	DialFailures   int
	FirstDialError error
	// NotReady counts pairs not seated in their call within ReadyTimeout.
	NotReady int

	dropped    atomic.Int64 // sockets the server closed while the fleet was open
	dropMu     sync.Mutex
	firstDrop  string       // the first dropped socket's session, its error and when
	errorMsgs  atomic.Int64 // "error" messages from the server
	unexpected atomic.Int64 // "ended", "replaced" or undecodable messages
	chats      atomic.Int64 // distinct chat messages received
	firstError atomic.Pointer[string]
}

type fleetPair struct {
	agent, freelancer *peer
}

// peer is one socket.
type peer struct {
	conn    *websocket.Conn
	session string
	// live is conn for the keep-alive, which runs while others are dialed.
	live     atomic.Pointer[websocket.Conn]
	welcomed chan struct{} // closed on a welcome that carries the call
	present  chan struct{} // closed when the server says the other side is seated
	wOnce    sync.Once
	pOnce    sync.Once

	// Set up by Relay before any message is sent, then written by the reader.
	mu        sync.Mutex
	seen      []bool
	latencies []time.Duration
	sentAt    []time.Duration // since the fleet's epoch, beside latencies
}

func newPeer() *peer {
	return &peer{welcomed: make(chan struct{}), present: make(chan struct{})}
}

// inbound is the part of a server message the fleet looks at.
type inbound struct {
	Type    string `json:"type"`
	Text    string `json:"text"`
	From    string `json:"from"`
	Present *bool  `json:"present"`
	Call    *struct {
		VerificationID string `json:"verification_id"`
	} `json:"call"`
	Error *struct {
		Code string `json:"code"`
	} `json:"error"`
}

// Connect opens an agent socket (/agent/ws with the session cookie) and a
// freelancer socket (/v/{token}/ws) for every pair, at most
// opts.Concurrency dials at a time, and waits until every pair is seated:
// both sides welcomed into the call and told that the other side is there.
// Each side dials its pair's AgentBase or FreelancerBase, or base when that
// is empty: with two nodes, the sides of a call may be on different ones.
// Failed dials and pairs that are not seated are counted, not fatal; the
// error is for a base URL that is not on loopback or a context that ended.
func Connect(ctx context.Context, base string, pairs []Pair, opts ConnectOptions) (*Fleet, error) {
	for _, b := range pairBases(base, pairs) {
		if err := checkLoopback(b); err != nil {
			return nil, err
		}
	}
	opts.Concurrency = cmpOr(opts.Concurrency, 200)
	opts.DialTimeout = cmpOr(opts.DialTimeout, 30*time.Second)
	opts.ReadyTimeout = cmpOr(opts.ReadyTimeout, 60*time.Second)
	clients := newSourceClients(opts.DialTimeout)

	readCtx, cancel := context.WithCancel(context.Background())
	f := &Fleet{pairs: make([]fleetPair, len(pairs)), epoch: time.Now(), ctx: readCtx, cancel: cancel}
	var (
		mu       sync.Mutex
		dials    sync.WaitGroup
		sem      = make(chan struct{}, opts.Concurrency)
		canceled bool
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		f.DialFailures++
		if f.FirstDialError == nil {
			f.FirstDialError = err
		}
	}
	dial := func(client *http.Client, p *peer, base, path, session string, header http.Header) {
		defer dials.Done()
		defer func() { <-sem }()
		p.session = session
		conn, err := dialSocket(ctx, client, base, path, session, header, opts.DialTimeout)
		if err != nil {
			fail(err)
			return
		}
		p.conn = conn
		p.live.Store(conn)
		f.readers.Add(1)
		go f.read(p)
	}
	for i := range pairs {
		f.pairs[i] = fleetPair{agent: newPeer(), freelancer: newPeer()}
	}
	// Sockets dialed first would otherwise sit silent while thousands more
	// are dialed, and attest closes a silent socket after minutes.
	f.readers.Go(f.keepAlive)
dialing:
	for i, pair := range pairs {
		fp := f.pairs[i]
		header := http.Header{"Cookie": {SessionCookie + "=" + pair.AgentSession}}
		client := clients.forPair(i)
		for side := range 2 {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				canceled = true
				break dialing
			}
			dials.Add(1)
			if side == 0 {
				go dial(client, fp.agent, cmpOr(pair.AgentBase, base), "/agent/ws", fmt.Sprintf("load-a-%06d", i), header)
			} else {
				go dial(client, fp.freelancer, cmpOr(pair.FreelancerBase, base), pair.FreelancerPath+"/ws", fmt.Sprintf("load-f-%06d", i), nil)
			}
		}
	}
	dials.Wait()
	if canceled {
		f.Close()
		return nil, ctx.Err()
	}

	deadline := time.NewTimer(opts.ReadyTimeout)
	defer deadline.Stop()
	expired := false
	for _, fp := range f.pairs {
		if fp.agent.conn == nil || fp.freelancer.conn == nil {
			f.NotReady++
			continue
		}
		for _, ch := range []chan struct{}{fp.agent.welcomed, fp.freelancer.welcomed, fp.agent.present, fp.freelancer.present} {
			if expired {
				break
			}
			select {
			case <-ch:
				continue
			case <-deadline.C:
				expired = true
			case <-ctx.Done():
				f.Close()
				return nil, ctx.Err()
			}
		}
		if expired && !fp.seated() {
			f.NotReady++
		}
	}
	return f, nil
}

func (fp fleetPair) seated() bool {
	for _, ch := range []chan struct{}{fp.agent.welcomed, fp.freelancer.welcomed, fp.agent.present, fp.freelancer.present} {
		select {
		case <-ch:
		default:
			return false
		}
	}
	return true
}

// dialSocket opens one signaling socket at base+path for a page load named
// session, within timeout.
func dialSocket(ctx context.Context, client *http.Client, base, path, session string, header http.Header, timeout time.Duration) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := "ws" + strings.TrimPrefix(base, "http") + path + "?session=" + session
	conn, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client, HTTPHeader: header})
	if err != nil {
		if res != nil {
			err = fmt.Errorf("%s: HTTP %d: %w", path, res.StatusCode, err)
		}
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	return conn, nil
}

// pairBases lists the node URLs the pairs' sides dial, base standing for
// the sides that name none.
func pairBases(base string, pairs []Pair) []string {
	seen := map[string]bool{}
	var list []string
	for _, p := range pairs {
		for _, b := range []string{cmpOr(p.AgentBase, base), cmpOr(p.FreelancerBase, base)} {
			if !seen[b] {
				seen[b] = true
				list = append(list, b)
			}
		}
	}
	return list
}

// checkLoopback refuses a base URL whose host is not a loopback address.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("loadtest: base URL %q: want http://127.0.0.1:PORT", base)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return fmt.Errorf("loadtest: base URL %q is not on loopback; this tool only dials loopback", base)
	}
	return nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Sockets is how many sockets are open.
func (f *Fleet) Sockets() int {
	n := 0
	for _, fp := range f.pairs {
		for _, p := range []*peer{fp.agent, fp.freelancer} {
			if p.conn != nil {
				n++
			}
		}
	}
	return n
}

// Pairs is how many pairs the fleet was asked to connect.
func (f *Fleet) Pairs() int { return len(f.pairs) }

// Dropped is how many sockets the server closed while the fleet was open.
func (f *Fleet) Dropped() int { return int(f.dropped.Load()) }

// FirstDrop names the first socket dropped, with its read error; "" when none was.
func (f *Fleet) FirstDrop() string {
	f.dropMu.Lock()
	defer f.dropMu.Unlock()
	return f.firstDrop
}

// ErrorMessages is how many "error" messages the server sent, and the code of the first.
func (f *Fleet) ErrorMessages() (int, string) {
	first := ""
	if p := f.firstError.Load(); p != nil {
		first = *p
	}
	return int(f.errorMsgs.Load()), first
}

// Unexpected is how many "ended", "replaced" or undecodable messages arrived.
func (f *Fleet) Unexpected() int { return int(f.unexpected.Load()) }

// read takes every message a socket receives until the fleet closes. Chat
// latency is taken as soon as the frame has been read, before decoding.
func (f *Fleet) read(p *peer) {
	defer f.readers.Done()
	for {
		_, data, err := p.conn.Read(f.ctx)
		at := time.Since(f.epoch)
		if err != nil {
			if !f.closing.Load() {
				f.dropped.Add(1)
				f.dropMu.Lock()
				if f.firstDrop == "" {
					f.firstDrop = fmt.Sprintf("%s at %s: %v", p.session, at.Round(time.Millisecond), err)
				}
				f.dropMu.Unlock()
			}
			return
		}
		var m inbound
		if json.Unmarshal(data, &m) != nil {
			f.unexpected.Add(1)
			continue
		}
		switch m.Type {
		case "welcome":
			if m.Call != nil {
				p.wOnce.Do(func() { close(p.welcomed) })
			}
		case "peer":
			if m.Present != nil && *m.Present {
				p.pOnce.Do(func() { close(p.present) })
			}
		case "chat":
			f.received(p, m.Text, at)
		case "error":
			f.errorMsgs.Add(1)
			if m.Error != nil {
				code := m.Error.Code
				f.firstError.CompareAndSwap(nil, &code)
			}
		case "ended", "replaced":
			f.unexpected.Add(1)
		}
	}
}

// PingEvery is how often each socket of the fleet pings, as a browser's
// page does (web/static/js/signal.js): attest closes a socket silent for
// minutes, and dialing thousands of sockets on a busy machine takes that
// long.
const PingEvery = 25 * time.Second

// keepAlive pings every open socket once per PingEvery, spread over the
// interval, until the fleet closes.
func (f *Fleet) keepAlive() {
	ping := []byte(`{"v":1,"type":"ping"}`)
	for {
		n := max(2*len(f.pairs), 1)
		gap := PingEvery / time.Duration(n)
		for _, fp := range f.pairs {
			for _, p := range []*peer{fp.agent, fp.freelancer} {
				select {
				case <-f.ctx.Done():
					return
				case <-time.After(gap):
				}
				if conn := p.live.Load(); conn != nil {
					wctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
					conn.Write(wctx, websocket.MessageText, ping)
					cancel()
				}
			}
		}
	}
}

// received records one chat text "<8 hex digits of sequence> <send time in ns since epoch>".
func (f *Fleet) received(p *peer, text string, at time.Duration) {
	seqText, sentText, ok := strings.Cut(text, " ")
	seq, err1 := strconv.ParseUint(seqText, 16, 32)
	sent, err2 := strconv.ParseInt(sentText, 10, 64)
	if !ok || len(seqText) != 8 || err1 != nil || err2 != nil {
		f.unexpected.Add(1)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if int(seq) >= len(p.seen) || p.seen[seq] {
		f.unexpected.Add(1) // a duplicate, or not part of this relay
		return
	}
	p.seen[seq] = true
	p.latencies = append(p.latencies, at-time.Duration(sent))
	p.sentAt = append(p.sentAt, time.Duration(sent))
	f.chats.Add(1)
}

// RelayOptions shape the relay phase.
type RelayOptions struct {
	// Messages is the total number of chat messages, sent agent to
	// freelancer, message j by pair j mod pairs.
	Messages int
	// Rate is the total send rate in messages per second (default 2000).
	Rate int
	// Senders is how many goroutines write (default 32).
	Senders int
	// Drain bounds the wait for the last messages after the last send (default 10s).
	Drain time.Duration
}

// Latency is what a relay measured.
type Latency struct {
	Sent, Received, Lost int
	SendErrors           int
	P50, P99, Max        time.Duration
	// Elapsed is the time from the first send to the last one.
	Elapsed time.Duration
	// Slow is where the slowest hundredth of the messages were sent: the
	// windows of SlowWindow with most of them, most first. Slow messages
	// bunched in windows a tick apart point at the tick; spread evenly,
	// at the per-message path or the machine.
	Slow []SlowWindow
	// Hops splits the latency of messages between nodes (ListenHops).
	Hops *HopLatency
}

// SlowWindowLength is the width of the windows Latency.Slow counts in.
const SlowWindowLength = 100 * time.Millisecond

// SlowWindow counts the slow messages sent in one window.
type SlowWindow struct {
	// Start is the window's start, from the relay's first send.
	Start time.Duration
	// Count is how many of the slowest hundredth were sent in it, and
	// Worst the longest latency among them.
	Count int
	Worst time.Duration
}

// Relay sends small chat messages from each seated pair's agent to its
// freelancer at a bounded total rate, and measures the time from just
// before the write at the agent's socket to the frame read at the
// freelancer's. Pairs that are not seated send nothing.
func (f *Fleet) Relay(ctx context.Context, opts RelayOptions) (*Latency, error) {
	opts.Rate = cmpOr(opts.Rate, 2000)
	opts.Senders = cmpOr(opts.Senders, 32)
	opts.Drain = cmpOr(opts.Drain, 10*time.Second)
	var live []fleetPair
	for _, fp := range f.pairs {
		if fp.agent.conn != nil && fp.freelancer.conn != nil && fp.seated() {
			live = append(live, fp)
		}
	}
	if len(live) == 0 || opts.Messages <= 0 {
		return nil, errors.New("loadtest: nothing to relay")
	}
	n := len(live)
	for i, fp := range live {
		count := opts.Messages / n
		if i < opts.Messages%n {
			count++
		}
		fp.freelancer.mu.Lock()
		fp.freelancer.seen = make([]bool, count)
		fp.freelancer.latencies = make([]time.Duration, 0, count)
		fp.freelancer.sentAt = make([]time.Duration, 0, count)
		fp.freelancer.mu.Unlock()
	}
	base := f.chats.Load()

	var sendErrors atomic.Int64
	jobs := make(chan int, 1024)
	var senders sync.WaitGroup
	for range opts.Senders {
		senders.Add(1)
		go func() {
			defer senders.Done()
			buf := make([]byte, 0, 96)
			for j := range jobs {
				fp := live[j%n]
				buf = append(buf[:0], `{"v":1,"type":"chat","text":"`...)
				buf = appendHex8(buf, uint32(j/n))
				buf = append(buf, ' ')
				buf = strconv.AppendInt(buf, int64(time.Since(f.epoch)), 10)
				buf = append(buf, `"}`...)
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				if err := fp.agent.conn.Write(wctx, websocket.MessageText, buf); err != nil {
					sendErrors.Add(1)
				}
				cancel()
			}
		}()
	}
	start := time.Now()
	sent := 0
pacing:
	for j := range opts.Messages {
		due := start.Add(time.Duration(int64(j) * int64(time.Second) / int64(opts.Rate)))
		if wait := time.Until(due); wait > time.Millisecond {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				break pacing
			}
		}
		select {
		case jobs <- j:
			sent++
		case <-ctx.Done():
			break pacing
		}
	}
	close(jobs)
	senders.Wait()
	elapsed := time.Since(start)

	want := int64(sent) - sendErrors.Load()
	drain := time.NewTimer(opts.Drain)
	defer drain.Stop()
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
waiting:
	for f.chats.Load()-base < want {
		select {
		case <-poll.C:
		case <-drain.C:
			break waiting
		case <-ctx.Done():
			break waiting
		}
	}

	var all, sentAt []time.Duration
	for _, fp := range live {
		fp.freelancer.mu.Lock()
		all = append(all, fp.freelancer.latencies...)
		sentAt = append(sentAt, fp.freelancer.sentAt...)
		fp.freelancer.mu.Unlock()
	}
	l := &Latency{Sent: sent, Received: len(all), Lost: sent - len(all), SendErrors: int(sendErrors.Load()), Elapsed: elapsed}
	if len(all) > 0 {
		l.Slow = slowWindows(all, sentAt, start.Sub(f.epoch), 8)
		if f.hops != nil {
			f.hops.hearAll(sentAt, opts.Drain)
			l.Hops = f.hops.split(all, sentAt)
		}
		slices.Sort(all)
		l.P50, l.P99, l.Max = quantile(all, 0.50), quantile(all, 0.99), all[len(all)-1]
	}
	return l, ctx.Err()
}

// slowWindows groups the messages slower than the 99th percentile by the
// SlowWindowLength window they were sent in (counted from first) and
// returns the top windows with most of them.
func slowWindows(latencies, sentAt []time.Duration, first time.Duration, top int) []SlowWindow {
	sorted := slices.Sorted(slices.Values(latencies))
	p99 := quantile(sorted, 0.99)
	byWindow := map[int]*SlowWindow{}
	for i, l := range latencies {
		if l <= p99 {
			continue
		}
		k := int((sentAt[i] - first) / SlowWindowLength)
		w := byWindow[k]
		if w == nil {
			w = &SlowWindow{Start: time.Duration(k) * SlowWindowLength}
			byWindow[k] = w
		}
		w.Count++
		w.Worst = max(w.Worst, l)
	}
	list := make([]SlowWindow, 0, len(byWindow))
	for _, w := range byWindow {
		list = append(list, *w)
	}
	slices.SortFunc(list, func(a, b SlowWindow) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return int(a.Start - b.Start)
	})
	return list[:min(top, len(list))]
}

// quantile is the nearest-rank quantile of sorted values.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func appendHex8(b []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, digits[(v>>uint(shift))&0xf])
	}
	return b
}

// Close closes every socket and waits, for at most 10 seconds, for the
// readers to stop.
func (f *Fleet) Close() {
	f.closing.Store(true)
	f.cancel()
	for _, fp := range f.pairs {
		for _, p := range []*peer{fp.agent, fp.freelancer} {
			if p != nil && p.conn != nil {
				p.conn.CloseNow()
			}
		}
	}
	done := make(chan struct{})
	go func() {
		f.readers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

// PairsPerSource is how many pairs dial from one loopback source address.
// attest holds at most 256 signaling sockets per client address by default
// (--max-sockets-per-address); the fleet stands for many clients, as in
// production, by dialing from 127.0.1.1, 127.0.1.2, … (all of 127.0.0.0/8
// is loopback on Linux), 200 sockets from each, so the server's default
// stays as shipped.
const PairsPerSource = 100

// sourceClients are HTTP clients that dial from distinct loopback addresses.
type sourceClients struct {
	timeout time.Duration
	mu      sync.Mutex
	byIndex map[int]*http.Client
}

func newSourceClients(timeout time.Duration) *sourceClients {
	return &sourceClients{timeout: timeout, byIndex: map[int]*http.Client{}}
}

// forPair returns the client pair i dials with.
func (s *sourceClients) forPair(i int) *http.Client {
	idx := i / PairsPerSource
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.byIndex[idx]; ok {
		return c
	}
	ip := net.IPv4(127, byte(1+idx/254), byte(1+idx%254), 1)
	d := &net.Dialer{Timeout: s.timeout, LocalAddr: &net.TCPAddr{IP: ip}}
	c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableCompression: true, DialContext: d.DialContext}}
	s.byIndex[idx] = c
	return c
}
