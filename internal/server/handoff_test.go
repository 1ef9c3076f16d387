package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

var shortLink = regexp.MustCompile(`http://[^<"\s]+/p/([A-Z2-9]{8})`)

// askForPhone posts the portal's "use my phone" form and returns the short link shown.
func askForPhone(t testing.TB, base, token string) (link, code string, page string) {
	t.Helper()
	res, err := http.PostForm(base+token+"/phone", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := shortLink.FindStringSubmatch(string(body))
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("phone page: %d, no short link in\n%s", res.StatusCode, body)
	}
	return m[0], m[1], string(body)
}

func TestPhoneHandoffCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := t0
		s, base := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		opened := seedCase(t, s, "u-40")
		token := strings.TrimPrefix(opened.Link.URL, base)

		link, code, page := askForPhone(t, base, token)
		if !strings.Contains(page, token+"/phone/"+code+".svg") {
			t.Fatal("the page does not show the QR image")
		}
		res, err := http.Get(base + token + "/phone/" + code + ".svg")
		if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/svg+xml" {
			t.Fatalf("QR image: %v %v", res, err)
		}
		res.Body.Close()
		if status, _ := fetch(t, base+token+"/phone/nope.svg"); status != 404 {
			t.Errorf("QR for a malformed code: %d", status)
		}

		// The phone opens the link: it lands on a fresh portal link of the same freelancer.
		status, body := fetch(t, link)
		if status != 200 || !strings.Contains(body, "Rahul Mehta") {
			t.Fatalf("short link: %d", status)
		}
		if status, body := fetch(t, link); status != 410 || !strings.Contains(body, "no longer works") {
			t.Fatalf("second use: %d", status)
		}
		_, code2, _ := askForPhone(t, base, token)
		now = now.Add(11 * time.Minute)
		if status, _ := fetch(t, base+"/p/"+code2); status != 410 {
			t.Fatalf("expired code: %d", status)
		}
		for _, c := range []string{"ABCDEFGH", "NOTACODE", "short", "%00"} {
			if status, _ := fetch(t, base+"/p/"+c); status != 404 {
				t.Fatalf("unknown code %s: %d", c, status)
			}
		}
	})
}

// The freelancer's phone takes over a call in progress: the computer asks
// for the hand-off from the call page, which shows the QR code and the
// short link itself; the phone opens the link; the computer's call page
// says, in the freelancer's words, that the call continues on the phone,
// and stops its camera, microphone and the agent's sound. The phone's
// video reaches the agent.
func TestBrowserPhoneHandoff(t *testing.T) {
	h := httptest.NewUnstartedServer(nil)
	base := "http://" + h.Listener.Addr().String()
	s := open(t, server.Config{Store: storetest.SQLite(t), Now: time.Now, BaseURL: base,
		Call: server.CallConfig{Tick: 200 * time.Millisecond, AgentCamera: true}})
	defer s.Close()
	h.Config.Handler = s.Handler()
	h.Start()
	defer h.Close()
	go s.Calls.Run(t.Context())
	opened := seedCase(t, s, "u-41")
	addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
	agent, computer := establishCall(t, base, opened.Link.URL)

	click(t, computer, "phone-handoff")
	visible(t, computer, "phone-handoff")
	waitFor(t, computer, "the QR code on the call page", `(() => { const box = document.getElementById('handoff-box');
		return !box.hidden && !!box.querySelector('img.qr') && !!box.querySelector('.short-link'); })()`)
	link, err := chromedp.Run(computer, chromedp.Evaluate[string](`document.querySelector('#handoff-box .short-link').textContent`))
	if err != nil || !shortLink.MatchString(link) {
		t.Fatalf("the call page shows %q (%v), want a short link", link, err)
	}
	screenshot(t, computer, "computer-handoff")

	phone := browser(t, "phone")
	do(t, phone, chromedp.EmulateViewport(390, 844), chromedp.Navigate(link))
	joinTheCall(t, phone)
	moved := i18n.English.Text("js.call.moved_phone")
	waitFor(t, computer, "the computer to say the call moved to the phone",
		fmt.Sprintf(`(() => { const el = document.querySelector('[data-test=call-moved]'); return !!el && el.offsetParent !== null && el.textContent === %q; })()`, moved))
	waitFor(t, computer, "the computer's camera and microphone off", `document.getElementById('local-video').srcObject.getTracks().every(t => t.readyState === 'ended')`)
	waitFor(t, computer, "the computer's call put away", `document.getElementById('call-area').hidden && document.getElementById('remote-video').srcObject === null`)
	waitDecoding(t, agent, phone)
	screenshot(t, phone, "phone-1-call")
	screenshot(t, computer, "computer-after-handoff")
	verifyInCall(t, agent, phone)
	assertVerified(t, s, "u-41")
}
