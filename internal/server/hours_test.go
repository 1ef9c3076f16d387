package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// Agents set their own hours and leave in the console; supervisors may set
// anyone's; agents may not set another's.
func TestWorkingHoursInTheConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(context.Background(), "maria@example.com")
		sam, _ := s.Store.StaffByEmail(context.Background(), "sam@example.com")
		agent := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		supervisor := &http.Client{Jar: signIn(t, base, "sam@example.com", "correct horse battery")}

		res := postForm(t, agent, base+"/agent/hours", url.Values{"timezone": {"Asia/Kolkata"},
			"start-Monday": {"09:30"}, "end-Monday": {"13:00"}, "start-Tuesday": {"14:00"}, "end-Tuesday": {"18:00"}}, "")
		if res.StatusCode != 200 || !strings.Contains(res.Request.URL.RawQuery, "saved=1") {
			t.Fatalf("saving hours: %d at %s", res.StatusCode, res.Request.URL)
		}
		a, err := s.Store.Availability(context.Background(), maria.ID, time.Now())
		if err != nil || a.Location.String() != "Asia/Kolkata" || len(a.Weekly) != 2 || a.Weekly[0].Start != 570 {
			t.Fatalf("stored hours %+v %v", a, err)
		}
		// A refusal shows beside what it concerns, in the staff's words, and
		// keeps what was typed; nothing is saved.
		for _, bad := range []struct {
			form        url.Values
			field, text string
			kept        string
		}{
			{url.Values{"timezone": {"Mars/Olympus"}, "start-Friday": {"10:15"}, "end-Friday": {"11:45"}}, "timezone", "IANA name", `value="10:15"`},
			{url.Values{"timezone": {"UTC"}, "start-Monday": {"13:00"}, "end-Monday": {"09:00"}}, "day", "the start first", `value="13:00"`},
			{url.Values{"timezone": {"UTC"}, "start-Monday": {"9am"}, "end-Monday": {"5pm"}}, "day", "HH:MM", `value="9am"`},
		} {
			res, page := post(t, agent, base+"/agent/hours", bad.form)
			if res.StatusCode != 400 || !besideField(page, bad.field, bad.text) || !strings.Contains(page, bad.kept) ||
				!strings.Contains(page, `data-test="hours-not-saved"`) || strings.Contains(page, "schedule:") {
				t.Errorf("%v: %d, want the problem beside %s and %s kept:\n%s", bad.form, res.StatusCode, bad.field, bad.kept, page)
			}
		}
		if a, _ := s.Store.Availability(context.Background(), maria.ID, time.Now()); a.Location.String() != "Asia/Kolkata" || len(a.Weekly) != 2 {
			t.Fatalf("refused forms changed the hours: %+v", a)
		}
		res, page := post(t, agent, base+"/agent/hours/leave", url.Values{"from": {"2030-01-10T09:00"}, "to": {"2030-01-06T18:00"}, "kind": {"extra"}, "note": {"cover"}})
		if res.StatusCode != 400 || !besideField(page, "to", "after the start") || !strings.Contains(page, `value="cover"`) ||
			!strings.Contains(page, `value="2030-01-10T09:00"`) {
			t.Errorf("leave ending before it starts: %d\n%s", res.StatusCode, page)
		}
		res = postForm(t, agent, base+"/agent/hours/leave", url.Values{"from": {"2030-01-06T09:00"}, "to": {"2030-01-10T18:00"}, "kind": {"off"}, "note": {"holiday"}}, "")
		if res.StatusCode != 200 {
			t.Fatalf("adding leave: %d", res.StatusCode)
		}
		a, _ = s.Store.Availability(context.Background(), maria.ID, time.Now())
		if len(a.Exceptions) != 1 || a.Exceptions[0].Start.In(a.Location).Format("15:04") != "09:00" {
			t.Fatalf("leave %+v, want it in the agent's own zone", a.Exceptions)
		}
		if res := postForm(t, agent, base+"/agent/hours/leave/"+a.Exceptions[0].ID+"/delete", url.Values{}, ""); res.StatusCode != 200 {
			t.Fatalf("removing leave: %d", res.StatusCode)
		}

		// Someone else's hours: a supervisor may, an agent may not.
		if res := postForm(t, agent, base+"/agent/hours", url.Values{"staff": {sam.ID}, "timezone": {"UTC"}}, ""); res.StatusCode != 403 {
			t.Fatalf("an agent changing a supervisor's hours: %d", res.StatusCode)
		}
		if res := postForm(t, supervisor, base+"/agent/hours", url.Values{"staff": {maria.ID}, "timezone": {"Europe/Berlin"}}, ""); res.StatusCode != 200 {
			t.Fatalf("a supervisor changing an agent's hours: %d", res.StatusCode)
		}
		status, page := fetchWith(t, supervisor, base+"/agent/hours?staff="+maria.ID)
		if status != 200 || !strings.Contains(page, "Europe/Berlin") {
			t.Fatalf("hours page: %d", status)
		}
	})
}

func fetchWith(t testing.TB, c *http.Client, target string) (int, string) {
	t.Helper()
	status, _, body := fetchFull(t, c, target)
	return status, body
}
