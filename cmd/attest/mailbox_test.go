package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/keys/keystest"
)

// syncBuffer is written by a running command while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs serve or demo until the test ends, and returns the output so
// far once ready says the command is serving.
func start(t *testing.T, cmd func(context.Context, []string, *syncBuffer, *syncBuffer) error, args []string,
	ready func(stdout, stderr string) bool) (stdout, stderr *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- cmd(ctx, args, stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("the command did not stop")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for !ready(stdout.String(), stderr.String()) {
		select {
		case err := <-done:
			t.Fatalf("the command ended: %v\n%s\n%s", err, stdout, stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not serving after 20 s:\n%s\n%s", stdout, stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return stdout, stderr
}

func serveCmd(ctx context.Context, args []string, stdout, stderr *syncBuffer) error {
	return serve(ctx, args, stdout, stderr)
}

func demoCmd(ctx context.Context, args []string, stdout, stderr *syncBuffer) error {
	return demo(ctx, args, stdout, stderr)
}

// servingAt is the base URL from serve's "attest is serving" log line.
func servingAt(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		var l struct {
			Msg     string `json:"msg"`
			BaseURL string `json:"base_url"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "attest is serving" {
			return l.BaseURL
		}
	}
	return ""
}

// mailboxStatus is what an anonymous GET /dev/mailbox gets: a redirect to
// sign in where the mailbox exists, 404 where it does not.
func mailboxStatus(t *testing.T, base string) int {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/dev/mailbox")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusSeeOther && !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("/dev/mailbox redirects to %s", res.Header.Get("Location"))
	}
	return res.StatusCode
}

// serve without --smtp says at start that no mail goes out, and has no
// mailbox; --dev-mailbox, or ATTEST_DEV_MAILBOX, turns the mailbox on.
func TestServeDevMailbox(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     string
		mailbox bool
	}{
		{"neither", nil, "", false},
		{"flag", []string{"--dev-mailbox"}, "", true},
		{"variable", nil, "true", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("ATTEST_DEV_MAILBOX", tc.env)
			}
			args := append([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--master-key", keystest.Hex,
				"--turn-listen", "127.0.0.1:0", "--turn-ip", "127.0.0.1"}, tc.args...)
			_, stderr := start(t, serveCmd, args, func(_, stderr string) bool { return servingAt(stderr) != "" })
			warned := strings.Contains(stderr.String(), "mail is not being sent")
			if warned == tc.mailbox {
				t.Errorf("warned that mail is not sent: %v, want %v\n%s", warned, !tc.mailbox, stderr)
			}
			want := http.StatusNotFound
			if tc.mailbox {
				want = http.StatusSeeOther
			}
			if got := mailboxStatus(t, servingAt(stderr.String())); got != want {
				t.Errorf("GET /dev/mailbox: %d, want %d", got, want)
			}
		})
	}
}

// The demo has its mailbox, and says who may open it.
func TestDemoDevMailbox(t *testing.T) {
	stdout, _ := start(t, demoCmd, []string{"--addr", "127.0.0.1:0", "--data", t.TempDir()},
		func(stdout, _ string) bool { return strings.Contains(stdout, "Press Ctrl+C") })
	var base string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "Dev" && f[1] == "mailbox" {
			base = strings.TrimSuffix(f[2], "/dev/mailbox")
		}
	}
	if base == "" || !strings.Contains(stdout.String(), "sign in as admin@demo.example") {
		t.Fatalf("the demo's text does not say where the mailbox is and who opens it:\n%s", stdout)
	}
	if got := mailboxStatus(t, base); got != http.StatusSeeOther {
		t.Fatalf("GET /dev/mailbox in the demo: %d", got)
	}
}
