package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
)

// BenchmarkTakeToFirstFrame measures, over b.N calls in two headless
// Chromiums on loopback, the time from the agent pressing "Take the next
// freelancer" to the first video frame shown on both sides: the agent's
// page loading the call, the freelancer's page moving into it, signaling,
// ICE, DTLS and the first decoded frame. Run it with:
//
//	go test -run '^$' -bench TakeToFirstFrame -benchtime 10x ./internal/server
func BenchmarkTakeToFirstFrame(b *testing.B) {
	h := httptest.NewUnstartedServer(nil)
	base := "http://" + h.Listener.Addr().String()
	s := open(b, server.Config{Store: store.Config{DataDir: b.TempDir()}, Now: time.Now, BaseURL: base,
		Call: server.CallConfig{Tick: 100 * time.Millisecond, AgentCamera: true}})
	defer s.Close()
	h.Config.Handler = s.Handler()
	h.Start()
	defer h.Close()
	go s.Calls.Run(b.Context())
	addStaff(b, s, "maria@example.com", store.RoleAgent, "correct horse battery")
	agent := browser(b, "agent")
	freelancer := browser(b, "freelancer")
	do(b, agent, chromedp.Navigate(base+"/login"))
	typeInto(b, agent, "login-email", "maria@example.com")
	typeInto(b, agent, "login-password", "correct horse battery")
	click(b, agent, "login-submit")
	click(b, agent, "go-online")
	visible(b, agent, "go-away")

	var latencies []time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		opened := seedCase(b, s, fmt.Sprintf("u-b%d", i))
		do(b, freelancer, chromedp.Navigate(opened.Link.URL))
		click(b, freelancer, "join-queue")
		waitFor(b, freelancer, "the queue", `document.querySelector('[data-test=queue-position]')?.textContent === 'you are next'`)
		waitFor(b, agent, "the queue count", `document.querySelector('[data-test=queue-count]').textContent === '1'`)
		b.StartTimer()
		took := time.Now().UnixMilli()
		click(b, agent, "take-next")
		var last int64
		for _, ctx := range []context.Context{agent, freelancer} {
			waitFor(b, ctx, "the first frame", `!!window.attest?.call?.firstFrameAt`)
			at, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`window.attest.call.firstFrameAt`))
			if err != nil {
				b.Fatal(err)
			}
			last = max(last, at)
		}
		latencies = append(latencies, time.Duration(last-took)*time.Millisecond)
		b.StopTimer()
		// End the call as an agent would, so that the next one can be taken.
		ok, err := chromedp.Run(agent, chromedp.Evaluate[bool](fmt.Sprintf(`(async () => {
			const post = (path, body) => fetch('/agent/calls/%s/' + path, {method: 'POST',
				headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
			const outcome = await post('outcome', {claim: 'location', outcome: 'confirmed'});
			const decision = await post('decision', {decision: 'verified'});
			return outcome.ok && decision.ok;
		})()`, opened.Verification.ID), chromedp.EvalAwaitPromise))
		if err != nil || !ok {
			b.Fatalf("ending call %d: ok=%v err=%v", i, ok, err)
		}
		waitFor(b, agent, "the floor", `!!document.querySelector('#console[data-state=idle]')`)
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Milliseconds()), "median-ms")
	b.ReportMetric(float64(latencies[len(latencies)*9/10].Milliseconds()), "p90-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1].Milliseconds()), "max-ms")
	var all []string
	for _, l := range latencies {
		all = append(all, l.Round(time.Millisecond).String())
	}
	b.Logf("take to first frame on both sides, sorted: %s", strings.Join(all, " "))
}
