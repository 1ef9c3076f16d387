package workflow_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// discardJobs takes jobs and runs none: the export needs no job to run.
type discardJobs struct{}

func (discardJobs) InsertTx(context.Context, *store.Tx, river.JobArgs) error { return nil }
func (discardJobs) InsertAtTx(context.Context, *store.Tx, river.JobArgs, time.Time) error {
	return nil
}

// exportWorld is a workflow on a fresh database, with its staff.
type exportWorld struct {
	t   *testing.T
	ctx context.Context
	wf  *workflow.Workflow
	now time.Time
	// agent and other take calls; sup and second review.
	agent, other, sup, second *store.Staff
}

func newExportWorld(t *testing.T, cfg store.Config) *exportWorld {
	ctx := context.Background()
	st := storetest.Open(t, cfg)
	ring := keystest.Ring()
	signer, err := auth.NewPortalSigner(ring.Signing(keys.PortalLinks))
	if err != nil {
		t.Fatal(err)
	}
	w := &exportWorld{t: t, ctx: ctx, now: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)} // a Monday
	w.wf = &workflow.Workflow{Store: st, Jobs: discardJobs{}, Policy: verification.DefaultPolicy(),
		Portal: signer, BaseURL: "http://attest.test", Now: func() time.Time { return w.now }, LinkLifetime: 30 * 24 * time.Hour,
		Estimator: queue.Estimator{HandleTime: 4 * time.Minute}, Keys: ring}
	staff := func(email, name string, role store.Role) *store.Staff {
		var s *store.Staff
		w.do(func(tx *store.Tx) (err error) {
			if _, err = (&staff.Accounts{Now: w.wf.Now}).Put(ctx, tx, "test", email, name, role, "correct horse battery"); err != nil {
				return err
			}
			s, err = tx.StaffByEmail(ctx, email)
			return err
		})
		return s
	}
	w.agent = staff("maria.staffperson@example.com", "Maria Staffperson", store.RoleAgent)
	w.other = staff("alex.staffperson@example.com", "Alex Staffperson", store.RoleAgent)
	w.sup = staff("sam.staffperson@example.com", "Sam Staffperson", store.RoleSupervisor)
	w.second = staff("sue.staffperson@example.com", "Sue Staffperson", store.RoleSupervisor)
	w.do(func(tx *store.Tx) error { return w.wf.SetHours(ctx, tx, "test", w.agent.ID, "UTC", weekdays(9, 17)) })
	return w
}

// do runs fn in a transaction, a minute after the last, so that what it
// records comes in order.
func (w *exportWorld) do(fn func(tx *store.Tx) error) {
	w.t.Helper()
	w.now = w.now.Add(time.Minute)
	if err := w.wf.Store.InTx(w.ctx, fn); err != nil {
		w.t.Fatal(err)
	}
}

// person is a freelancer whose every word is unique, so that the JSON can
// be searched for it.
type person struct {
	id, name, email, place, reason, accommodation, outcome, decision, review, appeal, appealNote, helper string
	filename, document                                                                                   string
}

func personNamed(word, id string) person {
	return person{id: id, name: "Zed " + word, email: strings.ToLower(word) + ".zed@example.com", place: word + " Lane 42",
		reason: "Because of the " + word + " invitations", accommodation: word + " would rather not use video",
		outcome: "the " + word + " neighbourhood was not named", decision: word + " call note", review: word + " review note",
		appeal: word + " appeal statement", appealNote: word + " appeal decided", helper: word + " interpreter",
		filename: strings.ToLower(word) + "-lease.pdf", document: "%PDF-1.4\n% " + word + " lease agreement\n"}
}

// personal lists what erasure removes.
func (p person) personal() []string {
	return []string{p.name, p.email, p.place, p.reason, p.accommodation, p.outcome, p.decision, p.review, p.appeal, p.appealNote,
		p.helper, p.filename, base64.StdEncoding.EncodeToString([]byte(p.document))}
}

func (p person) profile() *verification.Freelancer {
	return &verification.Freelancer{ID: p.id, DisplayName: p.name, Email: p.email, Locale: "en", TimeZone: "UTC",
		Claims: []verification.Claim{{Key: "location", Label: "Location", Value: p.place, Kind: verification.KindLocation}}}
}

// open puts the profile and opens a case; it returns the case's portal link.
func (w *exportWorld) open(p person) *workflow.Opened {
	var opened *workflow.Opened
	w.do(func(tx *store.Tx) (err error) {
		if _, err = w.wf.PutFreelancer(w.ctx, tx, "test", p.profile()); err != nil {
			return err
		}
		opened, err = w.wf.OpenVerification(w.ctx, tx, "test", verification.Request{FreelancerID: p.id,
			Reason: verification.Reason{Code: "new_account", Explanation: p.reason}})
		return err
	})
	return opened
}

// fill gives p a whole history: a booking canceled, an accommodation, a
// document, a call with a step, an outcome, notes and a negative decision,
// its second review, an appeal decided, a phone hand-off, then a second
// case waiting in the live queue.
func (w *exportWorld) fill(p person) (token, code string) {
	opened := w.open(p)
	id := opened.Verification.ID
	token = opened.Link.URL[strings.LastIndex(opened.Link.URL, "/")+1:]
	slots, err := w.wf.BookableSlots(w.ctx, opened.Verification)
	if err != nil || len(slots) == 0 {
		w.t.Fatalf("bookable slots: %v %v", slots, err)
	}
	w.do(func(tx *store.Tx) error {
		if _, err := w.wf.Book(w.ctx, tx, p.id, slots[0]); err != nil {
			return err
		}
		if err := w.wf.CancelBooking(w.ctx, tx, "freelancer:"+p.id, p.id, notify.WhyFreelancerCanceled); err != nil {
			return err
		}
		if err := w.wf.Accommodate(w.ctx, tx, p.id, verification.AudioOnly, p.accommodation); err != nil {
			return err
		}
		if _, err := w.wf.AddDocument(w.ctx, tx, p.id, "location", p.filename, []byte(p.document)); err != nil {
			return err
		}
		h, err := w.wf.NewHandoff(w.ctx, tx, p.id)
		code = h.Code
		return err
	})
	w.do(func(tx *store.Tx) error {
		if _, err := w.wf.JoinQueue(w.ctx, tx, p.id); err != nil {
			return err
		}
		taken, err := w.wf.TakeNext(w.ctx, tx, w.agent.ID)
		if err != nil {
			return err
		}
		if _, err := w.wf.RecordStep(w.ctx, tx, w.agent.ID, id, verification.StepConsent, "given"); err != nil {
			return err
		}
		// The audio-only call's live check, the phrase: shown, and failed.
		key := taken.Call.Challenges[0].Key
		if _, err := w.wf.ShowChallenge(w.ctx, tx, w.agent.ID, id, key); err != nil {
			return err
		}
		if _, err := w.wf.RecordStep(w.ctx, tx, w.agent.ID, id, verification.ChallengeStep(key), "failed"); err != nil {
			return err
		}
		if err := w.wf.RecordOutcome(w.ctx, tx, w.agent.ID, id, verification.ClaimOutcome{Key: "location",
			Outcome: verification.NotConfirmed, Note: p.outcome}); err != nil {
			return err
		}
		if err := w.wf.SaveScript(w.ctx, tx, w.agent.ID, id, json.RawMessage(`{"helper": "`+p.helper+`"}`)); err != nil {
			return err
		}
		_, err = w.wf.DecideCall(w.ctx, tx, w.agent.ID, id, workflow.CallDecision{Decision: verification.DecideNotVerified,
			ReasonCode: "claim_not_supported", Note: p.decision})
		return err
	})
	w.do(func(tx *store.Tx) error {
		if _, err := w.wf.DecideReview(w.ctx, tx, w.sup, id, workflow.ReviewDecision{Choice: workflow.Confirm, Note: p.review}); err != nil {
			return err
		}
		a, err := w.wf.Appeal(w.ctx, tx, p.id, p.appeal)
		if err != nil {
			return err
		}
		_, err = w.wf.DecideAppeal(w.ctx, tx, w.second, a.ID, false, p.appealNote)
		return err
	})
	w.do(func(tx *store.Tx) error {
		if _, err := w.wf.OpenVerification(w.ctx, tx, "test", verification.Request{FreelancerID: p.id,
			Reason: verification.Reason{Code: "second_look", Explanation: p.reason}}); err != nil {
			return err
		}
		_, err := w.wf.JoinQueue(w.ctx, tx, p.id)
		return err
	})
	return token, code
}

// The export holds every kind of data held about the freelancer, names
// staff by role only, carries no token, and nothing of anyone else; after
// erasure it holds none of the erased words.
func TestExportHoldsEverythingAndNothingElse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		w := newExportWorld(t, cfg)
		ana, bob := personNamed("Quillfeather", "u-ana"), personNamed("Zanzibar", "bob-7731")
		// Someone else with a history of their own: a document and a call
		// under way with an outcome noted.
		w.open(bob)
		w.do(func(tx *store.Tx) error {
			if _, err := w.wf.AddDocument(w.ctx, tx, bob.id, "", bob.filename, []byte(bob.document)); err != nil {
				return err
			}
			if err := w.wf.Accommodate(w.ctx, tx, bob.id, verification.AudioOnly, bob.accommodation); err != nil {
				return err
			}
			if _, err := w.wf.JoinQueue(w.ctx, tx, bob.id); err != nil {
				return err
			}
			taken, err := w.wf.TakeNext(w.ctx, tx, w.other.ID)
			if err != nil {
				return err
			}
			if err := w.wf.SaveScript(w.ctx, tx, w.other.ID, taken.Verification.ID, json.RawMessage(`{"helper": "`+bob.helper+`"}`)); err != nil {
				return err
			}
			return w.wf.RecordOutcome(w.ctx, tx, w.other.ID, taken.Verification.ID, verification.ClaimOutcome{Key: "location",
				Outcome: verification.NotConfirmed, Note: bob.outcome})
		})
		token, code := w.fill(ana)

		e, err := w.wf.Export(w.ctx, "api_key:key_test", ana.id)
		if err != nil {
			t.Fatal(err)
		}
		file, err := e.File()
		if err != nil {
			t.Fatal(err)
		}
		text := string(file)
		for _, s := range ana.personal() {
			if !strings.Contains(text, s) {
				t.Errorf("the export lacks %q", s)
			}
		}
		forbidden := append(bob.personal(), bob.id, token, code, "staff:")
		for _, st := range []*store.Staff{w.agent, w.other, w.sup, w.second} {
			forbidden = append(forbidden, st.ID, st.Name, st.Email)
		}
		for _, s := range forbidden {
			if strings.Contains(text, s) {
				t.Errorf("the export holds %q", s)
			}
		}
		checkKinds(t, e)
		checkExportAudited(t, w, ana.id, "api_key:key_test")

		w.do(func(tx *store.Tx) error { return w.wf.EraseFreelancer(w.ctx, tx, "test", ana.id) })
		erased, err := w.wf.Export(w.ctx, "api_key:key_test", ana.id)
		if err != nil {
			t.Fatal(err)
		}
		file, _ = erased.File()
		for _, s := range ana.personal() {
			if strings.Contains(string(file), s) {
				t.Errorf("the export after erasure holds %q", s)
			}
		}
		if erased.ErasedAt == nil || erased.Profile != nil || len(erased.Verifications) != 2 || len(erased.Emails) != 0 {
			t.Errorf("after erasure: erased_at %v, profile %v, %d verifications, %d emails; want a time, null, 2, 0",
				erased.ErasedAt, erased.Profile, len(erased.Verifications), len(erased.Emails))
		}

		if _, err := w.wf.Export(w.ctx, "test", "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("export of an unknown freelancer: %v, want not found", err)
		}
	})
}

// checkKinds fails for each kind of data the export of a full history lacks.
func checkKinds(t *testing.T, e *workflow.Export) {
	t.Helper()
	if e.Format != workflow.ExportFormat || e.ExportedAt.IsZero() || e.Profile == nil || e.ErasedAt != nil {
		t.Errorf("header: format %q, exported_at %v, profile %v, erased_at %v", e.Format, e.ExportedAt, e.Profile, e.ErasedAt)
	}
	if len(e.Verifications) != 2 {
		t.Fatalf("%d verifications, want 2", len(e.Verifications))
	}
	first, second := e.Verifications[0], e.Verifications[1]
	checks := []struct {
		what string
		ok   bool
	}{
		{"standing restricted, with its statement", len(e.Standing.Restrictions) > 0 && e.Standing.Statement != nil},
		{"the decided case's statement of reasons", first.Statement != nil && first.Statement.ReasonCode == "claim_not_supported"},
		{"the accommodation's reason", first.AccommodationReason != ""},
		{"a booking, canceled, with an agent", len(first.Bookings) == 1 && first.Bookings[0].Status == store.BookingCanceled && first.Bookings[0].With == "agent"},
		{"a call with its script notes", len(first.Calls) == 1 && first.Calls[0].With == "agent" && strings.Contains(string(first.Calls[0].ScriptNotes), "helper")},
		{"steps by an agent", len(first.Steps) == 2 && first.Steps[0].By == "agent"},
		{"the call's live check: the phrase as the page words it, when it was shown, and its result", len(first.Calls) == 1 &&
			len(first.Calls[0].Challenges) == 1 && first.Calls[0].Challenges[0].Key == "read_phrase" &&
			strings.HasPrefix(first.Calls[0].Challenges[0].Text, "Read these words aloud: ") &&
			first.Calls[0].Challenges[0].ShownAt != nil && first.Calls[0].Challenges[0].Result == "failed" &&
			first.Calls[0].Challenges[0].RecordedAt != nil},
		{"a claim outcome by an agent", len(first.ClaimOutcomes) == 1 && first.ClaimOutcomes[0].By == "agent" && first.ClaimOutcomes[0].Note != ""},
		{"the call's and the review's decisions", len(first.Decisions) == 2 && first.Decisions[0].By == "agent" && first.Decisions[1].By == "supervisor"},
		{"a document opened", len(first.Documents) == 1 && len(first.Documents[0].Content) > 0 && first.Documents[0].ContentNote == ""},
		{"the appeal decided by a supervisor", first.Appeal != nil && first.Appeal.Statement != "" && first.Appeal.DecidedBy == "supervisor"},
		{"the second case's place in the queue", second.QueuePlace != nil && second.Status == verification.InQueue},
		{"events", len(e.Events) >= 8},
		{"emails with their words", len(e.Emails) >= 4 && e.Emails[0].Subject != "" && e.Emails[0].Text != ""},
		{"a calendar invitation", hasCalendar(e.Emails)},
		{"portal links", len(e.PortalLinks) >= 2},
		{"the phone hand-off", len(e.PhoneHandoffs) == 1},
		{"notes", len(e.Notes) > 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("the export lacks %s", c.what)
		}
	}
	for _, m := range e.Emails {
		if m.To != e.Profile.Email {
			t.Errorf("email %s was to %q, want the freelancer's address", m.Kind, m.To)
		}
		if strings.Contains(m.Text, "/v/") && !strings.Contains(m.Text, "/v/…") {
			t.Errorf("email %s keeps a portal link: %s", m.Kind, m.Text)
		}
	}
}

func hasCalendar(emails []workflow.ExportedEmail) bool {
	for _, m := range emails {
		if strings.Contains(m.Calendar, "BEGIN:VCALENDAR") {
			return true
		}
	}
	return false
}

func checkExportAudited(t *testing.T, w *exportWorld, freelancerID, actor string) {
	t.Helper()
	entries, err := w.wf.Store.AuditEntries(w.ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Action == "freelancer.export" && e.Target == freelancerID && e.Actor == actor {
			return
		}
	}
	t.Errorf("no freelancer.export entry by %s about %s among %+v", actor, freelancerID, entries)
}

// A document whose key this service does not hold is listed with a note
// instead of its content.
func TestExportWithoutKeys(t *testing.T) {
	w := newExportWorld(t, storetest.SQLite(t))
	p := personNamed("Quillfeather", "u-ana")
	w.open(p)
	w.do(func(tx *store.Tx) error {
		_, err := w.wf.AddDocument(w.ctx, tx, p.id, "", p.filename, []byte(p.document))
		return err
	})
	w.wf.Keys = nil
	e, err := w.wf.Export(w.ctx, "test", p.id)
	if err != nil {
		t.Fatal(err)
	}
	d := e.Verifications[0].Documents
	if len(d) != 1 || d[0].Content != nil || d[0].ContentNote == "" || d[0].Filename != p.filename {
		t.Errorf("documents without keys: %+v, want the metadata and a note", d)
	}
}
