package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// runPlan runs attest plan with args and returns its standard output.
func runPlan(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"plan"}, args...), strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

func TestPlanJSON(t *testing.T) {
	out, err := runPlan(t, "--arrivals-per-hour", "120", "--handle-minutes", "4", "--target-wait", "30s",
		"--simulate-days", "2", "--json")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if n := strings.Count(strings.TrimSpace(out), "\n"); n != 0 {
		t.Fatalf("output has %d line breaks, want one JSON object on one line: %s", n, out)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v: %s", err, out)
	}
	for _, key := range []string{"agents", "service_level", "average_wait_seconds", "utilization", "simulated"} {
		if _, ok := got[key]; !ok {
			t.Errorf("key %q missing from %s", key, out)
		}
	}
	// 8 Erlangs, 80% within 30 s of 4-minute calls: 10 agents reach 0.74,
	// 11 reach 0.83.
	if got["agents"] != 11.0 {
		t.Errorf("agents %v, want 11", got["agents"])
	}
}

// A case small enough to work by hand: 15 an hour × 4 minutes = 1 Erlang.
// One agent cannot keep up (A = N). With two, Erlang B goes B(1) = 1/2,
// B(2) = (1·½)/(2 + ½) = 1/5, so C = 2·(1/5)/(2 − 1·(4/5)) = 1/3: two in
// three are taken at once, which meets 0.6 with a target of 0. The average
// wait is C·4 min/(2 − 1) = 80 s, the utilisation 1/2.
func TestPlanHandWorked(t *testing.T) {
	out, err := runPlan(t, "--arrivals-per-hour", "15", "--handle-minutes", "4", "--target-wait", "0s",
		"--service-level", "0.6", "--simulate-days", "0", "--json")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got planReport
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := planReport{Agents: 2, ServiceLevel: 2.0 / 3, AverageWaitSeconds: 80, Utilization: 0.5}
	if got.Agents != want.Agents || !near(got.ServiceLevel, want.ServiceLevel) ||
		!near(got.AverageWaitSeconds, want.AverageWaitSeconds) || !near(got.Utilization, want.Utilization) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got.Simulated != nil {
		t.Errorf("--simulate-days 0 still simulated: %+v", got.Simulated)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestPlanText(t *testing.T) {
	out, err := runPlan(t, "--arrivals-per-hour", "15", "--handle-minutes", "4", "--target-wait", "0s",
		"--service-level", "0.6", "--simulate-days", "3", "--seed", "9")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, want := range []string{"Agents needed: 2,", "average wait 1m20s", "utilisation 50.0%", "Simulation of attest's dispatcher with 2 agents", "seed 9"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPlanReadsEnvironment(t *testing.T) {
	t.Setenv("ATTEST_ARRIVALS_PER_HOUR", "15")
	t.Setenv("ATTEST_HANDLE_MINUTES", "4")
	t.Setenv("ATTEST_TARGET_WAIT", "0s")
	t.Setenv("ATTEST_SERVICE_LEVEL", "0.6")
	out, err := runPlan(t, "--simulate-days", "0", "--json")
	if err != nil || !strings.Contains(out, `"agents":2,`) {
		t.Fatalf("%v: %s, want 2 agents", err, out)
	}
}

func TestPlanUsageErrors(t *testing.T) {
	good := []string{"--arrivals-per-hour", "120", "--handle-minutes", "4", "--target-wait", "30s", "--simulate-days", "0"}
	with := func(flag, value string) []string {
		args := append([]string(nil), good...)
		for i := 0; i < len(args); i += 2 {
			if args[i] == flag {
				args[i+1] = value
				return args
			}
		}
		return append(args, flag, value)
	}
	tests := []struct {
		args     []string
		mentions string
	}{
		{good[2:], "--arrivals-per-hour"},
		{with("--arrivals-per-hour", "lots"), "--arrivals-per-hour"},
		{with("--arrivals-per-hour", "-3"), "--arrivals-per-hour"},
		{with("--arrivals-per-hour", "+Inf"), "--arrivals-per-hour"},
		{with("--handle-minutes", "0"), "--handle-minutes"},
		{with("--target-wait", "soon"), "--target-wait"},
		{with("--target-wait", "-1m"), "--target-wait"},
		{with("--target-wait", ""), "--target-wait"},
		{with("--service-level", "1"), "--service-level"},
		{with("--service-level", "80%"), "--service-level"},
		{with("--simulate-days", "-1"), "--simulate-days"},
		{with("--simulate-days", "99999"), "--simulate-days"},
		{with("--seed", "minus one"), "--seed"},
		{with("--bogus", "1"), "-bogus"},
		{append(append([]string(nil), good...), "extra"), "extra"},
	}
	for _, tt := range tests {
		_, err := runPlan(t, tt.args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("attest plan %v: %v, want a usage error", tt.args, err)
			continue
		}
		if !strings.Contains(ue.Error(), tt.mentions) {
			t.Errorf("attest plan %v: %q, want it to mention %s", tt.args, ue.Error(), tt.mentions)
		}
	}
}

// A load too large to simulate in reasonable time still gets Erlang C's
// answer, without the simulation.
func TestPlanSkipsAnUnsimulableLoad(t *testing.T) {
	out, err := runPlan(t, "--arrivals-per-hour", "285000", "--handle-minutes", "0.4", "--target-wait", "20s", "--json")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got planReport
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Agents < 1900 || got.Simulated != nil {
		t.Errorf("got %d agents, simulated %+v; want at least 1900 and no simulation", got.Agents, got.Simulated)
	}
}

// --rollout opens that many cases at once against the agents found, with
// the deadlines the product would set: nobody is restricted for want of a
// call, where restricting at once restricts everyone.
func TestPlanRollout(t *testing.T) {
	out, err := runPlan(t, "--arrivals-per-hour", "120", "--handle-minutes", "4", "--target-wait", "30s",
		"--simulate-days", "0", "--rollout", "2000", "--json")
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got struct {
		Agents  int            `json:"agents"`
		Rollout map[string]any `json:"rollout"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v: %s", err, out)
	}
	r := got.Rollout
	if r["cases"] != 2000.0 || r["agents"] != float64(got.Agents) || r["restricted"] != 0.0 || r["baseline_restricted"] != 2000.0 ||
		r["last_deadline_days"].(float64) < 7 {
		t.Fatalf("rollout: %v", r)
	}
	if _, err := runPlan(t, "--arrivals-per-hour", "120", "--handle-minutes", "4", "--target-wait", "30s", "--rollout", "-3"); err == nil {
		t.Fatal("a negative rollout was accepted")
	}
	text, err := runPlan(t, "--arrivals-per-hour", "120", "--handle-minutes", "4", "--target-wait", "30s", "--simulate-days", "0", "--rollout", "500")
	if err != nil || !strings.Contains(text, "Rollout: 500 cases") {
		t.Fatalf("%v: %s", err, text)
	}
}
