package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-dev/attest/internal/store"
)

// AgentFreshness is how recently an online agent's console must have been
// seen for the agent to count as online. Every console page keeps a socket
// (presence.js) and the call service marks agents with any socket open seen
// on every tick (5 seconds by default), so presence is the agent's, not the
// tab's: it survives moving between pages, and ends half a minute after the
// last console tab closed or stopped answering.
const AgentFreshness = 30 * time.Second

// Agents is how many agents take calls at one moment: the one answer the
// API's capacity, the live queue's estimates, the floor, the console, the
// portal and the metrics all give.
type Agents struct {
	// Online counts agents who went online and whose console was seen
	// within AgentFreshness, in a call or not: an agent away, or whose
	// console went quiet, is not online.
	Online int
	// Busy counts those of them in a call.
	Busy int
}

// Idle is how many online agents are free to take a call.
func (a Agents) Idle() int { return a.Online - a.Busy }

// agentCounter reads presence, in or out of a transaction.
type agentCounter interface {
	AgentsOnline(ctx context.Context, seenSince time.Time) (online, busy int, err error)
}

// AgentsAt counts the agents taking calls at now, for readers that hold a
// store and a clock but no Workflow (the metrics), or that read a whole
// view at one moment (the floor).
func AgentsAt(ctx context.Context, st agentCounter, now time.Time) (Agents, error) {
	online, busy, err := st.AgentsOnline(ctx, now.Add(-AgentFreshness))
	if err != nil {
		return Agents{}, err
	}
	return Agents{Online: online, Busy: busy}, nil
}

// Presence is an agent's presence as their console shows it, read when
// the agent opens the console. An agent online whose every console tab
// had been closed for longer than AgentFreshness is counted again from
// this moment, not from the call service's next tick: the page that says
// "You are online" and the count beside it, the floor and the portal,
// agree from the first moment.
func (w *Workflow) Presence(ctx context.Context, agentID string) (store.Presence, error) {
	p, err := w.Store.AgentPresence(ctx, agentID)
	if err != nil || p != store.Online {
		return p, err
	}
	if err := w.Store.SeeAgents(ctx, []string{agentID}, w.now()); err != nil {
		return p, fmt.Errorf("see agent %s: %w", agentID, err)
	}
	return p, nil
}

// Agents counts the agents taking calls now.
func (w *Workflow) Agents(ctx context.Context) (Agents, error) {
	return AgentsAt(ctx, w.Store, w.now())
}
