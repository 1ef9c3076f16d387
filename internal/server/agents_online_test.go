package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/workflow"
)

// presenceWorld is a served attest whose agents go online, away and into
// calls, with a clock the test moves, and the people who ask how many
// agents are online: a supervisor, the marketplace's API key and a
// freelancer whose case waits for a call.
type presenceWorld struct {
	t          *testing.T
	s          *server.Server
	base       string
	advance    func(time.Duration)
	agents     map[string]*http.Client
	queued     int
	supervisor *http.Client
	key        string
	portal     string
}

const presenceMetricsToken = "scrape-me-please"

// agent is the named agent's signed-in console, signing them in the first time.
func (w *presenceWorld) agent(name string) *http.Client {
	if c, ok := w.agents[name]; ok {
		return c
	}
	c := signedInAs(w.t, w.s, w.base, name+"@example.com", store.RoleAgent)
	w.agents[name] = c
	return c
}

// presence presses the console's "Go online" or "Go away".
func (w *presenceWorld) presence(name string, p store.Presence) {
	w.t.Helper()
	if res, body := post(w.t, w.agent(name), w.base+"/agent/presence", url.Values{"status": {string(p)}}); res.StatusCode != http.StatusOK {
		w.t.Fatalf("%s going %s: %d %.300s", name, p, res.StatusCode, body)
	}
}

// takeCall queues a freelancer and has the agent take them.
func (w *presenceWorld) takeCall(name string) {
	w.t.Helper()
	w.queued++
	opened := seedCase(w.t, w.s, "u-queued-"+strconv.Itoa(w.queued))
	postForm(w.t, http.DefaultClient, opened.Link.URL+"/queue", url.Values{}, "")
	post(w.t, w.agent(name), w.base+"/agent/take", nil)
	if live, err := w.s.Store.CallsInProgress(w.t.Context()); err != nil || live != w.queued {
		w.t.Fatalf("%s took no call: %d in progress, %v", name, live, err)
	}
}

var (
	portalOne    = regexp.MustCompile(`One person is taking calls right now\.`)
	portalMany   = regexp.MustCompile(`(\d+) people are taking calls right now\.`)
	portalNobody = regexp.MustCompile(`Nobody is taking calls right now\.`)
	consoleCount = regexp.MustCompile(`id="agents-online">(\d+)<`)
)

// answers asks every surface how many agents are online: the API's
// capacity, the metrics, the supervisor's floor, the agent console and the
// freelancer's portal. It returns the floor's busy agents too.
func (w *presenceWorld) answers() (online map[string]int, busy int) {
	t := w.t
	t.Helper()
	online = map[string]int{}

	req, _ := http.NewRequest("GET", w.base+"/v1/capacity", nil)
	req.Header.Set("Authorization", "Bearer "+w.key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var capacity workflow.Capacity
	err = json.NewDecoder(res.Body).Decode(&capacity)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/capacity: %d %v", res.StatusCode, err)
	}
	online["GET /v1/capacity"] = capacity.AgentsOnline

	_, families := scrape(t, w.base, presenceMetricsToken)
	online["attest_agents_online"] = int(gauge(t, families, "attest_agents_online"))

	var figures map[string]string
	if err := json.Unmarshal([]byte(page(t, w.supervisor, w.base+"/admin/floor.json", http.StatusOK)), &figures); err != nil {
		t.Fatal(err)
	}
	online["the floor"], _ = strconv.Atoi(figures["agents_online"])
	busy, _ = strconv.Atoi(figures["agents_busy"])

	m := consoleCount.FindStringSubmatch(page(t, w.supervisor, w.base+"/agent", http.StatusOK))
	if m == nil {
		t.Fatal("the console shows no agents online")
	}
	online["the console"], _ = strconv.Atoi(m[1])

	body := page(t, http.DefaultClient, w.portal, http.StatusOK)
	switch m := portalMany.FindStringSubmatch(body); {
	case m != nil:
		online["the portal"], _ = strconv.Atoi(m[1])
	case portalOne.MatchString(body):
		online["the portal"] = 1
	case portalNobody.MatchString(body):
		online["the portal"] = 0
	default:
		t.Fatalf("the portal does not say whether anyone takes calls:\n%.2000s", body)
	}
	return online, busy
}

// openPresenceWorld serves a fresh attest on cfg with nobody online yet.
func openPresenceWorld(t *testing.T, cfg store.Config) *presenceWorld {
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, base := openServed(t, server.Config{Store: cfg, Now: clock, MetricsToken: presenceMetricsToken})
	w := &presenceWorld{t: t, s: s, base: base, agents: map[string]*http.Client{},
		advance: func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }}
	w.supervisor = signedInAs(t, s, base, "sup@example.com", store.RoleSupervisor)
	admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
	res, body := post(t, admin, base+"/admin/api-keys", url.Values{"name": {"capacity"}})
	if w.key = regexp.MustCompile(`atk_[A-Za-z0-9_-]+`).FindString(body); res.StatusCode != http.StatusCreated || w.key == "" {
		t.Fatalf("making an API key: %d %.300s", res.StatusCode, body)
	}
	w.portal = seedCase(t, s, "u-portal").Link.URL
	return w
}

// "How many agents are online" has one answer: the capacity API, the
// metrics, the floor, the agent console and the portal's "is anyone taking
// calls" agree in every state, and an agent counts only while online and
// seen within workflow.AgentFreshness, in a call or not.
func TestAgentsOnlineOneAnswer(t *testing.T) {
	cases := []struct {
		name         string
		state        func(w *presenceWorld)
		online, busy int
	}{
		{"none", func(w *presenceWorld) {}, 0, 0},
		{"one fresh", func(w *presenceWorld) { w.presence("ana", store.Online) }, 1, 0},
		{"one seen at the edge of the window", func(w *presenceWorld) {
			w.presence("ana", store.Online)
			w.advance(workflow.AgentFreshness)
		}, 1, 0},
		{"one stale", func(w *presenceWorld) {
			w.presence("ana", store.Online)
			w.advance(workflow.AgentFreshness + time.Second)
		}, 0, 0},
		{"one on a call", func(w *presenceWorld) {
			w.presence("ana", store.Online)
			w.takeCall("ana")
		}, 1, 1},
		{"one online, then away", func(w *presenceWorld) {
			w.presence("ana", store.Online)
			w.presence("ana", store.Away)
		}, 0, 0},
		{"one signed in, never online", func(w *presenceWorld) { w.agent("ana") }, 0, 0},
		{"one stale, one away, one on a call, two fresh", func(w *presenceWorld) {
			w.presence("ana", store.Online)
			w.advance(workflow.AgentFreshness + time.Second)
			w.presence("bo", store.Online)
			w.presence("bo", store.Away)
			w.presence("cy", store.Online)
			w.takeCall("cy")
			w.presence("di", store.Online)
			w.presence("ed", store.Online)
		}, 3, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, cfg store.Config) {
				w := openPresenceWorld(t, cfg)
				c.state(w)
				online, busy := w.answers()
				for surface, n := range online {
					if n != c.online {
						t.Errorf("%s: %d agents online, want %d (all: %v)", surface, n, c.online, online)
					}
				}
				if busy != c.busy {
					t.Errorf("the floor: %d agents busy, want %d", busy, c.busy)
				}
			})
		})
	}
}
