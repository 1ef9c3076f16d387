package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	// Named apart: the command's function is plan, as every command's is its name.
	sizing "github.com/attest-dev/attest/internal/plan"
)

// maxSimulateDays bounds --simulate-days: ten years answers any question a
// shorter run cannot.
const maxSimulateDays = 3650

// maxRolloutCases bounds --rollout: the simulation keeps every case in memory.
const maxRolloutCases = 200_000

// planInput is attest plan's flags, checked.
type planInput struct {
	load   sizing.Load
	target time.Duration
	level  float64
	days   int
	seed   uint64
	json   bool
	// rollout is how many cases to open at once in the rollout simulation;
	// 0 skips it.
	rollout int
}

// planReport is attest plan's answer; its JSON is DESIGN section 10's.
type planReport struct {
	Agents             int     `json:"agents"`
	ServiceLevel       float64 `json:"service_level"`
	AverageWaitSeconds float64 `json:"average_wait_seconds"`
	Utilization        float64 `json:"utilization"`
	// The rest explains the four above.
	ProbabilityOfWaiting float64         `json:"probability_of_waiting"`
	OfferedErlangs       float64         `json:"offered_erlangs"`
	TargetWaitSeconds    float64         `json:"target_wait_seconds"`
	TargetServiceLevel   float64         `json:"target_service_level"`
	Simulated            *simulateReport `json:"simulated,omitempty"`
	Rollout              *rolloutReport  `json:"rollout,omitempty"`
}

// rolloutReport is what opening many cases at once does, under attest's
// deadlines (set by the product's own code) and under a baseline that
// restricts everyone at once.
type rolloutReport struct {
	Cases                        int     `json:"cases"`
	Agents                       int     `json:"agents"`
	Restricted                   int     `json:"restricted"`
	RestrictedPersonDays         float64 `json:"restricted_person_days"`
	WaitP95Seconds               float64 `json:"wait_p95_seconds"`
	DaysToClear                  float64 `json:"days_to_clear"`
	LastDeadlineDays             float64 `json:"last_deadline_days"`
	BaselineRestricted           int     `json:"baseline_restricted"`
	BaselineRestrictedPersonDays float64 `json:"baseline_restricted_person_days"`
}

// simulateReport is the simulation's part of planReport.
type simulateReport struct {
	Days                        int     `json:"days"`
	Seed                        uint64  `json:"seed"`
	Arrivals                    int     `json:"arrivals"`
	WaitP50Seconds              float64 `json:"wait_p50_seconds"`
	WaitP95Seconds              float64 `json:"wait_p95_seconds"`
	WaitMaxSeconds              float64 `json:"wait_max_seconds"`
	AverageWaitSeconds          float64 `json:"average_wait_seconds"`
	Utilization                 float64 `json:"utilization"`
	ShareOverTarget             float64 `json:"share_over_target"`
	EstimateMedianRelativeError float64 `json:"estimate_median_relative_error"`
}

// plan is "attest plan": the agents a flow of freelancers needs, by
// Erlang C, checked by a simulation of attest's own dispatcher.
func plan(_ context.Context, args []string, stdout, stderr io.Writer) error {
	in, err := planFlags(args, stderr)
	if err != nil {
		return err
	}
	agents, err := sizing.AgentsNeeded(in.load, in.target, in.level)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	report := erlangReport(agents, in)
	requested := in.days
	in.days = min(in.days, simulableDays(in.load))
	if in.days > 0 {
		if report.Simulated, err = simulate(agents, in); err != nil {
			return err
		}
	}
	if in.rollout > 0 {
		if report.Rollout, err = rollout(agents, in); err != nil {
			return err
		}
	}
	if in.json {
		return json.NewEncoder(stdout).Encode(report)
	}
	printPlan(stdout, in, report)
	switch {
	case in.days == 0 && requested > 0:
		fmt.Fprintf(stdout, "\n(Not simulated: a day of this load is more than the %d freelancers a simulation may have.)\n", sizing.MaxSimArrivals)
	case in.days < requested:
		fmt.Fprintf(stdout, "\n(Simulated %d days, not %d: more would be over the %d freelancers a simulation may have.)\n",
			in.days, requested, sizing.MaxSimArrivals)
	}
	return nil
}

// simulableDays is the most whole days of l a simulation may have.
func simulableDays(l sizing.Load) int {
	return int(math.Min(sizing.MaxSimArrivals/(l.ArrivalsPerHour*24), maxSimulateDays))
}

// planFlags parses and checks attest plan's flags; every mistake is a
// usage error that names the flag.
func planFlags(args []string, stderr io.Writer) (planInput, error) {
	f := newFlags("plan", stderr)
	arrivals := f.str("arrivals-per-hour", "", "freelancers joining the live queue per hour (required)")
	handle := f.str("handle-minutes", "", "minutes an agent is busy per call, notes included (required)")
	target := f.str("target-wait", "", "the wait to meet, such as 30s or 2m (required)")
	level := f.str("service-level", "0.8", "share of freelancers to take within the target wait")
	days := f.str("simulate-days", "30", "days of simulated queue to check the answer with; 0 skips it")
	seed := f.str("seed", "1", "seed of the simulation: the same seed gives the same figures")
	rolloutCases := f.str("rollout", "0", "also open this many cases at once, against the agents found, and show who is restricted (0 skips it)")
	asJSON := f.boolean("json", false, "print one JSON object instead of text")
	if err := f.parse(args); err != nil {
		var ue usageError
		if errors.Is(err, flag.ErrHelp) || errors.As(err, &ue) {
			return planInput{}, err
		}
		return planInput{}, usageError{"plan: " + err.Error()}
	}
	in := planInput{json: *asJSON}
	var err error
	if in.load.ArrivalsPerHour, err = positive("arrivals-per-hour", *arrivals); err != nil {
		return in, err
	}
	if in.load.HandleMinutes, err = positive("handle-minutes", *handle); err != nil {
		return in, err
	}
	if in.target, err = targetWait(*target); err != nil {
		return in, err
	}
	if in.level, err = strconv.ParseFloat(*level, 64); err != nil || !(in.level > 0 && in.level < 1) {
		return in, usageError{fmt.Sprintf("plan: --service-level must be a share between 0 and 1, such as 0.8; got %q", *level)}
	}
	if in.days, err = strconv.Atoi(*days); err != nil || in.days < 0 || in.days > maxSimulateDays {
		return in, usageError{fmt.Sprintf("plan: --simulate-days must be a whole number from 0 to %d; got %q", maxSimulateDays, *days)}
	}
	if in.seed, err = strconv.ParseUint(*seed, 10, 64); err != nil {
		return in, usageError{fmt.Sprintf("plan: --seed must be a whole number, 0 or more; got %q", *seed)}
	}
	if in.rollout, err = strconv.Atoi(*rolloutCases); err != nil || in.rollout < 0 || in.rollout > maxRolloutCases {
		return in, usageError{fmt.Sprintf("plan: --rollout must be a whole number of cases from 0 to %d; got %q", maxRolloutCases, *rolloutCases)}
	}
	return in, nil
}

// positive parses a required flag that must be a positive number.
func positive(name, value string) (float64, error) {
	if value == "" {
		return 0, usageError{"plan: give --" + name}
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, usageError{fmt.Sprintf("plan: --%s must be a positive number; got %q", name, value)}
	}
	return v, nil
}

// targetWait parses --target-wait, a duration of 0 or more.
func targetWait(value string) (time.Duration, error) {
	if value == "" {
		return 0, usageError{"plan: give --target-wait"}
	}
	d, err := time.ParseDuration(value)
	if err != nil || d < 0 {
		return 0, usageError{fmt.Sprintf("plan: --target-wait must be a duration such as 30s or 2m; got %q", value)}
	}
	return d, nil
}

// erlangReport is what Erlang C says of agents serving in's load.
func erlangReport(agents int, in planInput) planReport {
	offered := in.load.Offered()
	return planReport{
		Agents:               agents,
		ServiceLevel:         sizing.ServiceLevel(agents, in.load, in.target),
		AverageWaitSeconds:   sizing.AverageWait(agents, in.load).Seconds(),
		Utilization:          offered / float64(agents),
		ProbabilityOfWaiting: sizing.ErlangC(agents, offered),
		OfferedErlangs:       offered,
		TargetWaitSeconds:    in.target.Seconds(),
		TargetServiceLevel:   in.level,
	}
}

// simulate runs attest's dispatcher with agents on in's load.
func simulate(agents int, in planInput) (*simulateReport, error) {
	length := time.Duration(in.days) * 24 * time.Hour
	// A tenth as warm-up: the run starts with an empty queue.
	r, err := sizing.Simulate(sizing.Config{
		Agents:          agents,
		ArrivalsPerHour: in.load.ArrivalsPerHour,
		HandleMean:      time.Duration(in.load.HandleMinutes * float64(time.Minute)),
		Target:          in.target,
		Duration:        length,
		Warmup:          length / 10,
		Seed:            in.seed,
	})
	if err != nil {
		return nil, fmt.Errorf("plan: --simulate-days %d: %w", in.days, err)
	}
	return &simulateReport{
		Days: in.days, Seed: in.seed, Arrivals: r.Arrivals,
		WaitP50Seconds: r.WaitP50.Seconds(), WaitP95Seconds: r.WaitP95.Seconds(), WaitMaxSeconds: r.WaitMax.Seconds(),
		AverageWaitSeconds: r.WaitMean.Seconds(), Utilization: r.Utilization, ShareOverTarget: r.ShareOverTarget,
		EstimateMedianRelativeError: r.Estimate.Median,
	}, nil
}

// printPlan writes the report for people.
func printPlan(w io.Writer, in planInput, r planReport) {
	fmt.Fprintf(w, "Load: %g freelancers an hour × %g min = %.2f agents kept busy (Erlangs).\n",
		in.load.ArrivalsPerHour, in.load.HandleMinutes, r.OfferedErlangs)
	fmt.Fprintf(w, "Agents needed: %d, to take %.0f%% within %v (Erlang C).\n", r.Agents, 100*in.level, in.target)
	fmt.Fprintf(w, "  with %d agents: %.1f%% taken within %v, %.1f%% wait at all, average wait %v, utilisation %.1f%%\n",
		r.Agents, 100*r.ServiceLevel, in.target, 100*r.ProbabilityOfWaiting, seconds(r.AverageWaitSeconds), 100*r.Utilization)
	if ro := r.Rollout; ro != nil {
		fmt.Fprintf(w, "\nRollout: %d cases opened at once (a Monday 09:00), %d agents working 09:00–17:00 on weekdays.\n", ro.Cases, ro.Agents)
		fmt.Fprintf(w, "  attest: %d restricted for want of a call (%.1f person-days); the last deadline %.1f days out; cleared in %.1f days; p95 wait %v\n",
			ro.Restricted, ro.RestrictedPersonDays, ro.LastDeadlineDays, ro.DaysToClear, seconds(ro.WaitP95Seconds))
		fmt.Fprintf(w, "  restricting at once instead: %d restricted for %.1f person-days\n", ro.BaselineRestricted, ro.BaselineRestrictedPersonDays)
	}
	s := r.Simulated
	if s == nil {
		return
	}
	fmt.Fprintf(w, "\nSimulation of attest's dispatcher with %d agents: %d days (the first %.1f left out as warm-up), seed %d, %d freelancers.\n",
		r.Agents, s.Days, float64(s.Days)/10, s.Seed, s.Arrivals)
	fmt.Fprintf(w, "  wait p50 %v, p95 %v, max %v, average %v\n",
		seconds(s.WaitP50Seconds), seconds(s.WaitP95Seconds), seconds(s.WaitMaxSeconds), seconds(s.AverageWaitSeconds))
	fmt.Fprintf(w, "  utilisation %.1f%%; %.1f%% waited longer than %v\n", 100*s.Utilization, 100*s.ShareOverTarget, in.target)
	fmt.Fprintf(w, "  the live wait estimate was off by a median %.0f%% (|estimate − wait| / max(wait, 1m))\n",
		100*s.EstimateMedianRelativeError)
}

// rollout opens in.rollout cases at once on the coming Monday at 09:00 UTC,
// against agents working 09:00–17:00 on weekdays, with freelancers showing
// up in their daytime within three days (plan.Rollout): deadlines come from
// the product's deadline code, with the slot length set to the mean call.
func rollout(agents int, in planInput) (*rolloutReport, error) {
	cfg := sizing.ExampleRollout()
	cfg.Cases, cfg.Agents, cfg.Seed = in.rollout, agents, in.seed
	cfg.HandleMean = time.Duration(in.load.HandleMinutes * float64(time.Minute))
	attest, baseline, err := sizing.Rollout(cfg)
	if err != nil {
		return nil, fmt.Errorf("plan: --rollout %d: %w", in.rollout, err)
	}
	return &rolloutReport{Cases: cfg.Cases, Agents: agents, Restricted: attest.Restricted,
		RestrictedPersonDays: attest.RestrictedPersonDays, WaitP95Seconds: attest.WaitP95.Seconds(),
		DaysToClear: attest.DaysToClear, LastDeadlineDays: attest.LastDeadlineDays,
		BaselineRestricted: baseline.Restricted, BaselineRestrictedPersonDays: baseline.RestrictedPersonDays}, nil
}

// seconds is a number of seconds as a readable duration.
func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Second)
}
