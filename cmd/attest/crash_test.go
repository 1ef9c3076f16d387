package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// child is attest serve running as its own process, so that it can be
// killed the hard way.
type child struct {
	cmd  *exec.Cmd
	base string
	log  *logTail
}

// logTail keeps what a child wrote to stderr after saying it was serving,
// to show when a test fails.
type logTail struct {
	mu  sync.Mutex
	buf []byte
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) > 16<<10 {
		l.buf = l.buf[len(l.buf)-16<<10:]
	}
	return len(p), nil
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}

func startChild(t *testing.T, args []string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--turn-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "ATTEST_TEST_RUN_MAIN=1", "ATTEST_MASTER_KEY="+keystest.Hex)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	c := &child{cmd: cmd, log: &logTail{}}
	for lines.Scan() {
		if c.base = servingAt(lines.Text()); c.base != "" {
			break
		}
	}
	if c.base == "" {
		t.Fatal("the child never said it was serving")
	}
	go io.Copy(c.log, stderr)
	return c
}

// apiCall is one request of the load and what it was answered.
type apiCall struct {
	method, path, body, idem string
	status                   int
	answer                   []byte
}

func (c *child) do(key string, call *apiCall) error {
	req, _ := http.NewRequest(call.method, c.base+call.path, strings.NewReader(call.body))
	req.Header.Set("Authorization", "Bearer "+key)
	if call.idem != "" {
		req.Header.Set("Idempotency-Key", call.idem)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	call.status = res.StatusCode
	call.answer, err = io.ReadAll(res.Body)
	return err
}

// TestCrashUnderLoad kills attest with SIGKILL in the middle of a mixed
// load of API writes, starts it again on the same database, and checks
// that nothing acknowledged was lost: every profile and case answered with
// 2xx is there, a retried POST with the same Idempotency-Key answers as the
// first time, the event feed has no gap and announces every case, and the
// audit chain verifies.
func TestCrashUnderLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		args := storeArgs(cfg)
		out, err := attest(t, "", append([]string{"apikey", "create", "--name", "load"}, args...)...)
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		key := lines[len(lines)-1]
		first := startChild(t, args)

		var mu sync.Mutex
		var acked []*apiCall
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id := fmt.Sprintf("u-%d-%d", g, i)
					calls := []*apiCall{
						{method: "PUT", path: "/v1/freelancers/" + id, body: `{"display_name": "Crash ` + id + `", "email": "` + id + `@example.com",
							"locale": "en", "timezone": "UTC", "claims": [{"key": "location", "label": "Location", "value": "Lisbon"}]}`},
						{method: "POST", path: "/v1/verifications", idem: "open-" + id,
							body: `{"freelancer_id": "` + id + `", "reason": {"code": "load", "explanation": "A crash test."}}`},
					}
					for _, call := range calls {
						if first.do(key, call) != nil || call.status >= 300 {
							break // the server is gone, or refused: the next profile
						}
						mu.Lock()
						acked = append(acked, call)
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(1500 * time.Millisecond)
		first.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
		first.cmd.Wait()
		close(stop)
		wg.Wait()
		if len(acked) < 10 {
			t.Fatalf("only %d calls were acknowledged before the kill", len(acked))
		}

		// The check asks again for everything acknowledged, as fast as it
		// can: not what the API's rate limit (500 a second) is for, and a
		// 429 there would say nothing of what the crash kept.
		second := startChild(t, append(args, "--api-rate-limit", "0"))
		created := map[string]bool{}
		for _, call := range acked {
			switch call.method {
			case "PUT":
				get := &apiCall{method: "GET", path: call.path}
				if err := second.do(key, get); err != nil || get.status != 200 {
					t.Fatalf("%s acknowledged before the crash, then %d %v: %s\nthe restarted server's log:\n%s", call.path, get.status, err, get.answer, second.log)
				}
			case "POST":
				var first struct{ ID string }
				json.Unmarshal(call.answer, &first)
				created[first.ID] = true
				retry := &apiCall{method: call.method, path: call.path, body: call.body, idem: call.idem}
				if err := second.do(key, retry); err != nil || retry.status != call.status {
					t.Fatalf("retrying %s: %d %v, first answered %d", call.idem, retry.status, err, call.status)
				}
				var again struct{ ID string }
				json.Unmarshal(retry.answer, &again)
				if again.ID != first.ID {
					t.Fatalf("retrying %s answered case %q, the first time %q", call.idem, again.ID, first.ID)
				}
			}
		}
		var seq int64
		after := int64(0)
		for {
			page := &apiCall{method: "GET", path: fmt.Sprintf("/v1/events?after=%d&limit=500", after)}
			if err := second.do(key, page); err != nil || page.status != 200 {
				t.Fatalf("events: %d %v", page.status, err)
			}
			var p struct {
				Data []struct {
					Seq            int64  `json:"seq"`
					Type           string `json:"type"`
					VerificationID string `json:"verification_id"`
				} `json:"data"`
				NextAfter int64 `json:"next_after"`
			}
			if err := json.Unmarshal(page.answer, &p); err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Data {
				if e.Seq != seq+1 {
					t.Fatalf("the event feed jumps from %d to %d", seq, e.Seq)
				}
				seq = e.Seq
				if e.Type == "verification.created" {
					delete(created, e.VerificationID)
				}
			}
			if len(p.Data) == 0 {
				break
			}
			after = p.NextAfter
		}
		if len(created) > 0 {
			t.Fatalf("acknowledged cases without verification.created: %v", created)
		}
		second.cmd.Process.Kill()
		second.cmd.Wait()
		if out, err := attest(t, "", append([]string{"audit", "verify"}, args...)...); err != nil || !strings.Contains(out, "intact") {
			t.Fatalf("audit after the crash: %v %s", err, out)
		}
		t.Logf("%d calls acknowledged before SIGKILL; %d events, gap-free", len(acked), seq)
	})
}
