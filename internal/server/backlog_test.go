package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/workflow"
)

// slotInput finds the portal's bookable times, earliest first.
var slotInput = regexp.MustCompile(`name="slot" value="([^"]+)"`)

// TestBacklogEveryoneFindsASlot is the first complaint attest answers,
// tried from outside: 300 verifications opened at once through the API
// against one agent's hour a weekday (30 calls a week), then each
// freelancer in turn books, on their portal page, the first free time
// before their current deadline — and every one finds one. Then hours are
// withdrawn, and the deadlines that no longer fit move, with the event.
func TestBacklogEveryoneFindsASlot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC) // a Monday morning
		s, base := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		ctx := context.Background()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "joao@example.com", store.RoleAgent, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		joao, _ := s.Store.StaffByEmail(ctx, "joao@example.com")
		var key string
		err := s.Store.InTx(ctx, func(tx *store.Tx) (err error) {
			for _, a := range []*store.Staff{maria, joao} {
				if err := s.Workflow.SetHours(ctx, tx, "test", a.ID, "UTC", weekdayHours(9, 10)); err != nil {
					return err
				}
			}
			key, err = s.Staff.CreateAPIKey(ctx, tx, "test", "backlog")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		api := func(method, path, body string) map[string]any {
			t.Helper()
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out map[string]any
			json.NewDecoder(res.Body).Decode(&out)
			if res.StatusCode >= 300 {
				t.Fatalf("%s %s: %d %v", method, path, res.StatusCode, out)
			}
			return out
		}
		const n = 300
		portals := make([]string, n)
		for i := range n {
			id := fmt.Sprintf("u-%03d", i)
			api("PUT", "/v1/freelancers/"+id, `{"display_name": "Freelancer `+id+`", "email": "`+id+`@example.com", "locale": "en",
				"timezone": "UTC", "claims": [{"key": "location", "label": "Location", "value": "Lisbon"}]}`)
			created := api("POST", "/v1/verifications", `{"freelancer_id": "`+id+`", "reason": {"code": "rollout", "explanation": "Everyone is checked once."}}`)
			portals[i] = created["portal_url"].(string)
		}
		// Booking takes the slots in turn; nobody is told their deadline
		// moved: each was given one that the backlog ahead of them fits in.
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		last := time.Time{}
		for i, link := range portals {
			status, page := fetchWith(t, http.DefaultClient, link)
			slots := slotInput.FindAllStringSubmatch(page, -1)
			if status != 200 || len(slots) == 0 {
				t.Fatalf("freelancer %d of %d finds no free time before their deadline (page %d)", i+1, n, status)
			}
			res := postFormNoFollow(t, noRedirect, link+"/book", url.Values{"slot": {slots[0][1]}})
			if loc := res.Header.Get("Location"); !strings.Contains(loc, "booked") {
				t.Fatalf("freelancer %d booking %s: %d %s", i+1, slots[0][1], res.StatusCode, loc)
			}
			at, _ := time.Parse(time.RFC3339, slots[0][1])
			if at.Before(last) {
				t.Fatalf("freelancer %d booked %v, before the one ahead of them (%v)", i+1, at, last)
			}
			last = at
		}
		if moved := countEvents(t, s, "verification.deadline_moved"); moved != 0 {
			t.Fatalf("%d deadlines moved while everyone booked in turn; each should have fit", moved)
		}
		if last.Sub(now) < 4*7*24*time.Hour {
			t.Fatalf("300 calls at 12 a day ended %v after opening; the test no longer fills the hours", last.Sub(now))
		}

		// Cancel every booking, then withdraw João's hours: half the
		// capacity goes, and the deadlines that no longer fit move before
		// anyone could be restricted for it.
		for _, link := range portals {
			postFormNoFollow(t, noRedirect, link+"/book/cancel", url.Values{})
		}
		if counts, _ := s.Store.OpenCounts(ctx); counts["awaiting_freelancer"] != n {
			t.Fatalf("after canceling every booking: %v", counts)
		}
		before := countEvents(t, s, "verification.deadline_moved")
		err = s.Store.InTx(ctx, func(tx *store.Tx) error { return s.Workflow.SetHours(ctx, tx, "test", joao.ID, "UTC", nil) })
		if err != nil {
			t.Fatal(err)
		}
		if countEvents(t, s, "verification.deadline_moved") == before {
			t.Fatal("half the agent hours went and no deadline moved")
		}
		list, _ := s.Store.Verifications(ctx, store.VerificationFilter{Limit: n})
		for _, v := range list {
			slots, err := s.Workflow.BookableSlots(ctx, v)
			if err != nil || len(slots) == 0 {
				t.Fatalf("%s has no free time before its deadline %v after the hours changed (%v)", v.ID, v.Deadline, err)
			}
		}
	})
}

func weekdayHours(from, to int) []schedule.Hours {
	var hours []schedule.Hours
	for d := time.Monday; d <= time.Friday; d++ {
		hours = append(hours, schedule.Hours{Day: d, Start: schedule.Clock(from * 60), End: schedule.Clock(to * 60)})
	}
	return hours
}

func postFormNoFollow(t *testing.T, c *http.Client, target string, form url.Values) *http.Response {
	t.Helper()
	res, err := c.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func countEvents(t *testing.T, s *server.Server, typ string) int {
	t.Helper()
	events, err := s.Store.Events(context.Background(), 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if string(e.Type) == typ {
			n++
		}
	}
	return n
}

// Past the deadline the freelancer can still book the call that ends the
// restriction, within a week; the booking lifts it while the call is due.
func TestOverdueCanBookTheCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
		s, base := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		ctx := context.Background()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return s.Workflow.SetHours(ctx, tx, "test", maria.ID, "UTC", weekdayHours(9, 10))
		})
		if err != nil {
			t.Fatal(err)
		}
		opened := seedCase(t, s, "u-400")
		v := opened.Verification
		now = v.Deadline.Add(time.Hour)
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			return s.Workflow.SeeDeadline(ctx, tx, workflow.DeadlineArgs{VerificationID: v.ID, Deadline: v.Deadline})
		})
		if err != nil || !restricted(t, s, "u-400") {
			t.Fatalf("past the deadline: restricted %v, %v", restricted(t, s, "u-400"), err)
		}
		link := base + opened.Link.URL[strings.Index(opened.Link.URL, "/v/"):]
		_, page := fetchWith(t, http.DefaultClient, link)
		slots := slotInput.FindAllStringSubmatch(page, -1)
		if len(slots) == 0 {
			t.Fatal("an overdue freelancer is offered no time to book the call")
		}
		at, _ := time.Parse(time.RFC3339, slots[len(slots)-1][1])
		if at.After(now.Add(workflow.OverdueBookingWindow)) {
			t.Fatalf("an overdue freelancer is offered %v, more than a week out", at)
		}
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if loc := postFormNoFollow(t, noRedirect, link+"/book", url.Values{"slot": {slots[0][1]}}).Header.Get("Location"); !strings.Contains(loc, "booked") {
			t.Fatalf("booking: %s", loc)
		}
		if restricted(t, s, "u-400") {
			t.Fatal("the booked call does not lift the restriction while it is due")
		}
		if types := eventTypes(t, s); types[len(types)-1] != "standing.changed" {
			t.Fatalf("events end %v: the marketplace does not hear the restriction lifted", types[len(types)-2:])
		}
	})
}
