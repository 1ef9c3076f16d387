package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// caseState is one state a freelancer's case can be in: how to put a case
// there, the messages its page must show and those it must never show.
type caseState struct {
	name string
	// reach takes the case opened for id to the state and returns the
	// query the page is read with ("" or "?notice=…").
	reach func(t *testing.T, st *stateCase) string
	show  []string // catalog keys
	never []string // catalog keys
	// forbidden names a portalReader.forbidden list the page must not match.
	forbidden string
}

// stateCase is a case being taken to a state.
type stateCase struct {
	s      *server.Server
	clock  *clock
	portal string
	id     string
	opened *workflow.Opened
}

func (st *stateCase) agent(t *testing.T) *store.Staff {
	t.Helper()
	addStaff(t, st.s, "ana@example.com", store.RoleAgent, "correct horse battery")
	a, err := st.s.Store.StaffByEmail(context.Background(), "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (st *stateCase) supervisor(t *testing.T) *store.Staff {
	t.Helper()
	addStaff(t, st.s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
	s, err := st.s.Store.StaffByEmail(context.Background(), "sam@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (st *stateCase) inTx(t *testing.T, f func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := st.s.Store.InTx(ctx, func(tx *store.Tx) error { return f(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// book books the n-th bookable slot through the page and returns the notice.
func (st *stateCase) book(t *testing.T, n int) string {
	t.Helper()
	v, err := st.s.Store.Verification(context.Background(), st.opened.Verification.ID)
	if err != nil {
		t.Fatal(err)
	}
	slots, err := st.s.Workflow.BookableSlots(context.Background(), v)
	if err != nil || len(slots) <= n {
		t.Fatalf("bookable slots: %d, %v; want more than %d", len(slots), err, n)
	}
	res := postForm(t, http.DefaultClient, st.portal+"/book", url.Values{"slot": {slots[n].UTC().Format(time.RFC3339)}}, "")
	return notice(res)
}

func (st *stateCase) notVerified(t *testing.T) {
	t.Helper()
	endCall(t, st.s, st.id, st.agent(t), []verification.ClaimOutcome{{Key: "location", Outcome: verification.NotConfirmed}},
		workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})
	review(t, st.s, st.supervisor(t), st.opened.Verification.ID, workflow.Confirm)
}

// The deadline's promise, and the restrictions of a case past it.
var (
	promises = []string{"portal.deadline.before", "portal.join.nobody", "portal.book.none", "portal.keep_link"}
	pauses   = []string{"portal.deadline.passed", "portal.overdue.paused", "portal.overdue.next_call", "portal.overdue.next_documents"}
)

var caseStates = []caseState{
	{name: "awaiting", reach: func(*testing.T, *stateCase) string { return "" },
		show: []string{"portal.start.title", "portal.deadline.before", "portal.join.nobody", "portal.book.none", "portal.keep_link"},
		// Not portal.join.nobody_later: portal.join.nobody begins with its words.
		never: append([]string{"portal.book.none_later"}, pauses...)},
	{name: "booked", reach: func(t *testing.T, st *stateCase) string {
		agentWithHours(t, st.s, "UTC", 0, 24*60, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
		if n := st.book(t, 0); n != "booked" {
			t.Fatalf("booking: notice %q", n)
		}
		return "?notice=booked"
	},
		show:  []string{"notice.booked", "portal.booked.title", "portal.booked.intro", "portal.deadline.before", "portal.book.title_again"},
		never: append([]string{"notice.moved", "portal.book.none"}, pauses...)},
	{name: "booking moved", reach: func(t *testing.T, st *stateCase) string {
		agentWithHours(t, st.s, "UTC", 0, 24*60, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
		if n := st.book(t, 0); n != "booked" {
			t.Fatalf("booking: notice %q", n)
		}
		if n := st.book(t, 2); n != "moved" {
			t.Fatalf("moving the booking: notice %q, want moved", n)
		}
		return "?notice=moved"
	},
		show:  []string{"notice.moved", "portal.booked.title", "portal.deadline.before"},
		never: append([]string{"notice.booked"}, pauses...)},
	{name: "in queue", reach: func(t *testing.T, st *stateCase) string {
		st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := st.s.Workflow.JoinQueue(ctx, tx, st.id)
			return err
		})
		return ""
	},
		show:  []string{"portal.queue.title", "portal.queue.place", "portal.queue.leave", "portal.deadline.before"},
		never: append([]string{"portal.start.title", "portal.join.title"}, pauses...)},
	{name: "in call", reach: func(t *testing.T, st *stateCase) string {
		agent := st.agent(t)
		st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
			if _, err := st.s.Workflow.JoinQueue(ctx, tx, st.id); err != nil {
				return err
			}
			_, err := st.s.Workflow.TakeNext(ctx, tx, agent.ID)
			return err
		})
		return ""
	},
		show:  []string{"portal.call.title", "portal.call.checking", "portal.call.chat"},
		never: append([]string{"portal.queue.title", "portal.join.title", "portal.data.title"}, pauses...)},
	{name: "documents requested", reach: func(t *testing.T, st *stateCase) string {
		endCall(t, st.s, st.id, st.agent(t), []verification.ClaimOutcome{{Key: "location", Outcome: verification.Unable}},
			workflow.CallDecision{Decision: verification.DecideNeedsDocuments, DocumentsFor: []string{"location"}})
		return ""
	},
		show:      []string{"portal.requested.title", "portal.requested.required", "portal.deadline.before", "portal.requested.keep_link"},
		never:     append([]string{"portal.join.title", "portal.requested.required_overdue"}, pauses...),
		forbidden: "requested"},
	{name: "in review", reach: func(t *testing.T, st *stateCase) string {
		endCall(t, st.s, st.id, st.agent(t), []verification.ClaimOutcome{{Key: "location", Outcome: verification.NotConfirmed}},
			workflow.CallDecision{Decision: verification.DecideNotVerified, ReasonCode: "claim_not_supported"})
		return ""
	},
		show:  []string{"portal.review.title", "portal.review.second"},
		never: append([]string{"portal.not_verified.title", "portal.verified.title", "portal.join.title"}, pauses...)},
	{name: "verified", reach: func(t *testing.T, st *stateCase) string {
		agent := st.agent(t)
		st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
			if _, err := st.s.Workflow.JoinQueue(ctx, tx, st.id); err != nil {
				return err
			}
			taken, err := st.s.Workflow.TakeNext(ctx, tx, agent.ID)
			if err != nil {
				return err
			}
			v := taken.Verification.ID
			steps := map[string]string{verification.StepConsent: "given", verification.StepIdentity: "matched"}
			for _, c := range taken.Call.Challenges {
				steps["challenge_"+c.Key] = "done"
			}
			for _, c := range taken.Call.Challenges {
				if _, err := st.s.Workflow.ShowChallenge(ctx, tx, agent.ID, v, c.Key); err != nil {
					return err
				}
			}
			for step, result := range steps {
				if _, err := st.s.Workflow.RecordStep(ctx, tx, agent.ID, v, step, result); err != nil {
					return err
				}
			}
			for _, key := range []string{"location", "skill"} {
				if err := st.s.Workflow.RecordOutcome(ctx, tx, agent.ID, v, verification.ClaimOutcome{Key: key, Outcome: verification.Confirmed}); err != nil {
					return err
				}
			}
			_, err = st.s.Workflow.DecideCall(ctx, tx, agent.ID, v, workflow.CallDecision{Decision: verification.DecideVerified})
			return err
		})
		return ""
	},
		show:  []string{"portal.verified.title", "portal.verified.body"},
		never: append([]string{"portal.not_verified.title", "portal.start.title", "portal.reasons.paused_title"}, pauses...)},
	{name: "not verified", reach: func(t *testing.T, st *stateCase) string {
		st.notVerified(t)
		return ""
	},
		show:      []string{"portal.not_verified.title", "portal.not_verified.decided", "portal.reasons.why", "portal.reasons.paused_title", "portal.appeal_form.title"},
		never:     append([]string{"portal.verified.title", "portal.idle.body", "portal.appeal.open"}, promises...),
		forbidden: "not_verified"},
	{name: "overdue", reach: func(t *testing.T, st *stateCase) string {
		st.clock.Add(st.opened.Verification.Deadline.Sub(st.clock.Now()) + time.Hour)
		return ""
	},
		show: []string{"portal.start.title", "portal.overdue.paused", "portal.overdue.next_call", "portal.join.nobody_later",
			"portal.book.none_later", "portal.keep_link_overdue"},
		never:     append([]string{"portal.deadline.served", "portal.overdue.next_documents"}, promises...),
		forbidden: "overdue"},
	{name: "appealed", reach: func(t *testing.T, st *stateCase) string {
		st.notVerified(t)
		if res := postForm(t, http.DefaultClient, st.portal+"/appeal", url.Values{"statement": {"The address is my studio."}}, ""); notice(res) != "appealed" {
			t.Fatalf("appealing: %s", res.Request.URL)
		}
		return "?notice=appealed"
	},
		show:      []string{"notice.appealed", "portal.not_verified.title", "portal.appeal.title", "portal.appeal.open"},
		never:     append([]string{"portal.appeal_form.title", "portal.appeal.kept", "portal.verified.title"}, promises...),
		forbidden: "not_verified"},
	{name: "canceled", reach: func(t *testing.T, st *stateCase) string {
		st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := st.s.Workflow.Transition(ctx, tx, "test", st.opened.Verification.ID, verification.Canceled)
			return err
		})
		return ""
	},
		// Canceled by the marketplace: said so, that nothing is restricted
		// because of it, and what to do; not the page of someone never asked.
		show: []string{"portal.canceled.title", "portal.canceled.body", "portal.canceled.next_title", "portal.canceled.next"},
		never: append([]string{"portal.idle.body", "portal.start.title", "portal.verified.title", "portal.not_verified.title"},
			append(promises, pauses...)...)},
	{name: "canceled after a negative", reach: func(t *testing.T, st *stateCase) string {
		st.notVerified(t)
		st.clock.Add(24 * time.Hour) // a day later, the marketplace asks again, then cancels
		st.inTx(t, func(ctx context.Context, tx *store.Tx) error {
			again, err := st.s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: st.id,
				Reason: verification.Reason{Code: "second_look", Explanation: "A second look."}})
			if err != nil {
				return err
			}
			_, err = st.s.Workflow.Transition(ctx, tx, "test", again.Verification.ID, verification.Canceled)
			return err
		})
		return ""
	},
		// The new case's canceling changes nothing of the earlier decision's
		// pause, which the page goes on explaining.
		show:      []string{"portal.canceled.body", "portal.not_verified.title", "portal.reasons.paused_title"},
		never:     append([]string{"portal.canceled.title", "portal.idle.body", "portal.verified.title"}, promises...),
		forbidden: "not_verified"},
}

// A freelancer page never contradicts itself: every state of a case, in
// every language, shows the messages that state needs and none of those
// that belong to another, above all no promise that nothing is restricted
// beside a statement that something is.
func TestPortalStates(t *testing.T) {
	for _, r := range portalReaders {
		c := i18n.Match(r.locale)
		for _, state := range caseStates {
			t.Run(r.lang+"/"+state.name, func(t *testing.T) {
				storetest.Each(t, func(t *testing.T, cfg store.Config) {
					clk := &clock{now: t0}
					s, base := openServed(t, server.Config{Store: cfg, Now: clk.Now})
					id := "u-state-" + r.lang
					opened := seedReader(t, s, id, r)
					st := &stateCase{s: s, clock: clk, id: id, opened: opened, portal: base + strings.TrimPrefix(opened.Link.URL, base)}
					query := state.reach(t, st)
					status, page := fetch(t, st.portal+query)
					if status != http.StatusOK {
						t.Fatalf("the page answers %d", status)
					}
					for _, key := range state.show {
						if !shows(c, page, key) {
							t.Errorf("the page lacks %s: %q", key, c.Raw(key))
						}
					}
					for _, key := range state.never {
						if shows(c, page, key) {
							t.Errorf("the page says %s: %q", key, c.Raw(key))
						}
					}
					for _, words := range r.forbidden[state.forbidden] {
						if strings.Contains(page, words) {
							t.Errorf("the page says %q", words)
						}
					}
					if t.Failed() {
						t.Logf("the page:\n%s", page)
					}
				})
			})
		}
	}
}

var messageArg = regexp.MustCompile(`\{[a-z_]+\}`)

// shows reports whether page shows the catalog message key: every piece
// of its text between placeholders, as the page writes it.
func shows(c *i18n.Catalog, page, key string) bool {
	text := string(c.HTML(key))
	for _, piece := range messageArg.Split(text, -1) {
		if piece = strings.TrimSpace(piece); piece != "" && !strings.Contains(page, piece) {
			return false
		}
	}
	return true
}
