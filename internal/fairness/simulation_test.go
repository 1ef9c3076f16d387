package fairness

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// The issue (14) asks of the report, read as a live page:
//
//   - False flags: a team of 10 unbiased agents (all passing 85 %), the
//     report read after every decision up to 2,000 decisions per agent
//     (20,000 for the team): at most 5 % of teams ever see a flag.
//   - Power: one agent failing 15 points more often (70 % against 85 %) is
//     flagged within 400 of their own decisions in at least 90 % of runs.
//
// Each team's decisions come one at a time, each from an agent drawn at
// random, and the flags are looked at after every single decision — the
// most often anyone could read the report. The monitor is the one
// [Analyze] runs; TestMonitorMatchesAnalyze checks that it shows what the
// report would have shown at each of those moments.
//
// The seeds are fixed, so the tests are deterministic; they were not tuned
// to make the tests pass. ATTEST_FAIRNESS_LONG=1 runs ten times as many
// teams; docs/FAIRNESS.md records the figures of both.

const (
	simAgents   = 10
	simBaseRate = 0.85
	simAlpha    = 0.05
)

var simAgentIDs = func() []string {
	ids := make([]string, simAgents)
	for i := range ids {
		ids[i] = fmt.Sprintf("a%02d", i)
	}
	return ids
}()

// simTable is shared by the simulated teams, which run one after another.
var simTable = &logTable{}

// simRuns scales a number of simulated teams by ATTEST_FAIRNESS_LONG.
func simRuns(n int) int {
	if os.Getenv("ATTEST_FAIRNESS_LONG") != "" {
		return 10 * n
	}
	return n
}

// simulateTeam runs one team whose agent a00 passes with probability first
// and the others with simBaseRate, until agent a00 has made until decisions
// (or, with untilTeam, until the team has). After every decision it calls
// look with the monitor, the decision's agent index and how many decisions
// that agent and the team have made; look returns false to stop early.
// It returns the monitor as it was at the end.
func simulateTeam(rng *rand.Rand, first float64, until int, untilTeam bool,
	look func(m *monitor, agent, own, team int) bool) *monitor {
	m := newMonitor(simTable, newFamily(simAlpha, simAgents, agentDimension))
	var made [simAgents]int
	for team := 1; ; team++ {
		a := rng.IntN(simAgents)
		p := simBaseRate
		if a == 0 {
			p = first
		}
		made[a]++
		m.add(Decision{AgentID: simAgentIDs[a], Passed: rng.Float64() < p})
		if !look(m, a, made[a], team) {
			return m
		}
		if untilTeam && team >= until || !untilTeam && made[0] >= until {
			return m
		}
	}
}

func TestSimulationFalseFlags(t *testing.T) {
	teams := simRuns(400)
	const perAgent = 2000
	rng := rand.New(rand.NewPCG(20261205, 1))
	byTeam2000, byEnd := 0, 0
	for range teams {
		first := 0 // team decisions when some agent was first flagged
		simulateTeam(rng, simBaseRate, perAgent*simAgents, true, func(m *monitor, _, _, team int) bool {
			if m.agentsFlagged() > 0 {
				first = team
				return false
			}
			return true
		})
		if first > 0 {
			byEnd++
			if first <= 2000 {
				byTeam2000++
			}
		}
	}
	lo, hi := ConfidenceSequence(byEnd, teams, 0.05)
	t.Logf("false flags, 10 unbiased agents at 85%%, read after every decision: %d/%d teams (%.2f%%, 95%% interval %.2f–%.2f%%) ever saw a flag within %d decisions per agent; %d (%.2f%%) within the team's first 2,000",
		byEnd, teams, 100*float64(byEnd)/float64(teams), 100*lo, 100*hi, perAgent, byTeam2000, 100*float64(byTeam2000)/float64(teams))
	if rate := float64(byEnd) / float64(teams); rate > 0.05 {
		t.Errorf("%.2f%% of unbiased teams saw a false flag, want at most 5%%", 100*rate)
	}
}

// powerRun simulates runs teams whose agent a00 passes with probability
// rate, each until a00 has made until decisions, and returns how many
// decisions a00 had made when first flagged in each run (0: never), and in
// how many runs an unbiased team-mate was flagged too (the opposite-direction
// flag the package documentation describes).
func powerRun(rng *rand.Rand, runs int, rate float64, until int) (firstFlag []int, othersFlagged int) {
	for range runs {
		at := 0
		m := simulateTeam(rng, rate, until, false, func(m *monitor, _, _, _ int) bool {
			if tr := m.agent(simAgentIDs[0]); at == 0 && tr != nil && tr.flaggedAfter > 0 {
				at = tr.flaggedAfter
			}
			return true
		})
		firstFlag = append(firstFlag, at)
		if others := m.agentsFlagged(); at > 0 && others > 1 || at == 0 && others > 0 {
			othersFlagged++
		}
	}
	return firstFlag, othersFlagged
}

// flaggedWithin counts the runs flagged at or before n decisions.
func flaggedWithin(firstFlag []int, n int) int {
	c := 0
	for _, f := range firstFlag {
		if f > 0 && f <= n {
			c++
		}
	}
	return c
}

func TestSimulationPower(t *testing.T) {
	runs := simRuns(1000)
	rng := rand.New(rand.NewPCG(20261205, 2))
	first, others := powerRun(rng, runs, simBaseRate-0.15, 400)
	t.Logf("an unbiased team-mate was flagged as well in %d/%d runs", others, runs)
	for _, n := range []int{100, 200, 300, 400} {
		c := flaggedWithin(first, n)
		lo, hi := ConfidenceSequence(c, runs, 0.05)
		t.Logf("power, one agent at 70%% against 85%%: flagged within %d of their decisions in %d/%d runs (%.1f%%, 95%% interval %.1f–%.1f%%)",
			n, c, runs, 100*float64(c)/float64(runs), 100*lo, 100*hi)
	}
	if p := float64(flaggedWithin(first, 400)) / float64(runs); p < 0.90 {
		t.Errorf("a biased agent (+15 points of failures) flagged within 400 decisions in %.1f%% of runs, want at least 90%%", 100*p)
	}
}

// A 5-point gap is reported, not asserted: it takes far more decisions.
func TestSimulationPowerSmallGap(t *testing.T) {
	runs := simRuns(200)
	rng := rand.New(rand.NewPCG(20261205, 3))
	first, _ := powerRun(rng, runs, simBaseRate-0.05, 2000)
	for _, n := range []int{400, 1000, 2000} {
		c := flaggedWithin(first, n)
		t.Logf("power, one agent at 80%% against 85%%: flagged within %d of their decisions in %d/%d runs (%.1f%%)",
			n, c, runs, 100*float64(c)/float64(runs))
	}
}
