package server_test

import (
	"cmp"
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
// Chromiums on loopback and with serve's defaults (the agent's camera off,
// the call service's 5 s tick), the time from the agent pressing "Take the
// next freelancer" to the call's first media on both sides: the first
// decoded video frame of the freelancer on the agent's page, and, as the
// agent sends no video, the first decoded audio on the freelancer's page.
// That spans the agent's page loading the call, the freelancer's queue page
// moving into it, signaling, ICE, DTLS and decoding. The take comes once
// the freelancer's queue page has made their devices ready, as it does
// when they are next.
//
// Beside each call, in the same browser and the same run, it measures the
// floor: two RTCPeerConnections in one page, from the offer to the first
// decoded video frame. It reports both medians and their ratio. Run it
// with:
//
//	go test -run '^$' -bench TakeToFirstFrame -benchtime 10x ./internal/server
func BenchmarkTakeToFirstFrame(b *testing.B) {
	h := httptest.NewUnstartedServer(nil)
	base := "http://" + h.Listener.Addr().String()
	s := open(b, server.Config{Store: store.Config{DataDir: b.TempDir()}, Now: time.Now, BaseURL: base})
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
	do(b, freelancer, chromedp.Navigate(base+"/docs"))

	var latencies, floors, fromPress []time.Duration
	steps := map[string][]float64{} // "side step": ms after the take, one per call
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		floor, err := chromedp.Run(freelancer, chromedp.Evaluate[int64](floorJS, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatalf("the in-page floor: %v", err)
		}
		floors = append(floors, time.Duration(floor)*time.Millisecond)
		opened := seedCase(b, s, fmt.Sprintf("u-b%d", i))
		do(b, freelancer, chromedp.Navigate(opened.Link.URL))
		click(b, freelancer, "join-queue")
		waitFor(b, freelancer, "the queue", `document.querySelector('[data-test=queue-position]')?.textContent === 'you are next'`)
		// Next, the page makes the freelancer's devices ready (this
		// Chromium holds the permission, as after the device check); a
		// freelancer is next for seconds at least before an agent takes.
		visible(b, freelancer, "ready-box")
		waitFor(b, agent, "the queue count", `document.querySelector('[data-test=queue-count]').textContent === '1'`)
		// The page notes the press as it arrives: the click's dispatch over
		// the DevTools protocol is the benchmark's, not the product's.
		if _, err := chromedp.Run(agent, chromedp.Evaluate[bool](`document.addEventListener('click', () => performance.mark('attest:press'), { capture: true, once: true }), true`)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		took := time.Now().UnixMilli()
		click(b, agent, "take-next")
		var last int64
		for _, side := range []struct {
			ctx   context.Context
			first string
		}{{agent, "firstFrameAt"}, {freelancer, "firstAudioAt"}} {
			waitFor(b, side.ctx, "the first media", `!!window.attest?.call?.`+side.first)
			at, err := chromedp.Run(side.ctx, chromedp.Evaluate[int64](`window.attest.call.`+side.first))
			if err != nil {
				b.Fatal(err)
			}
			last = max(last, at)
		}
		latencies = append(latencies, time.Duration(last-took)*time.Millisecond)
		b.StopTimer()
		for _, side := range []struct {
			ctx  context.Context
			name string
		}{{agent, "agent"}, {freelancer, "freelancer"}} {
			for step, at := range setupMarks(b, side.ctx, took) {
				steps[side.name+" "+step] = append(steps[side.name+" "+step], at)
				if side.name == "agent" && step == "press" {
					fromPress = append(fromPress, time.Duration(float64(last-took)-at)*time.Millisecond)
				}
			}
		}
		// End the call as an agent would, so that the next one can be taken.
		for _, step := range passingSteps(b, agent) {
			click(b, agent, step)
			waitFor(b, agent, "the recorded "+step, fmt.Sprintf(`document.querySelector('[data-test=%q]').getAttribute('aria-pressed') === 'true'`, step))
		}
		click(b, agent, "claim-location-confirmed")
		waitFor(b, agent, "the recorded outcome", `document.querySelector('[data-test=claim-location-confirmed]').getAttribute('aria-pressed') === 'true'`)
		click(b, agent, "decision-verified")
		click(b, agent, "decision-submit")
		waitFor(b, agent, "the floor", `!!document.querySelector('#console[data-state=idle]')`)
		b.StartTimer()
	}
	b.StopTimer()
	product, inPage := medianOf(latencies), medianOf(floors)
	b.ReportMetric(float64(product.Milliseconds()), "median-ms")
	b.ReportMetric(float64(inPage.Milliseconds()), "floor-median-ms")
	b.ReportMetric(float64(product)/float64(inPage), "ratio")
	b.ReportMetric(0, "ns/op")
	b.Logf("take to first media on both sides, sorted: %s", sortedMillis(latencies))
	b.Logf("in-page floor, sorted: %s", sortedMillis(floors))
	if len(fromPress) > 0 {
		b.Logf("from the press as the agent's page saw it to first media on both sides, sorted: %s", sortedMillis(fromPress))
		b.ReportMetric(float64(medianOf(fromPress).Milliseconds()), "press-median-ms")
	}
	b.Logf("the setup, median ms after the take press (calls that reached the step):\n%s", stepTable(steps))
}

// setupJS reads a page's timeline: its navigation's timing, when it is the
// page the take loaded, and the attest:* marks the scripts leave (call.js
// mark), as epoch milliseconds.
const setupJS = `(() => {
	const o = performance.timeOrigin, out = {};
	const n = performance.getEntriesByType('navigation')[0];
	if (n) {
		out['navigation start'] = o;
		if (n.redirectEnd > 0) out['take answered (redirect)'] = o + n.redirectEnd;
		out['page response start'] = o + n.responseStart;
		out['page response end'] = o + n.responseEnd;
		out['page DOMContentLoaded'] = o + n.domContentLoadedEventEnd;
	}
	for (const m of performance.getEntriesByType('mark')) {
		if (m.name.startsWith('attest:')) out[m.name.slice(7)] = o + m.startTime;
	}
	return out;
})()`

// setupMarks returns a page's timeline in ms after took (epoch ms). The
// navigation's entries count only on the page that the take itself loaded.
func setupMarks(b *testing.B, ctx context.Context, took int64) map[string]float64 {
	b.Helper()
	at, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](setupJS))
	if err != nil {
		b.Fatalf("read the page's timeline: %v", err)
	}
	out := map[string]float64{}
	for step, t := range at {
		if ms := t - float64(took); ms > -50 {
			out[step] = ms
		}
	}
	return out
}

// stepTable lists each step's median, earliest step first.
func stepTable(steps map[string][]float64) string {
	type row struct {
		step   string
		median float64
		n      int
	}
	var rows []row
	for step, all := range steps {
		slices.Sort(all)
		rows = append(rows, row{step, all[len(all)/2], len(all)})
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.median, b.median) })
	var out strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&out, "%8.0f  %s (%d)\n", r.median, r.step, r.n)
	}
	return out.String()
}

// floorJS is the in-page floor: two peer connections in one page, with the
// same fake devices, from the offer to the first decoded video frame, in ms.
const floorJS = `(async () => {
	const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
	const a = new RTCPeerConnection(), b = new RTCPeerConnection();
	a.onicecandidate = (e) => { if (e.candidate) b.addIceCandidate(e.candidate); };
	b.onicecandidate = (e) => { if (e.candidate) a.addIceCandidate(e.candidate); };
	const video = document.createElement('video');
	video.muted = true;
	video.playsInline = true;
	document.body.append(video);
	const frame = new Promise((resolve) => {
		b.ontrack = (e) => {
			if (e.track.kind !== 'video') return;
			video.srcObject = new MediaStream([e.track]);
			video.play().catch(() => {});
			video.requestVideoFrameCallback(() => resolve(Date.now()));
		};
	});
	stream.getTracks().forEach((t) => a.addTrack(t, stream));
	const start = Date.now();
	const offer = await a.createOffer();
	await a.setLocalDescription(offer);
	await b.setRemoteDescription(offer);
	const answer = await b.createAnswer();
	await b.setLocalDescription(answer);
	await a.setRemoteDescription(answer);
	const at = await frame;
	a.close();
	b.close();
	stream.getTracks().forEach((t) => t.stop());
	video.remove();
	return at - start;
})()`

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func sortedMillis(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	var all []string
	for _, d := range s {
		all = append(all, d.Round(time.Millisecond).String())
	}
	return strings.Join(all, " ")
}
