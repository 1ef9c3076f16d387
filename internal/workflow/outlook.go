package workflow

import (
	"context"
	"time"

	"github.com/attest-dev/attest/internal/queue"
)

// Outlook is what the live queue's wait estimates need, read once for a
// whole round of updates.
type Outlook struct {
	Online, Idle int
	Estimator    queue.Estimator
}

// Wait is the expected wait of the freelancer at position.
func (o Outlook) Wait(position int) (time.Duration, bool) {
	return o.Estimator.Wait(position, o.Online, o.Idle)
}

// Outlook reads the agents taking calls (Agents) and the mean length of the
// last hundred calls of the past week; before there are any, the configured one.
func (w *Workflow) Outlook(ctx context.Context) (Outlook, error) {
	now := w.now()
	agents, err := AgentsAt(ctx, w.Store, now)
	if err != nil {
		return Outlook{}, err
	}
	lengths, err := w.Store.RecentCallLengths(ctx, now.Add(-7*24*time.Hour), 100)
	if err != nil {
		return Outlook{}, err
	}
	est := w.Estimator
	if len(lengths) > 0 {
		var total time.Duration
		for _, l := range lengths {
			total += l
		}
		est.HandleTime = total / time.Duration(len(lengths))
	}
	return Outlook{Online: agents.Online, Idle: agents.Idle(), Estimator: est}, nil
}
