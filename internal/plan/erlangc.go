// Package plan sizes the verification team: how many agents a flow of
// freelancers needs (Erlang C), and a simulation that runs attest's own
// dispatch order on a virtual clock to check it.
package plan

import (
	"fmt"
	"math"
	"time"
)

// MaxAgents bounds the team sizes plan reasons about. A load that needs
// more is almost certainly a typo (arrivals per day given as per hour), and
// the answer would be useless anyway.
const MaxAgents = 10_000

// forever stands for a wait that grows without bound.
const forever = time.Duration(math.MaxInt64)

// Load is a steady flow of freelancers into the live queue.
type Load struct {
	// ArrivalsPerHour is how many freelancers join the queue per hour.
	ArrivalsPerHour float64
	// HandleMinutes is how long an agent is busy per call, on average,
	// notes included.
	HandleMinutes float64
}

// Offered is the load in Erlangs: how many agents the flow would keep busy
// all the time.
func (l Load) Offered() float64 { return l.ArrivalsPerHour * l.HandleMinutes / 60 }

// handle is the mean handle time as a duration.
func (l Load) handle() time.Duration { return time.Duration(l.HandleMinutes * float64(time.Minute)) }

// validate rejects loads the formulas cannot mean anything for.
func (l Load) validate() error {
	if !(l.ArrivalsPerHour > 0) || math.IsInf(l.ArrivalsPerHour, 0) {
		return fmt.Errorf("arrivals per hour must be a positive number, got %v", l.ArrivalsPerHour)
	}
	if !(l.HandleMinutes > 0) || math.IsInf(l.HandleMinutes, 0) {
		return fmt.Errorf("handle minutes must be a positive number, got %v", l.HandleMinutes)
	}
	return nil
}

// erlangB is the probability that all agents are busy in a system that
// turns callers away (Erlang B), by the recursion
// B(n) = A·B(n-1) / (n + A·B(n-1)). Every step stays within [0, 1], so
// unlike the textbook formula it never forms A^N or N! and cannot overflow.
func erlangB(agents int, offered float64) float64 {
	b := 1.0
	for n := 1; n <= agents; n++ {
		b = nextErlangB(b, n, offered)
	}
	return b
}

// nextErlangB is one step of the Erlang B recursion, from n-1 agents to n.
func nextErlangB(b float64, n int, offered float64) float64 {
	return offered * b / (float64(n) + offered*b)
}

// erlangCFromB turns Erlang B into Erlang C for the same agents and load:
// C = N·B / (N − A·(1 − B)). It needs agents > offered.
func erlangCFromB(b float64, agents int, offered float64) float64 {
	n := float64(agents)
	return n * b / (n - offered*(1-b))
}

// ErlangC is the probability that a freelancer has to wait at all, with
// agents serving an offered load in Erlangs (Erlang C). With no agents, or
// no more agents than the load, the queue grows without bound and
// everyone waits: 1.
func ErlangC(agents int, offered float64) float64 {
	if agents <= 0 || !(offered < float64(agents)) {
		return 1
	}
	if offered <= 0 {
		return 0
	}
	return erlangCFromB(erlangB(agents, offered), agents, offered)
}

// ServiceLevel is the share of freelancers taken within target:
// 1 − C·exp(−(N−A)·target/handle). An overloaded team serves nobody
// reliably: 0.
func ServiceLevel(agents int, l Load, target time.Duration) float64 {
	offered := l.Offered()
	if agents <= 0 || !(offered < float64(agents)) {
		return 0
	}
	return serviceLevel(ErlangC(agents, offered), agents, l, target)
}

// serviceLevel is ServiceLevel once Erlang C is known.
func serviceLevel(c float64, agents int, l Load, target time.Duration) float64 {
	target = max(target, 0)
	spare := float64(agents) - l.Offered()
	return 1 - c*math.Exp(-spare*target.Minutes()/l.HandleMinutes)
}

// AverageWait is the mean wait in the queue over all freelancers, those
// taken at once included: C·handle/(N−A). An overloaded team's queue grows
// without bound, and the wait is the largest Duration.
func AverageWait(agents int, l Load) time.Duration {
	offered := l.Offered()
	if offered <= 0 {
		return 0
	}
	if agents <= 0 || !(offered < float64(agents)) {
		return forever
	}
	c := ErlangC(agents, offered)
	return time.Duration(c * float64(l.handle()) / (float64(agents) - offered))
}

// AgentsNeeded is the smallest team that takes at least level (a share,
// such as 0.8) of freelancers within target.
func AgentsNeeded(l Load, target time.Duration, level float64) (agents int, err error) {
	if err := l.validate(); err != nil {
		return 0, err
	}
	if target < 0 {
		return 0, fmt.Errorf("target wait must not be negative, got %v", target)
	}
	// The service level approaches 1 but never reaches it: waits are
	// exponential, and some freelancer always waits a little.
	if !(level > 0 && level < 1) {
		return 0, fmt.Errorf("service level must be between 0 and 1 (exclusive), got %v", level)
	}
	offered := l.Offered()
	if offered >= MaxAgents {
		return 0, fmt.Errorf("a load of %.0f Erlangs needs more than %d agents", offered, MaxAgents)
	}
	// Walk the Erlang B recursion upwards once instead of restarting it for
	// every candidate team size.
	b := 1.0
	for n := 1; n <= MaxAgents; n++ {
		b = nextErlangB(b, n, offered)
		if float64(n) <= offered {
			continue
		}
		if serviceLevel(erlangCFromB(b, n, offered), n, l, target) >= level {
			return n, nil
		}
	}
	return 0, fmt.Errorf("a service level of %v within %v needs more than %d agents", level, target, MaxAgents)
}
