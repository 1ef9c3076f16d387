package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// dialStatus opens a signaling socket and reports the HTTP status of a
// refused upgrade (0 when accepted) with its Retry-After.
func dialStatus(t *testing.T, base, link, session string) (*websocket.Conn, int, string) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + link[strings.Index(link, "/v/"):] + "/ws?session=" + session
	conn, res, err := websocket.Dial(t.Context(), u, nil)
	if err != nil {
		if res == nil {
			t.Fatalf("dial: %v", err)
		}
		return nil, res.StatusCode, res.Header.Get("Retry-After")
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn, 0, ""
}

// An attacker with one portal link opened thousands of sockets; now a
// link holds a few, an address a stated number, and a silent socket is
// closed; each refusal says when to try again and is counted.
func TestSocketLimits(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now,
		Call: server.CallConfig{MaxSocketsPerPerson: 2, MaxSocketsPerAddress: 3, SocketIdle: time.Second}})
	a := seedCase(t, s, "u-500")
	b := seedCase(t, s, "u-501")

	first, status, _ := dialStatus(t, base, a.Link.URL, "session-a1")
	if status != 0 {
		t.Fatalf("first socket: %d", status)
	}
	// The first socket pings, so that it outlives the idle deadline.
	pinging, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		for pinging.Err() == nil {
			first.Write(pinging, websocket.MessageText, []byte(`{"v":1,"type":"ping"}`))
			time.Sleep(100 * time.Millisecond)
		}
	}()
	go func() {
		for {
			if _, _, err := first.Read(pinging); err != nil {
				return
			}
		}
	}()
	if _, status, _ := dialStatus(t, base, a.Link.URL, "session-a2"); status != 0 {
		t.Fatalf("second socket: %d", status)
	}
	_, status, retry := dialStatus(t, base, a.Link.URL, "session-a3")
	if status != http.StatusTooManyRequests || retry == "" {
		t.Fatalf("a third socket from one link: %d, Retry-After %q; want 429 with a Retry-After", status, retry)
	}
	if _, status, _ := dialStatus(t, base, b.Link.URL, "session-b1"); status != 0 {
		t.Fatalf("another link's socket: %d", status)
	}
	if _, status, _ := dialStatus(t, base, b.Link.URL, "session-b2"); status != http.StatusTooManyRequests {
		t.Fatalf("a fourth socket from one address: %d, want 429", status)
	}

	// The silent sockets are closed within the idle deadline; the pinging
	// one stays, and the link may open another.
	time.Sleep(3 * time.Second)
	if _, status, _ := dialStatus(t, base, a.Link.URL, "session-a4"); status != 0 {
		t.Fatalf("after the silent sockets closed: %d", status)
	}
	if first.Ping(t.Context()) != nil {
		t.Fatal("the socket that kept pinging was closed")
	}
	for limit, least := range map[string]float64{"per_person": 1, "per_address": 1, "idle": 2} {
		if got := limitCount(t, base, limit); got < least {
			t.Errorf("attest_limit_refusals_total{limit=%q} = %v, want at least %v", limit, got, least)
		}
	}
}

// limitCount reads one series of attest_limit_refusals_total.
func limitCount(t *testing.T, base, limit string) float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for line := range strings.SplitSeq(string(body), "\n") {
		if strings.HasPrefix(line, fmt.Sprintf(`attest_limit_refusals_total{limit=%q}`, limit)) {
			var v float64
			fmt.Sscan(line[strings.LastIndex(line, " ")+1:], &v)
			return v
		}
	}
	t.Fatalf("no attest_limit_refusals_total for %s", limit)
	return 0
}

// A client that sends a body a byte at a time loses its connection at the
// body deadline instead of holding it.
func TestSlowBodiesAreCut(t *testing.T) {
	s := open(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, BodyReadTimeout: 500 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	defer func() {
		cancel()
		<-done
		s.Close()
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
	start := time.Now()
	go func() {
		for range 100 {
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Fatalf("a body sent a byte every 100 ms held the connection %v (answer %v, %v)", waited, res, err)
	}
}

// Uploads are read whole into memory to be sealed: beyond the cap, one is
// refused at once with 503 and a Retry-After, and nothing is stored.
func TestUploadsAreCapped(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, MaxUploads: 1})
	opened := seedCase(t, s, "u-510")
	target := base + opened.Link.URL[strings.Index(opened.Link.URL, "/v/"):] + "/documents"
	post := func(c *http.Client, body io.Reader) *http.Response {
		req, _ := http.NewRequest("POST", target, body)
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		res, err := c.Do(req)
		if err != nil {
			return nil
		}
		res.Body.Close()
		return res
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// A slow upload holds the one place; whichever of it and the probe
	// arrives second is refused at once. Try until the slow one came first.
	for attempt := 0; ; attempt++ {
		if attempt == 20 {
			t.Fatal("never saw a second upload refused while one is read")
		}
		slow, write := io.Pipe()
		first := make(chan *http.Response, 1)
		go func() { first <- post(http.DefaultClient, slow) }()
		write.Write([]byte("--x\r\n")) // the slow upload has begun
		time.Sleep(100 * time.Millisecond)
		probe := post(noFollow, strings.NewReader("--x--\r\n"))
		write.Close()
		got := <-first
		if probe == nil || probe.StatusCode != http.StatusServiceUnavailable {
			if got != nil && got.StatusCode == http.StatusServiceUnavailable {
				continue // the probe came first and the slow one was refused
			}
			t.Fatalf("a second upload while one is read: %v, want 503", probe)
		}
		if probe.Header.Get("Retry-After") == "" || !probe.Close {
			t.Fatalf("refused upload headers: %v", probe.Header)
		}
		break
	}
	if docs, _ := s.Store.Documents(context.Background(), opened.Verification.ID); len(docs) != 0 {
		t.Fatalf("documents stored: %d", len(docs))
	}
	if limitCount(t, base, "uploads") < 1 {
		t.Fatal("the refused upload is not counted")
	}
}
