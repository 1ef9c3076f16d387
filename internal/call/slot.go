package call

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/riverqueue/river"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// SlotWorker works the jobs at booked calls' times.
type SlotWorker struct {
	river.WorkerDefaults[workflow.SlotArgs]
	Service *Service
}

// Work brings a booked call's two sides together, or settles a missed one.
func (w *SlotWorker) Work(ctx context.Context, job *river.Job[workflow.SlotArgs]) error {
	return w.Service.seeSlot(ctx, job.Args)
}

// seeSlot acts at a booked call's time. At the start: with the freelancer
// on the page and an agent free (the booked one first), the call starts;
// with nobody on the team free, the freelancer is apologised to and the
// deadline moves; otherwise the call waits for the freelancer. At the end of
// the wait: a freelancer who never came loses the slot; one who came but
// found nobody is apologised to.
func (s *Service) seeSlot(ctx context.Context, a workflow.SlotArgs) error {
	var started *workflow.Taken
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		b, err := s.Workflow.LiveSlot(ctx, tx, a)
		if b == nil || err != nil {
			return err
		}
		present := len(s.h().clientsOf(RoleFreelancer, b.FreelancerID)) > 0
		agent, err := s.freeAgent(ctx, tx, b)
		if err != nil {
			return err
		}
		switch {
		case agent == "" && (a.Stage == "start" || present):
			return s.Workflow.MissedByTeam(ctx, tx, b)
		case !present && a.Stage == "end":
			return s.Workflow.MissedByFreelancer(ctx, tx, b)
		case !present:
			return nil // the agent waits; the call starts when the freelancer arrives
		}
		started, err = s.Workflow.StartBookedCall(ctx, tx, b, agent)
		return err
	})
	if started != nil {
		s.announce(ctx, started)
	}
	return err
}

// startIfDue starts a freelancer's booked call when they arrive during its
// window, if an agent is free. Nobody free: the end-of-wait job decides.
func (s *Service) startIfDue(ctx context.Context, v *verification.Verification) {
	if v.Status != verification.Scheduled || v.ScheduledFor == nil {
		return
	}
	now := s.Now()
	if now.Before(*v.ScheduledFor) || now.After(v.ScheduledFor.Add(workflow.NoShowGrace)) {
		return
	}
	var started *workflow.Taken
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		b, err := tx.LiveBooking(ctx, v.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		agent, err := s.freeAgent(ctx, tx, b)
		if err != nil || agent == "" {
			return err
		}
		started, err = s.Workflow.StartBookedCall(ctx, tx, b, agent)
		return err
	})
	if err != nil {
		s.Log.ErrorContext(ctx, "start a booked call", slog.String("verification", v.ID), slog.Any("err", err))
	}
	if started != nil {
		s.announce(ctx, started)
	}
}

// freeAgent is an agent who can take a booked call now: online, with a
// console page open on this node, not in a call and not one who decided
// the case before. Agents on the live queue page come first, the booked one
// before the others; then agents whose console is open on another page
// (a presence socket), who are told the call has started and open it from
// where they are, rather than the freelancer being sent away.
func (s *Service) freeAgent(ctx context.Context, tx *store.Tx, b *store.Booking) (string, error) {
	booked := b.AgentID
	var waiting, elsewhere []string
	for _, c := range s.h().unseatedAgents() {
		list := &waiting
		if c.presenceOnly {
			list = &elsewhere
		}
		if !slices.Contains(*list, c.who) {
			*list = append(*list, c.who)
		}
	}
	bookedFirst := func(ids []string) []string {
		slices.Sort(ids)
		if i := slices.Index(ids, booked); i > 0 {
			ids = append([]string{booked}, slices.Delete(ids, i, i+1)...)
		}
		return ids
	}
	for _, id := range append(bookedFirst(waiting), bookedFirst(elsewhere)...) {
		if ok, err := s.Workflow.MayTake(ctx, tx, b.VerificationID, id); err != nil || !ok {
			if err != nil {
				return "", err
			}
			continue
		}
		p, err := tx.AgentPresence(ctx, id)
		if err != nil {
			return "", err
		}
		if p != store.Online {
			continue
		}
		if _, err := tx.AgentLiveCall(ctx, id); errors.Is(err, store.ErrNotFound) {
			return id, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", nil
}

// announce tells both sides that a call has started: the freelancer's pages
// move into it and the agent's console opens it.
func (s *Service) announce(ctx context.Context, taken *workflow.Taken) {
	s.CallStarted(ctx, taken, "", nil)
	info, err := s.callInfo(ctx, taken.Call)
	if err != nil {
		return
	}
	m := msg(TypeCall)
	m.Call = info
	for _, c := range s.h().clientsOf(RoleAgent, taken.Call.AgentID) {
		c.deliver(m)
	}
	s.Nudge()
}
