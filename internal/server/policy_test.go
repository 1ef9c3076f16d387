package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// standingOver asks the standing endpoint, as the marketplace does.
func standingOver(t *testing.T, base, key, freelancerID string) verification.Standing {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/freelancers/"+freelancerID+"/standing", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st verification.Standing
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil || res.StatusCode != 200 {
		t.Fatalf("standing of %s: %d %v", freelancerID, res.StatusCode, err)
	}
	return st
}

func policyForm(change func(url.Values)) url.Values {
	form := url.Values{"grace_days": {"10"}, "restrictions": {"submit_proposals, message_clients"},
		"methods": {"video_call", "document_review"}, "deadline_reminders": {"48h, 6h"}, "call_reminders": {"2h"},
		"appeal_window_days": {"21"}, "retention_documents_days": {"30"}, "retention_personal_data_days": {"365"},
		"retention_audit_days": {"730"}}
	if change != nil {
		change(form)
	}
	return form
}

// An admin changes the grace and the restriction names: a case opened
// afterwards gets the new deadline, reminders and methods, an overdue
// freelancer's standing names the new restrictions, and the audit log has
// the values before and after.
func TestAdminPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := t0
		s, base := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		ctx := context.Background()
		admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
		var key string
		s.Store.InTx(ctx, func(tx *store.Tx) (err error) { key, err = s.Staff.CreateAPIKey(ctx, tx, "test", "policy"); return })

		body := page(t, admin, base+"/admin/policy", 200)
		if !strings.Contains(body, `value="submit_proposals"`) || !strings.Contains(body, "these are attest's defaults") {
			t.Fatalf("the page does not show the defaults:\n%.2000s", body)
		}
		late := seedCase(t, s, "u-300")
		now = late.Verification.Deadline.Add(time.Hour)
		admin = &http.Client{Jar: signIn(t, base, "admin@example.com", adminPassword)} // the session expired meanwhile
		if st := standingOver(t, base, key, "u-300"); !slices.Equal(st.Restrictions, []string{"submit_proposals"}) {
			t.Fatalf("overdue standing before the change: %v", st.Restrictions)
		}

		res, body := post(t, admin, base+"/admin/policy", policyForm(func(f url.Values) {
			f.Set("grace_days", "0")
			f.Set("restrictions", "Submit Proposals")
			f.Del("methods")
			f.Set("retention_audit_days", "30")
		}))
		for _, want := range []string{"Choose from 1 to 90 days.", "Submit Proposals", "Allow at least one method.", "Choose from 365 to 3650 days.",
			`aria-invalid="true"`, `data-code="out_of_range"`, `data-code="required"`, `data-code="invalid"`} {
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
				t.Fatalf("a bad policy: %d, want %q in\n%.3000s", res.StatusCode, want, body)
			}
		}

		res, _ = post(t, admin, base+"/admin/policy", policyForm(nil))
		if res.StatusCode != 200 || res.Request.URL.Query().Get("notice") != "saved" {
			t.Fatalf("saving: %d at %s", res.StatusCode, res.Request.URL)
		}
		if st := standingOver(t, base, key, "u-300"); !slices.Equal(st.Restrictions, []string{"submit_proposals", "message_clients"}) {
			t.Fatalf("overdue standing after the change: %v", st.Restrictions)
		}
		// The marketplace hears of the new names from the feed and webhooks too.
		events, _ := s.Store.Events(ctx, 0, 100)
		last := events[len(events)-1]
		if last.Type != verification.EventStandingChange || last.FreelancerID != "u-300" ||
			!strings.Contains(string(last.Data), `"restrictions":["submit_proposals","message_clients"]`) {
			t.Fatalf("no standing.changed with the new names; the last event: %s %s %s", last.Type, last.FreelancerID, last.Data)
		}

		opened := seedCase(t, s, "u-301").Verification
		if want := (verification.Policy{GraceDays: 10}).Deadline(now, 0, time.Time{}); !opened.Deadline.Equal(want) {
			t.Fatalf("new deadline %v, want %v (10 days)", opened.Deadline, want)
		}
		if !slices.Equal(opened.Methods, []verification.Method{verification.MethodVideoCall, verification.MethodDocumentReview}) {
			t.Fatalf("new case's methods %v", opened.Methods)
		}
		jobs := jobTimes(t, cfg, "deadline")
		for _, lead := range []time.Duration{48 * time.Hour, 6 * time.Hour, 0} {
			if !slices.ContainsFunc(jobs, opened.Deadline.Add(-lead).Equal) {
				t.Fatalf("no deadline job %s before the new deadline %v: %v", lead, opened.Deadline, jobs)
			}
		}
		if slices.ContainsFunc(jobs, opened.Deadline.Add(-72*time.Hour).Equal) {
			t.Fatal("the new case is still reminded 72h ahead")
		}
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: "u-300",
				Reason: verification.Reason{Code: "again", Explanation: "Again."}, Methods: []verification.Method{verification.MethodAudioCall}})
			return err
		})
		var rule *verification.RuleError
		if !errors.As(err, &rule) || rule.Code != "method_not_allowed" {
			t.Fatalf("a method the policy does not allow: %v", err)
		}

		body = page(t, admin, base+"/admin/audit", 200)
		if !strings.Contains(body, "policy.update") || !strings.Contains(body, `&#34;before&#34;:7`) && !strings.Contains(body, `"before":7`) {
			t.Fatalf("the audit log lacks the change:\n%.4000s", body)
		}
		if body := page(t, admin, base+"/admin/policy", 200); !strings.Contains(body, `value="submit_proposals, message_clients"`) ||
			!strings.Contains(body, "by admin (Admin).") {
			t.Fatalf("the page does not show the saved policy:\n%.2000s", body)
		}
	})
}

// Call reminders follow the policy in force when the call is booked.
func TestPolicyCallReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC) // Friday, 11:00 in Berlin
		s, _ := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		ctx := context.Background()
		agentWithHours(t, s, "Europe/Berlin", 9*60, 17*60, weekdays...)
		p, _ := s.Workflow.CurrentPolicy(ctx)
		p.CallReminders = []time.Duration{3 * time.Hour, 30 * time.Hour}
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error { return s.Workflow.SetPolicy(ctx, tx, "test", p) }); err != nil {
			t.Fatal(err)
		}
		opened := seedCase(t, s, "u-310")
		monday := time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC)
		res := postForm(t, http.DefaultClient, opened.Link.URL+"/book", url.Values{"slot": {monday.Format(time.RFC3339)}}, "")
		if n := res.Request.URL.Query().Get("notice"); n != "booked" {
			t.Fatalf("booking: notice %q", n)
		}
		got := jobTimes(t, cfg, "call_reminder")
		want := []time.Time{monday.Add(-30 * time.Hour), monday.Add(-3 * time.Hour)}
		if !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Fatalf("call reminders at %v, want %v", got, want)
		}
	})
}

// jobTimes lists when the queued jobs of a kind are due.
func jobTimes(t *testing.T, cfg store.Config, kind string) []time.Time {
	t.Helper()
	rows, err := storetest.RawDB(t, cfg).Query("SELECT scheduled_at FROM river_job WHERE kind = '" + kind + "' ORDER BY scheduled_at")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		got = append(got, at.UTC())
	}
	return got
}
