package fairness

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The issue asks that "an agent who fails 15 points more often is flagged
// within 400 decisions, and that unbiased agents are falsely flagged at most
// 5 % of the time". We read that as:
//
//   - Power: in a team of 10 agents who each make 400 decisions, nine passing
//     at 85 % and one at 70 % (15 points more failures), the biased agent is
//     flagged in at least 80 % of simulated teams. "Within 400 decisions"
//     means "with 400 decisions by that agent", evaluated once at the end of
//     the period, not a running check after every decision (repeated looks
//     would need a sequential test to keep the false-alarm rate).
//   - False alarms: in a team of 10 unbiased agents (all 85 %), 400
//     decisions each, the share of teams in which any agent is flagged (the
//     family-wise error rate) is at most 5 %.
//
// The seeds are fixed, so the tests are deterministic; they were not tuned to
// make the tests pass.

const (
	simAgents    = 10
	simDecisions = 400
	simBaseRate  = 0.85
	simAlpha     = 0.05
)

// simulateTeam returns simDecisions decisions for each of simAgents agents;
// agent "a00" passes with probability first, the others with simBaseRate.
func simulateTeam(rng *rand.Rand, first float64, buf []Decision) []Decision {
	buf = buf[:0]
	for a := range simAgents {
		id := fmt.Sprintf("a%02d", a)
		p := simBaseRate
		if a == 0 {
			p = first
		}
		for range simDecisions {
			buf = append(buf, Decision{AgentID: id, Passed: rng.Float64() < p, Country: "DE"})
		}
	}
	return buf
}

func TestSimulationPower(t *testing.T) {
	const teams = 200
	rng := rand.New(rand.NewPCG(20240601, 1))
	var buf []Decision
	flagged, others := 0, 0
	for range teams {
		buf = simulateTeam(rng, simBaseRate-0.15, buf)
		r := Analyze(buf, simAlpha)
		if r.Agents[0].Group != "a00" {
			t.Fatalf("unexpected agent order: %s", r.Agents[0].Group)
		}
		if r.Agents[0].Flagged {
			flagged++
		}
		for _, a := range r.Agents[1:] {
			if a.Flagged {
				others++
			}
		}
	}
	power := float64(flagged) / teams
	lo, hi := Wilson(flagged, teams, Z95)
	t.Logf("power: biased agent (70%% vs 85%%, %d decisions) flagged in %d/%d teams = %.1f%% (95%% CI %.1f–%.1f%%); unbiased team-mates flagged %d times in %d agent-periods",
		simDecisions, flagged, teams, 100*power, 100*lo, 100*hi, others, teams*(simAgents-1))
	if power < 0.80 {
		t.Errorf("power %.1f%% below 80%%", 100*power)
	}
}

// The issue suggests 500 simulated teams. With a true family-wise rate near
// 4 %, the share measured over 500 teams has a standard error of about 0.9
// points, so a 5 % threshold would pass or fail largely by chance of the
// seed. 5000 teams (standard error about 0.3 points, under a second) make the
// check meaningful.
func TestSimulationFalseAlarms(t *testing.T) {
	const teams = 5000
	rng := rand.New(rand.NewPCG(20240601, 2))
	var buf []Decision
	teamsWithFlag, flags := 0, 0
	for range teams {
		buf = simulateTeam(rng, simBaseRate, buf)
		any := false
		for _, a := range Analyze(buf, simAlpha).Agents {
			if a.Flagged {
				flags++
				any = true
			}
		}
		if any {
			teamsWithFlag++
		}
	}
	fwer := float64(teamsWithFlag) / teams
	lo, hi := Wilson(teamsWithFlag, teams, Z95)
	t.Logf("false alarms: %d/%d unbiased teams had a flagged agent = %.2f%% (95%% CI %.2f–%.2f%%, family-wise); %d flags among %d agent-periods",
		teamsWithFlag, teams, 100*fwer, 100*lo, 100*hi, flags, teams*simAgents)
	if fwer > 0.05 {
		t.Errorf("family-wise false-alarm rate %.1f%% above 5%%", 100*fwer)
	}
}
