package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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

// The freelancer's phone takes over a call in progress: the computer is
// told and stops, the phone's video reaches the agent.
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

	link, _, _ := askForPhone(t, base, strings.TrimPrefix(opened.Link.URL, base))
	phone := browser(t, "phone")
	do(t, phone, chromedp.EmulateViewport(390, 844), chromedp.Navigate(link))
	waitFor(t, phone, "the call page on the phone", `!!document.querySelector('#portal[data-state=call]')`)
	waitFor(t, computer, "the computer to stand down", `document.getElementById('call-status').textContent.includes('other device')`)
	waitFor(t, computer, "the computer's camera off", `document.getElementById('local-video').srcObject.getTracks().every(t => t.readyState === 'ended')`)
	waitDecoding(t, agent, phone)
	screenshot(t, phone, "phone-1-call")
	verifyInCall(t, agent, phone)
	assertVerified(t, s, "u-41")
}
