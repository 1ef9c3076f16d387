package call

import (
	"context"
	"log/slog"
	"time"

	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/store"
)

// Run keeps everyone informed until ctx ends: every Tick it sends waiting
// freelancers their place and expected wait, sends agents the floor, marks
// connected agents as seen, releases queue places held too long and tells
// away freelancers when their turn is near. A Nudge sends places and the
// floor at once, between ticks, on every node. On PostgreSQL it also
// listens for the other nodes' signaling.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.Tick)
	defer tick.Stop()
	if s.Store.Postgres() {
		listening := make(chan struct{})
		go func() {
			defer close(listening)
			s.listen(ctx)
		}()
		defer func() { <-listening }()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.update(ctx)
		case <-s.nudges():
			s.broadcast(ctx)
			s.h().tell(event{Kind: eventNudge})
		case <-s.remoteNudges():
			s.broadcast(ctx)
		}
	}
}

// Nudge asks Run to send queue places and the floor now, after a change
// that moves the queue. It never blocks: nudges that come while one waits
// are folded into it.
func (s *Service) Nudge() {
	select {
	case s.nudges() <- struct{}{}:
	default:
	}
}

// remoteNudge is a Nudge from another node: it is not passed on again.
func (s *Service) remoteNudge() {
	select {
	case s.remoteNudges() <- struct{}{}:
	default:
	}
}

func (s *Service) nudges() chan struct{} {
	s.makeNudges()
	return s.nudge
}

func (s *Service) remoteNudges() chan struct{} {
	s.makeNudges()
	return s.nudged
}

func (s *Service) makeNudges() {
	s.nudgeOnce.Do(func() {
		s.nudge = make(chan struct{}, 1)
		s.nudged = make(chan struct{}, 1)
	})
}

func (s *Service) update(ctx context.Context) {
	now := s.Now()
	if minute := now.Unix() / 60; s.lastBeat.Swap(minute) != minute {
		// One uptime record a minute: time lost to an outage is given back.
		if err := s.Store.Beat(ctx, now); err != nil {
			s.Log.ErrorContext(ctx, "record uptime", slog.Any("err", err))
		}
		// Large signals between nodes are read within moments of being written.
		if err := s.Store.DeleteSignals(ctx, now.Add(-time.Minute)); err != nil {
			s.Log.ErrorContext(ctx, "forget old signals", slog.Any("err", err))
		}
	}
	if err := s.Store.SeeAgents(ctx, s.h().people(RoleAgent), now); err != nil {
		s.Log.ErrorContext(ctx, "agent heartbeat", slog.Any("err", err))
	}
	s.releaseExpired(ctx, now)
	s.notifyNear(ctx, now)
	s.broadcast(ctx)
}

// broadcast sends every waiting freelancer their place and every agent the floor.
func (s *Service) broadcast(ctx context.Context) {
	s.sendQueue(ctx, nil)
	s.sendFloor(ctx, s.h().idleAgents())
}

// releaseExpired gives up the places of freelancers away longer than Hold.
func (s *Service) releaseExpired(ctx context.Context, now time.Time) {
	expired, err := s.Store.ExpiredAway(ctx, now, s.Hold)
	if err != nil {
		s.Log.ErrorContext(ctx, "read held places", slog.Any("err", err))
		return
	}
	for _, e := range expired {
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return s.Workflow.LeaveQueue(ctx, tx, "system", e.FreelancerID)
		})
		if err != nil {
			s.Log.ErrorContext(ctx, "release held place", slog.String("verification", e.VerificationID), slog.Any("err", err))
		}
	}
}

// notifyNear emails freelancers who stepped away when their turn is near.
func (s *Service) notifyNear(ctx context.Context, now time.Time) {
	entries, err := s.Store.Queue(ctx)
	if err != nil {
		s.Log.ErrorContext(ctx, "read queue", slog.Any("err", err))
		return
	}
	for i, e := range entries {
		if !e.ShouldNotify(i+1, now, s.Hold) {
			continue
		}
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return s.Workflow.NotifyTurnNear(ctx, tx, e, e.AwaySince.Add(s.Hold))
		})
		if err != nil {
			s.Log.ErrorContext(ctx, "tell a freelancer their turn is near", slog.String("verification", e.VerificationID), slog.Any("err", err))
		}
	}
}

func (s *Service) agentsOnline(ctx context.Context) int {
	agents, err := s.Workflow.Agents(ctx)
	if err != nil {
		s.Log.ErrorContext(ctx, "count agents", slog.Any("err", err))
	}
	return agents.Online
}

// sendQueue sends queued freelancers their place: these connections, or
// (nil) every connected one. The connections are looked up after the queue
// is read, for the queued freelancers alone, so that the hub's lock, which
// every relayed message takes, is held for the queue's length, not for
// every connection on the node.
func (s *Service) sendQueue(ctx context.Context, freelancers map[string][]*client) {
	if freelancers == nil && s.h().connectedNone(RoleFreelancer) || freelancers != nil && len(freelancers) == 0 {
		return
	}
	entries, err := s.Store.Queue(ctx)
	if err != nil {
		s.Log.ErrorContext(ctx, "read queue", slog.Any("err", err))
		return
	}
	outlook, err := s.Workflow.Outlook(ctx)
	if err != nil {
		s.Log.ErrorContext(ctx, "read the queue's outlook", slog.Any("err", err))
		return
	}
	if freelancers == nil {
		ids := make([]string, len(entries))
		for i, e := range entries {
			ids[i] = e.FreelancerID
		}
		freelancers = s.h().clientsOfEach(RoleFreelancer, ids)
	}
	for i, e := range entries {
		clients := freelancers[e.FreelancerID]
		if len(clients) == 0 {
			continue
		}
		info := &QueueInfo{Position: i + 1, AgentsOnline: outlook.Online}
		if wait, ok := outlook.Wait(i + 1); ok {
			secs := int(wait.Seconds())
			info.EtaSeconds = &secs
		}
		m := msg(TypeQueue)
		m.Queue = info
		data := encode(m)
		for _, c := range clients {
			c.deliverEncoded(data)
		}
	}
}

// sendFloor sends agents the queue's size and longest wait.
func (s *Service) sendFloor(ctx context.Context, agents []*client) {
	if len(agents) == 0 {
		return
	}
	entries, err := s.Store.Queue(ctx)
	if err != nil {
		s.Log.ErrorContext(ctx, "read queue", slog.Any("err", err))
		return
	}
	stats := queue.Summarise(entries, s.Now())
	m := msg(TypeFloor)
	m.Floor = &FloorInfo{Waiting: stats.Waiting, LongestWaitSeconds: int(stats.LongestWait.Seconds()), AgentsOnline: s.agentsOnline(ctx)}
	data := encode(m) // once for everyone: with thousands of agents, encoding per socket stalls the relay
	for _, c := range agents {
		c.deliverEncoded(data)
	}
}

// Refresh runs a whole tick's work now, synchronously: for tests and tools
// that drive the clock. Request handlers Nudge instead.
func (s *Service) Refresh(ctx context.Context) { s.update(ctx) }
