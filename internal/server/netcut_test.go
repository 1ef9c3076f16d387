package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// testHost is a network namespace joined to this one by a veth pair: a
// separate machine, as far as the browser in it can tell, whose cable the
// test can pull.
type testHost struct {
	name         string
	hostIP, nsIP string
	outer, inner string
}

func sh(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// newTestHost makes the namespace, or skips (fails under CI=true) where
// namespaces cannot be made.
func newTestHost(t *testing.T) *testHost {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil || os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("network namespaces need root and iproute2; under CI=true this test must run")
		}
		t.Skip("network namespaces need root and iproute2")
	}
	suffix := make([]byte, 3)
	rand.Read(suffix)
	id := hex.EncodeToString(suffix)
	// A /30 of the test's own, chosen from the id so that parallel runs differ.
	third := int(suffix[0])%200 + 20
	h := &testHost{name: "attest-" + id, outer: "atv" + id + "o", inner: "atv" + id + "i",
		hostIP: fmt.Sprintf("10.213.%d.1", third), nsIP: fmt.Sprintf("10.213.%d.2", third)}
	sh(t, "ip", "netns", "add", h.name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", h.name).Run() })
	sh(t, "ip", "link", "add", h.outer, "type", "veth", "peer", "name", h.inner)
	t.Cleanup(func() { exec.Command("ip", "link", "del", h.outer).Run() })
	sh(t, "ip", "link", "set", h.inner, "netns", h.name)
	sh(t, "ip", "addr", "add", h.hostIP+"/30", "dev", h.outer)
	sh(t, "ip", "link", "set", h.outer, "up")
	sh(t, "ip", "netns", "exec", h.name, "ip", "addr", "add", h.nsIP+"/30", "dev", h.inner)
	sh(t, "ip", "netns", "exec", h.name, "ip", "link", "set", h.inner, "up")
	sh(t, "ip", "netns", "exec", h.name, "ip", "link", "set", "lo", "up")
	return h
}

// browserIn starts Chromium inside the host's namespace; DevTools still
// reaches it, through the pipe chromedp hands it.
func (h *testHost) browserIn(t *testing.T, name string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	wrapper := filepath.Join(t.TempDir(), "chromium-in-"+h.name)
	script := fmt.Sprintf("#!/bin/sh\nexec ip netns exec %s %s \"$@\"\n", h.name, chromium(t))
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ATTEST_TEST_CHROMIUM", wrapper)
	return browser(t, name, extra...)
}

// pull takes the host's link down for d, then puts it back. It reports how
// many frames the browser decoded while the link was down (after a moment
// for frames already in flight).
func (h *testHost) pull(t *testing.T, browser context.Context, d time.Duration) (framesDuring int) {
	t.Helper()
	sh(t, "ip", "link", "set", h.outer, "down")
	time.Sleep(time.Second)
	start := frames(t, browser)
	time.Sleep(d - time.Second)
	framesDuring = frames(t, browser) - start
	sh(t, "ip", "link", "set", h.outer, "up")
	return framesDuring
}

// The freelancer's network drops for a few seconds mid-call: the call
// notices, restarts ICE and video flows again, without anyone reloading.
func TestBrowserCallRecoversFromNetworkCut(t *testing.T) {
	host := newTestHost(t)
	ln, err := net.Listen("tcp", host.hostIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	s := open(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, BaseURL: base,
		Call: server.CallConfig{Tick: 200 * time.Millisecond, AgentCamera: true}})
	defer s.Close()
	defer serve(t, s, ln)()
	opened := seedCase(t, s, "u-80")
	addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")

	// Cameras need a secure context; a test host on plain http is not one.
	secure := chromedp.Flag("unsafely-treat-insecure-origin-as-secure", base)
	freelancer := host.browserIn(t, "freelancer", secure)
	t.Setenv("ATTEST_TEST_CHROMIUM", "")
	agent, freelancer := establishCallWith(t, base, opened.Link.URL, browser(t, "agent", secure), freelancer)

	if during := host.pull(t, freelancer, 10*time.Second); during > 5 {
		t.Fatalf("%d frames arrived while the network was down: the cut did not cut", during)
	}
	after := frames(t, freelancer)
	waitFor(t, freelancer, "video flowing again after the cut",
		fmt.Sprintf(`Promise.resolve(%s).then(n => n > %d + 30)`, framesJS, after))
	waitFor(t, agent, "the agent's connection back", `window.attest.call.pc.iceConnectionState === 'connected' || window.attest.call.pc.iceConnectionState === 'completed'`)
	if n, err := chromedp.Run(agent, chromedp.Evaluate[int](`window.attest.call.iceRestarts`)); err != nil || n < 1 {
		t.Fatalf("the agent made %d ICE restarts (%v); the recovery did not go through a restart", n, err)
	}
	verifyInCall(t, agent, freelancer)
	assertVerified(t, s, "u-80")
}
