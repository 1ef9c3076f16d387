package workflow_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// keysOf are the keys of challenges, in order.
func keysOf(challenges []verification.Challenge) []string {
	var keys []string
	for _, c := range challenges {
		keys = append(keys, c.Key)
	}
	return keys
}

func sameChallenges(a, b []verification.Challenge) bool {
	return slices.EqualFunc(a, b, func(x, y verification.Challenge) bool { return x.Key == y.Key && slices.Equal(x.Words, y.Words) })
}

// A call's live check is chosen when it starts, from the workflow's random
// source, and kept with it: what the store reads back, what the evidence
// holds and what verified requires are the challenges chosen, and no other.
// Each call gets its own; the same seed chooses the same.
func TestCallsKeepTheirLiveCheck(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		f.wf.Random = rand.NewChaCha8([32]byte{42})
		var chosen [][]verification.Challenge
		for range 6 {
			taken, _ := f.call(t, f.open(t))
			stored, err := f.st.LatestCall(f.ctx, taken.Verification.ID)
			must(t, err)
			if len(taken.Call.Challenges) == 0 || !sameChallenges(stored.Challenges, taken.Call.Challenges) {
				t.Fatalf("call started with %+v, stored %+v", taken.Call.Challenges, stored.Challenges)
			}
			ev, err := f.wf.Recorded(f.ctx, f.st, taken.Verification)
			must(t, err)
			if !sameChallenges(ev.Challenges, stored.Challenges) {
				t.Errorf("the evidence holds %+v, the call %+v", ev.Challenges, stored.Challenges)
			}
			var required []string
			for _, req := range verification.RequiredSteps(taken.Verification.Mode(), ev.Challenges) {
				if len(req.AnyOf) == 1 && req.AnyOf[0] != verification.StepConsent {
					required = append(required, req.AnyOf[0])
				}
			}
			if want := liveSteps(stored); !slices.Equal(required, want) {
				t.Errorf("verified requires %v, want the call's %v", required, want)
			}
			chosen = append(chosen, stored.Challenges)
		}
		for i := 1; i < len(chosen); i++ {
			if sameChallenges(chosen[i], chosen[i-1]) {
				t.Errorf("calls %d and %d got the same live check %+v", i-1, i, chosen[i])
			}
		}

		// The same seed again chooses the same.
		f.wf.Random = rand.NewChaCha8([32]byte{42})
		taken, _ := f.call(t, f.open(t))
		if !sameChallenges(taken.Call.Challenges, chosen[0]) {
			t.Errorf("the same seed chose %+v, then %+v", chosen[0], taken.Call.Challenges)
		}
	})
}

// A challenge the call did not choose cannot be recorded, and one it chose
// only once the freelancer's page showed it: with every other step passed,
// verified still names the call's own.
func TestOnlyTheCallsChallengesCount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		f.wf.Random = rand.NewChaCha8([32]byte{7})
		for range 4 {
			taken, agent := f.call(t, f.open(t))
			f.record(t, agent.ID, taken.Verification.ID, []string{verification.StepConsent, verification.StepIdentity}, allConfirmed)
			for _, key := range verification.ChallengeKeys() {
				code := "unknown_challenge"
				if slices.Contains(keysOf(taken.Call.Challenges), key) {
					code = "challenge_not_shown"
				}
				f.refuses(t, code, taken.Verification.ID, func(tx *store.Tx) error {
					_, err := f.wf.RecordStep(f.ctx, tx, agent.ID, taken.Verification.ID, verification.ChallengeStep(key), "done")
					return err
				})
			}
			var want []string
			for _, key := range keysOf(taken.Call.Challenges) {
				want = append(want, "live check: "+key)
			}
			err := f.refuses(t, verification.ErrStepsMissing, taken.Verification.ID, func(tx *store.Tx) error {
				_, err := f.wf.DecideCall(f.ctx, tx, agent.ID, taken.Verification.ID, workflow.CallDecision{Decision: verification.DecideVerified})
				return err
			})
			if got := stillMissing(err); !slices.Equal(got, want) {
				t.Errorf("refused for lacking %q, want %q", got, want)
			}
			f.record(t, agent.ID, taken.Verification.ID, liveSteps(taken.Call), nil)
			f.decideCall(t, agent.ID, taken.Verification.ID, workflow.CallDecision{Decision: verification.DecideVerified})
			f.checkVerified(t, taken.Verification.ID, agent.ID)
		}
	})
}

// An audio-only call reads a phrase and nothing else.
func TestAudioCallReadsAPhrase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		v := f.open(t)
		f.do(t, func(tx *store.Tx) error {
			return f.wf.Accommodate(f.ctx, tx, v.FreelancerID, verification.AudioOnly, "")
		})
		taken, _ := f.call(t, v)
		if c := taken.Call.Challenges; len(c) != 1 || c[0].Key != "read_phrase" || len(c[0].Words) != 3 {
			t.Errorf("an audio-only call's live check: %+v, want a phrase of three words", c)
		}
	})
}

// A call that turns audio-only midway (the camera failed) gets the live
// check of an audio call, chosen afresh; what verified needs follows.
func TestCallTurningAudioOnlyIsChallengedAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		taken, _ := f.call(t, f.open(t))
		f.do(t, func(tx *store.Tx) error {
			return f.wf.Accommodate(f.ctx, tx, taken.Verification.FreelancerID, verification.AudioOnly, "camera broke")
		})
		c, err := f.st.LatestCall(f.ctx, taken.Verification.ID)
		must(t, err)
		if len(c.Challenges) != 1 || c.Challenges[0].Key != "read_phrase" || len(c.Challenges[0].Words) != 3 {
			t.Fatalf("after turning audio-only: %+v, want a phrase of three words", c.Challenges)
		}
		v := f.get(t, taken.Verification.ID)
		for _, r := range verification.RequiredSteps(v.Mode(), verification.CallChallenges(v.Mode(), c.ID, c.Challenges)) {
			if strings.Contains(r.Name, "turn_head") || strings.Contains(r.Name, "tilt_id") {
				t.Errorf("an audio-only call still requires %s", r.Name)
			}
		}
	})
}

// A call started before the challenges were kept (migration 0024) keeps
// the ones its id chose then: the steps recorded in it answer them, and a
// verified decision needs them.
func TestCallFromBeforeTheChallengesWereKept(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		taken, agent := f.call(t, f.open(t))
		query := "UPDATE calls SET challenges = NULL WHERE id = ?"
		if f.st.Postgres() {
			query = "UPDATE calls SET challenges = NULL WHERE id = $1"
		}
		if _, err := f.st.DB().ExecContext(f.ctx, query, taken.Call.ID); err != nil {
			t.Fatal(err)
		}
		old, err := f.st.LatestCall(f.ctx, taken.Verification.ID)
		must(t, err)
		if old.Challenges != nil {
			t.Fatalf("a call without challenges reads %+v, want nil", old.Challenges)
		}
		mode := taken.Verification.Mode()
		derived := verification.CallChallenges(mode, old.ID, nil)
		ev, err := f.wf.Recorded(f.ctx, f.st, taken.Verification)
		must(t, err)
		if len(derived) == 0 || !sameChallenges(ev.Challenges, derived) {
			t.Fatalf("the evidence holds %+v, want the ones the id chose %+v", ev.Challenges, derived)
		}
		old.Challenges = derived
		f.wholeCall(t, agent.ID, &workflow.Taken{Call: old, Verification: taken.Verification})
		f.decideCall(t, agent.ID, taken.Verification.ID, workflow.CallDecision{Decision: verification.DecideVerified})
		f.checkVerified(t, taken.Verification.ID, agent.ID)
	})
}

// A challenge reaches the freelancer only when the call's agent shows it:
// nothing is shown when the call starts, the first showing is kept with
// the call and audited once, another agent and a challenge the call did
// not choose are refused, and what the freelancer's page gets again after
// a reload is the shown challenges alone, in their language.
func TestShowingAChallenge(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		f.wf.Random = rand.NewChaCha8([32]byte{7})
		v := f.open(t)
		f.do(t, func(tx *store.Tx) error { // a freelancer who reads Portuguese
			p, err := tx.Freelancer(f.ctx, v.FreelancerID)
			if err != nil {
				return err
			}
			p.Locale = "pt-BR"
			_, err = f.wf.PutFreelancer(f.ctx, tx, "test", p)
			return err
		})
		taken, agent := f.call(t, v)
		shown, err := f.wf.ShownChallenges(f.ctx, v.ID)
		must(t, err)
		if len(shown) != 0 {
			t.Fatalf("at the call's start the freelancer may see %+v, want nothing", shown)
		}
		first := taken.Call.Challenges[0]
		other := f.addStaff(t, "other", store.RoleAgent)
		if err := f.try(func(tx *store.Tx) error {
			_, err := f.wf.ShowChallenge(f.ctx, tx, other.ID, v.ID, first.Key)
			return err
		}); !errors.Is(err, workflow.ErrNotYourCall) {
			t.Errorf("another agent showing a challenge: %v, want %v", err, workflow.ErrNotYourCall)
		}
		var unknown *verification.FieldError
		chosen := keysOf(taken.Call.Challenges)
		for _, key := range append(verification.ChallengeKeys(), "sing") {
			if slices.Contains(chosen, key) {
				continue
			}
			if err := f.try(func(tx *store.Tx) error {
				_, err := f.wf.ShowChallenge(f.ctx, tx, agent.ID, v.ID, key)
				return err
			}); !errors.As(err, &unknown) {
				t.Errorf("showing %q, which the call did not choose: %v, want a field error", key, err)
			}
		}

		f.tick()
		showAt := f.now
		var got *workflow.ShownChallenge
		f.do(t, func(tx *store.Tx) (err error) {
			got, err = f.wf.ShowChallenge(f.ctx, tx, agent.ID, v.ID, first.Key)
			return err
		})
		want := workflow.WordChallenge("pt-BR", first)
		if got.Key != first.Key || got.Text != want.Text || got.Lang != "pt-BR" || got.ShownAt == nil || !got.ShownAt.Equal(showAt) {
			t.Errorf("shown %+v, want %q in Portuguese, shown at %v", got, want.Text, showAt)
		}
		f.tick()
		f.do(t, func(tx *store.Tx) error { // again: the first time stays
			_, err := f.wf.ShowChallenge(f.ctx, tx, agent.ID, v.ID, first.Key)
			return err
		})
		live, err := f.st.LiveCall(f.ctx, v.ID)
		must(t, err)
		if !sameChallenges(live.Challenges, taken.Call.Challenges) || live.Challenges[0].ShownAt == nil || !live.Challenges[0].ShownAt.Equal(showAt) {
			t.Errorf("the call keeps %+v, want the same challenges with the first shown at %v", live.Challenges, showAt)
		}
		for _, ch := range live.Challenges[1:] {
			if ch.ShownAt != nil {
				t.Errorf("%s is marked shown, but was not", ch.Key)
			}
		}
		entries, err := f.st.AuditEntries(f.ctx, 20)
		must(t, err)
		audited := 0
		for _, e := range entries {
			if e.Action == audit.ChallengeShow && e.Target == v.ID && e.Actor == staff.Actor(agent.ID) {
				audited++
			}
		}
		if audited != 1 {
			t.Errorf("%d audit entries for the showing, want 1", audited)
		}
		shown, err = f.wf.ShownChallenges(f.ctx, v.ID)
		must(t, err)
		if len(shown) != 1 || shown[0].Key != first.Key || shown[0].Text != want.Text {
			t.Errorf("a reloaded page gets %+v, want only %q", shown, want.Text)
		}
	})
}
