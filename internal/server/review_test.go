package server_test

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/fairness"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// decidedNegative takes a freelancer's case through a call that the given
// staff member ends with not_verified.
func decidedNegative(t *testing.T, s *server.Server, freelancerID string, decider *store.Staff) *workflow.Opened {
	t.Helper()
	ctx := context.Background()
	opened := seedCase(t, s, freelancerID)
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.Workflow.JoinQueue(ctx, tx, freelancerID); err != nil {
			return err
		}
		if _, err := s.Workflow.TakeNext(ctx, tx, decider.ID); err != nil {
			return err
		}
		o := verification.ClaimOutcome{Key: "location", Outcome: verification.NotConfirmed, Note: "could not name the neighbourhood"}
		if err := s.Workflow.RecordOutcome(ctx, tx, decider.ID, opened.Verification.ID, o); err != nil {
			return err
		}
		_, err := s.Workflow.DecideCall(ctx, tx, decider.ID, opened.Verification.ID, workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return opened
}

// recordSteps records a video call's required steps on a case, as the
// agent who held its call.
func recordSteps(t *testing.T, s *server.Server, verificationID string, agent *store.Staff) {
	t.Helper()
	ctx := context.Background()
	call, err := s.Store.LatestCall(ctx, verificationID)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		steps := []verification.StepRecord{{Step: "consent", Result: "given"}, {Step: "identity", Result: "matched"}}
		for _, c := range verification.CallChallenges(verification.ModeVideo, call.ID, call.Challenges) {
			steps = append(steps, verification.StepRecord{Step: "challenge_" + c.Key, Result: "done"})
		}
		for _, st := range steps {
			st.By, st.At = "staff:"+agent.ID, call.StartedAt
			if err := tx.PutStep(ctx, verificationID, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func restricted(t *testing.T, s *server.Server, freelancerID string) bool {
	t.Helper()
	st, err := s.Workflow.Standing(context.Background(), freelancerID)
	if err != nil {
		t.Fatal(err)
	}
	return len(st.Restrictions) > 0
}

func TestSecondReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		ctx := context.Background()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		addStaff(t, s, "kim@example.com", store.RoleSupervisor, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		kim, _ := s.Store.StaffByEmail(ctx, "kim@example.com")

		first := decidedNegative(t, s, "u-150", maria)
		if v, _ := s.Store.Verification(ctx, first.Verification.ID); v.Status != "in_review" || restricted(t, s, "u-150") {
			t.Fatalf("after one person's negative: %s, restricted %v", v.Status, restricted(t, s, "u-150"))
		}
		agent := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		if status, _ := fetchWith(t, agent, base+"/agent/reviews"); status != http.StatusForbidden {
			t.Fatalf("an agent opening reviews: %d", status)
		}

		// A supervisor who took the call cannot review it.
		own := decidedNegative(t, s, "u-151", kim)
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.DecideReview(ctx, tx, kim, own.Verification.ID, workflow.ReviewDecision{Choice: workflow.Confirm})
			return err
		})
		if !errors.Is(err, workflow.ErrOwnDecision) {
			t.Fatalf("reviewing one's own decision: %v", err)
		}

		sam := &http.Client{Jar: signIn(t, base, "sam@example.com", "correct horse battery")}
		status, page := fetchWith(t, sam, base+"/agent/reviews/"+first.Verification.ID)
		if status != 200 || !strings.Contains(page, "could not name the neighbourhood") || !strings.Contains(page, "A claim could not be supported") {
			t.Fatalf("review page: %d", status)
		}
		// A refused note is shown beside the note, and the choice and the
		// note are kept for the reviewer to correct.
		if res, page := post(t, sam, base+"/agent/reviews/"+first.Verification.ID, url.Values{"decision": {"confirm"}, "note": {"Strong foreign accent, hard to follow"}}); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(page, `data-test="problem-note"`) || !strings.Contains(page, ">Strong foreign accent, hard to follow</textarea>") ||
			!strings.Contains(page, `value="confirm" required data-test="review-confirm" checked`) {
			t.Fatalf("a review note about an accent: %d\n%s", res.StatusCode, page)
		}
		if v, _ := s.Store.Verification(ctx, first.Verification.ID); v.Status != "in_review" {
			t.Fatalf("the refused review changed the case: %s", v.Status)
		}
		res := postForm(t, sam, base+"/agent/reviews/"+first.Verification.ID, url.Values{"decision": {"confirm"}, "note": {"agreed"}}, "")
		if res.Request.URL.Query().Get("notice") != "confirmed" {
			t.Fatalf("confirming ended at %s", res.Request.URL)
		}
		if v, _ := s.Store.Verification(ctx, first.Verification.ID); v.Status != "not_verified" || !restricted(t, s, "u-150") {
			t.Fatalf("after a confirmed negative: %s, restricted %v", v.Status, restricted(t, s, "u-150"))
		}
		types := eventTypes(t, s)
		if types[len(types)-2] != "verification.not_verified" || types[len(types)-1] != "standing.changed" {
			t.Fatalf("events end %v", types[len(types)-2:])
		}

		// An overturn cannot verify what nobody checked: the call recorded
		// no consent, no ID and no live check.
		second := decidedNegative(t, s, "u-152", maria)
		res = postForm(t, sam, base+"/agent/reviews/"+second.Verification.ID, url.Values{"decision": {"overturn"},
			"confirm-location": {"The utility bill in the documents shows the address"}}, "")
		if v, _ := s.Store.Verification(ctx, second.Verification.ID); res.StatusCode != http.StatusUnprocessableEntity || v.Status != "in_review" {
			t.Fatalf("overturning a call with no steps: %d, %s", res.StatusCode, v.Status)
		}
		// With the call's steps recorded, an overturn must say what confirms
		// each claim not confirmed.
		recordSteps(t, s, second.Verification.ID, maria)
		res, page = post(t, sam, base+"/agent/reviews/"+second.Verification.ID, url.Values{"decision": {"overturn"}, "note": {"bill seen"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !besideField(page, "confirm-location", "Say what confirms") ||
			!strings.Contains(page, ">bill seen</textarea>") {
			t.Fatalf("overturning without saying what confirms the claim: %d\n%s", res.StatusCode, page)
		}
		postForm(t, sam, base+"/agent/reviews/"+second.Verification.ID, url.Values{"decision": {"overturn"},
			"confirm-location": {"The utility bill in the documents shows the address"}}, "")
		if v, _ := s.Store.Verification(ctx, second.Verification.ID); v.Status != "verified" || restricted(t, s, "u-152") {
			t.Fatalf("after an overturned negative: %s", v.Status)
		}
		if outcomes, _ := s.Store.ClaimOutcomes(ctx, second.Verification.ID); len(outcomes) != 1 || outcomes[0].Outcome != "confirmed" ||
			outcomes[0].StaffID == maria.ID || !strings.Contains(outcomes[0].Note, "utility bill") {
			t.Fatalf("the overturn's confirmation: %+v", outcomes)
		}
		if res := postForm(t, sam, base+"/agent/reviews/"+second.Verification.ID, url.Values{"decision": {"confirm"}}, ""); res.StatusCode != http.StatusConflict {
			t.Fatalf("reviewing a decided case again: %d", res.StatusCode)
		}

		// A new call: back to the freelancer with the full notice again,
		// and the agent who decided does not get the case back.
		third := decidedNegative(t, s, "u-153", maria)
		res = postForm(t, sam, base+"/agent/reviews/"+third.Verification.ID, url.Values{"decision": {"new_call"}}, "")
		v, _ := s.Store.Verification(ctx, third.Verification.ID)
		if res.Request.URL.Query().Get("notice") != "new_call" || v.Status != "awaiting_freelancer" || restricted(t, s, "u-153") ||
			v.Deadline.Before(time.Now().Add(7*24*time.Hour-time.Minute)) {
			t.Fatalf("after a new call was asked: %s, deadline %v", v.Status, v.Deadline)
		}
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			if _, err := s.Workflow.JoinQueue(ctx, tx, "u-153"); err != nil {
				return err
			}
			_, err := s.Workflow.TakeNext(ctx, tx, maria.ID)
			return err
		})
		if !errors.Is(err, workflow.ErrQueueEmpty) {
			t.Fatalf("the first agent taking the case sent back: %v", err)
		}
	})
}

func TestFairnessReportPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(context.Background(), "maria@example.com")
		decidedNegative(t, s, "u-170", maria)
		decidedNegative(t, s, "u-171", maria)

		agent := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		if status, _ := fetchWith(t, agent, base+"/agent/fairness"); status != http.StatusForbidden {
			t.Fatalf("an agent opening the fairness report: %d", status)
		}
		sam := &http.Client{Jar: signIn(t, base, "sam@example.com", "correct horse battery")}
		status, page := fetchWith(t, sam, base+"/agent/fairness")
		// The country of the locale (en-IN), by its name.
		if status != 200 || !strings.Contains(page, "maria") || !strings.Contains(page, "<td>India</td>") {
			t.Fatalf("fairness page: %d\n%s", status, page)
		}
		// The reasons given for "not verified" in words, not codes.
		if !strings.Contains(page, "<td>"+web.Word(i18n.StaffEnglish, "reason", "claim_not_supported")+"</td>") || strings.Contains(page, "claim_not_supported") {
			t.Fatal("the fairness page shows the reason code, not its words")
		}
		// Beyond one agent: what attest knows about the cases, and the
		// promise that the page may be read at any time.
		for _, want := range []string{"Beyond one agent", "location_mismatch", "<td>English (India)</td>", "<td>Asia</td>", "<td>Video call</td>", "<td>Stayed on one device</td>",
			"<td>Other</td>", "Read it as often as you like"} {
			if !strings.Contains(page, want) {
				t.Fatalf("the fairness page lacks %q", want)
			}
		}
		for _, code := range []string{"<td>other</td>", "one_device", "video_call"} {
			if strings.Contains(page, code) {
				t.Fatalf("the fairness page shows the code %q, not its words", code)
			}
		}
		quarter := fairness.PeriodOf(time.Now())
		if status, page := fetchWith(t, sam, base+"/agent/fairness?period="+quarter.Previous().String()); status != 200 || strings.Contains(page, "maria") {
			t.Fatalf("last quarter's report: %d, names this quarter's agent: %v", status, strings.Contains(page, "maria"))
		}
		for _, bad := range []string{"2026-Q5", "last", quarter.End().Format("2006") + "-Q4"} {
			if status, _ := fetchWith(t, sam, base+"/agent/fairness?period="+bad); status != http.StatusBadRequest {
				t.Fatalf("period %q: %d, want 400", bad, status)
			}
		}
		res, err := sam.Get(base + "/agent/fairness.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		r := csv.NewReader(res.Body)
		r.FieldsPerRecord = -1
		records, err := r.ReadAll()
		if err != nil || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(records) < 4 ||
			!strings.Contains(res.Header.Get("Content-Disposition"), quarter.String()) {
			t.Fatalf("csv: %v, %d records, %s, %s", err, len(records), res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
		}
		method := false
		for _, rec := range records {
			method = method || len(rec) > 4 && rec[0] == "method" && rec[1] == "video_call" && rec[4] == "2" &&
				rec[2] == web.Group(i18n.StaffEnglish, "method", "video_call", "")
		}
		if !method {
			t.Fatalf("no breakdown row for the video calls in %v", records)
		}
		// The floor counts the flags of the same report.
		if status, floor := fetchWith(t, sam, base+"/admin"); status != 200 || !strings.Contains(floor, "Fairness this quarter") {
			t.Fatalf("the floor's fairness figure: %d", status)
		}
	})
}

func TestAgentWithReviewRights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s, base := openServed(t, server.Config{Store: cfg, Now: time.Now})
		ctx := context.Background()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "ola@example.com", store.RoleAgent, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		setRights := func(email string, on bool) {
			t.Helper()
			if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
				target, err := tx.StaffByEmail(ctx, staff.Email(email))
				if err != nil {
					return err
				}
				return s.Staff.SetReviewRights(ctx, tx, "test", target, on)
			}); err != nil {
				t.Fatal(err)
			}
		}

		negative := decidedNegative(t, s, "u-160", maria)
		ola := &http.Client{Jar: signIn(t, base, "ola@example.com", "correct horse battery")}
		if status, _ := fetchWith(t, ola, base+"/agent/reviews"); status != http.StatusForbidden {
			t.Fatalf("an agent without review rights opening reviews: %d", status)
		}

		setRights("OLA@example.com ", true)
		// Setting a new password keeps the rights: they are granted on their own.
		addStaff(t, s, "ola@example.com", store.RoleAgent, "another horse battery")
		ola = &http.Client{Jar: signIn(t, base, "ola@example.com", "another horse battery")}
		status, page := fetchWith(t, ola, base+"/agent")
		if status != 200 || !strings.Contains(page, `href="/agent/reviews"`) || strings.Contains(page, `href="/agent/fairness"`) {
			t.Fatalf("console of an agent with review rights: %d, reviews link %v, fairness link %v", status,
				strings.Contains(page, `href="/agent/reviews"`), strings.Contains(page, `href="/agent/fairness"`))
		}
		status, page = fetchWith(t, ola, base+"/agent/reviews")
		if status != 200 || !strings.Contains(page, negative.Verification.ID) || strings.Contains(page, "Appeals") {
			t.Fatalf("reviews page for an agent with review rights: %d, appeals shown %v", status, strings.Contains(page, "Appeals"))
		}
		for _, path := range []string{"/agent/fairness", "/agent/appeals/apl_none"} {
			if status, _ := fetchWith(t, ola, base+path); status != http.StatusForbidden {
				t.Fatalf("%s for an agent with review rights: %d", path, status)
			}
		}

		// Rights do not let anyone review their own decision.
		setRights("maria@example.com", true)
		maria, _ = s.Store.StaffByEmail(ctx, "maria@example.com")
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.DecideReview(ctx, tx, maria, negative.Verification.ID, workflow.ReviewDecision{Choice: workflow.Confirm})
			return err
		})
		if !errors.Is(err, workflow.ErrOwnDecision) {
			t.Fatalf("an agent with rights reviewing their own decision: %v", err)
		}

		res := postForm(t, ola, base+"/agent/reviews/"+negative.Verification.ID, url.Values{"decision": {"confirm"}}, "")
		if res.Request.URL.Query().Get("notice") != "confirmed" {
			t.Fatalf("confirming ended at %s", res.Request.URL)
		}
		if v, _ := s.Store.Verification(ctx, negative.Verification.ID); v.Status != "not_verified" || !restricted(t, s, "u-160") {
			t.Fatalf("after a review by an agent with rights: %s", v.Status)
		}

		setRights("ola@example.com", false)
		if status, _ := fetchWith(t, ola, base+"/agent/reviews"); status != http.StatusForbidden {
			t.Fatalf("reviews after the rights were withdrawn: %d", status)
		}
		entries, err := s.Store.AuditEntries(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
		}
		if actions["staff.review_granted"] != 2 || actions["staff.review_withdrawn"] != 1 {
			t.Errorf("audit: %d staff.review_granted (want 2), %d staff.review_withdrawn (want 1)",
				actions["staff.review_granted"], actions["staff.review_withdrawn"])
		}
	})
}
