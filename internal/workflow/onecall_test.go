package workflow_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// An agent holds one call at a time, even when two of their tabs press
// "take" at the same moment: one take wins, the others are told to finish
// the current call, and no freelancer is left taken by a call nobody holds.
func TestAgentHoldsOneCallAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		const tabs = 4
		var ids []string
		for range tabs {
			ids = append(ids, f.caseIn(t, verification.InQueue).ID)
		}
		var wg sync.WaitGroup
		errs := make([]error, tabs)
		for i := range tabs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = f.try(func(tx *store.Tx) error {
					_, err := f.wf.TakeNext(f.ctx, tx, f.agent.ID)
					return err
				})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, workflow.ErrBusy):
			default:
				t.Errorf("take: %v, want nil or %v", err, workflow.ErrBusy)
			}
		}
		if won != 1 {
			t.Fatalf("%d takes won, want exactly 1", won)
		}
		if _, err := f.st.AgentLiveCall(f.ctx, f.agent.ID); err != nil {
			t.Fatalf("agent's live call: %v", err)
		}
		queued, inCall := 0, 0
		for _, id := range ids {
			switch f.get(t, id).Status {
			case verification.InQueue:
				queued++
			case verification.InCall:
				inCall++
			}
		}
		if inCall != 1 || queued != tabs-1 {
			t.Fatalf("%d cases in a call and %d queued, want 1 and %d", inCall, queued, tabs-1)
		}
	})
}
