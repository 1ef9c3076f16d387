package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/workflow"
)

// A confirmed negative restricts; the freelancer appeals from the portal; a
// supervisor who took no part upholds it and the restriction lifts at once.
func TestAppeal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := time.Now()
		s, base := openServed(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		ctx := context.Background()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		addStaff(t, s, "kim@example.com", store.RoleSupervisor, "correct horse battery")
		maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
		sam, _ := s.Store.StaffByEmail(ctx, "sam@example.com")
		opened := decidedNegative(t, s, "u-160", maria)
		token := strings.TrimPrefix(opened.Link.URL, base)
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.DecideReview(ctx, tx, sam, opened.Verification.ID, workflow.ReviewDecision{Choice: workflow.Confirm})
			return err
		})
		if err != nil || !restricted(t, s, "u-160") {
			t.Fatalf("after a confirmed negative: %v, restricted %v", err, restricted(t, s, "u-160"))
		}

		_, page := fetch(t, base+token)
		if !strings.Contains(page, `data-test="appeal"`) {
			t.Fatal("the result page offers no appeal")
		}
		if res := postForm(t, http.DefaultClient, base+token+"/appeal", url.Values{"statement": {"  "}}, ""); res.Request.URL.Query().Get("notice") != "appeal-empty" {
			t.Fatalf("an empty appeal: %s", res.Request.URL)
		}
		res := postForm(t, http.DefaultClient, base+token+"/appeal", url.Values{"statement": {"I showed my ID; the address on my profile is my studio."}}, "")
		if res.Request.URL.Query().Get("notice") != "appealed" {
			t.Fatalf("appealing: %s", res.Request.URL)
		}
		if res := postForm(t, http.DefaultClient, base+token+"/appeal", url.Values{"statement": {"again"}}, ""); res.Request.URL.Query().Get("notice") != "appeal-closed" {
			t.Fatalf("a second appeal: %s", res.Request.URL)
		}
		appeal, err := s.Store.AppealOf(ctx, opened.Verification.ID)
		if err != nil || appeal.Status != "open" {
			t.Fatalf("appeal %+v %v", appeal, err)
		}
		if types := eventTypes(t, s); types[len(types)-1] != "appeal.created" {
			t.Fatalf("events end with %s", types[len(types)-1])
		}
		// Sam confirmed the decision, so Sam cannot decide the appeal.
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.DecideAppeal(ctx, tx, sam, appeal.ID, true, "")
			return err
		})
		if !errors.Is(err, workflow.ErrOwnDecision) {
			t.Fatalf("the reviewer deciding the appeal: %v", err)
		}
		kim := &http.Client{Jar: signIn(t, base, "kim@example.com", "correct horse battery")}
		status, page := fetchWith(t, kim, base+"/agent/appeals/"+appeal.ID)
		if status != 200 || !strings.Contains(page, "the address on my profile is my studio") {
			t.Fatalf("appeal page: %d", status)
		}
		res = postForm(t, kim, base+"/agent/appeals/"+appeal.ID, url.Values{"decision": {"uphold"}}, "")
		if res.Request.URL.Query().Get("notice") != "upheld" {
			t.Fatalf("upholding: %s", res.Request.URL)
		}
		st, _ := s.Workflow.Standing(ctx, "u-160")
		// The restriction is lifted; nobody confirmed the claims, so the
		// freelancer is not called verified.
		if len(st.Restrictions) != 0 || st.Verified {
			t.Fatalf("standing after an upheld appeal: %+v", st)
		}
		types := eventTypes(t, s)
		if types[len(types)-2] != "appeal.resolved" || types[len(types)-1] != "standing.changed" {
			t.Fatalf("events end %v", types[len(types)-2:])
		}
		if _, page := fetch(t, base+token); !strings.Contains(page, "Your appeal was upheld") {
			t.Fatal("the portal does not say the appeal was upheld")
		}

		// After the window, no appeal.
		late := decidedNegative(t, s, "u-161", maria)
		s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.DecideReview(ctx, tx, sam, late.Verification.ID, workflow.ReviewDecision{Choice: workflow.Confirm})
			return err
		})
		now = now.Add(15 * 24 * time.Hour)
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := s.Workflow.Appeal(ctx, tx, "u-161", "too late?")
			return err
		})
		if !errors.Is(err, workflow.ErrNotAppealable) {
			t.Fatalf("an appeal after the window: %v", err)
		}
	})
}
