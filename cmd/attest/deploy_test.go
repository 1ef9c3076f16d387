package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
)

// The files in deploy/ cannot be run here (no Docker engine, no systemd),
// so these tests hold them to the code: every variable, flag, port and
// timeout they name must be one serve really has.

// serveFlags are serve's flag names and their ATTEST_* variables, read from
// its own help.
func serveFlags(t *testing.T) (flags map[string]string) {
	t.Helper()
	var help bytes.Buffer
	if err := serve(context.Background(), []string{"-h"}, &help, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve -h: %v", err)
	}
	flags = map[string]string{}
	name := regexp.MustCompile(`^  -([a-z-]+)`)
	for _, line := range strings.Split(help.String(), "\n") {
		if m := name.FindStringSubmatch(line); m != nil {
			flags[m[1]] = env(m[1])
		}
	}
	if len(flags) < 10 || !strings.Contains(help.String(), "(ATTEST_BASE_URL)") {
		t.Fatalf("could not read serve's flags from its help:\n%s", help.String())
	}
	return flags
}

func readDeploy(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../deploy/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// flagsIn lists the --flags in a command line.
func flagsIn(line string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`--([a-z][a-z-]*)`).FindAllStringSubmatch(line, -1) {
		out = append(out, m[1])
	}
	return out
}

// attest.env.example lists exactly the variables serve reads.
func TestEnvExampleMatchesServe(t *testing.T) {
	flags := serveFlags(t)
	listed := map[string]bool{}
	for _, v := range regexp.MustCompile(`(?m)^#?(ATTEST_[A-Z_]+)=`).FindAllStringSubmatch(readDeploy(t, "attest.env.example"), -1) {
		listed[v[1]] = true
	}
	known := map[string]bool{}
	for _, v := range flags {
		known[v] = true
		if !listed[v] {
			t.Errorf("attest.env.example does not list %s", v)
		}
	}
	for v := range listed {
		if !known[v] {
			t.Errorf("attest.env.example lists %s, which serve does not read", v)
		}
	}
}

// The systemd unit runs serve with flags that exist, on its state
// directory, and waits longer than the drain before killing it.
func TestSystemdUnitMatchesServe(t *testing.T) {
	unit := readDeploy(t, "attest.service")
	flags := serveFlags(t)
	settings := map[string]string{}
	for _, line := range strings.Split(unit, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			settings[k] = v
		}
	}
	exec := settings["ExecStart"]
	if !strings.HasPrefix(exec, "/usr/local/bin/attest serve ") {
		t.Errorf("ExecStart=%s, want /usr/local/bin/attest serve …", exec)
	}
	for _, f := range flagsIn(exec) {
		if _, ok := flags[f]; !ok {
			t.Errorf("ExecStart passes --%s, which serve does not have", f)
		}
	}
	state := "/var/lib/" + settings["StateDirectory"]
	if !strings.Contains(exec, "--data "+state) || settings["ReadWritePaths"] != state {
		t.Errorf("ExecStart=%s and ReadWritePaths=%s, want both on the state directory %s", exec, settings["ReadWritePaths"], state)
	}
	if settings["EnvironmentFile"] != "/etc/attest/attest.env" {
		t.Errorf("EnvironmentFile=%s", settings["EnvironmentFile"])
	}
	stop, err := time.ParseDuration(settings["TimeoutStopSec"])
	if err != nil || stop <= server.DrainTimeout {
		t.Errorf("TimeoutStopSec=%s, want longer than the %v drain", settings["TimeoutStopSec"], server.DrainTimeout)
	}
	for _, want := range []string{"User", "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp",
		"RestrictAddressFamilies", "CapabilityBoundingSet", "Restart"} {
		if _, ok := settings[want]; !ok {
			t.Errorf("the unit does not set %s", want)
		}
	}
	if settings["User"] == "" || settings["User"] == "root" {
		t.Errorf("User=%s, want a dedicated user", settings["User"])
	}
}

// The Dockerfile builds a static binary with the Go that go.mod asks for,
// runs it as a non-root user with flags and variables that exist, and
// exposes the ports it listens on.
func TestDockerfileMatchesServe(t *testing.T) {
	docker := readDeploy(t, "Dockerfile")
	flags := serveFlags(t)
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindStringSubmatch(string(gomod))
	got := regexp.MustCompile(`(?m)^FROM golang:(\d+)\.(\d+)`).FindStringSubmatch(docker)
	if got == nil || atoi(got[1])*1000+atoi(got[2]) < atoi(want[1])*1000+atoi(want[2]) {
		t.Errorf("build image %v, want golang:%s.%s or later (go.mod)", got, want[1], want[2])
	}
	for _, line := range []string{"CGO_ENABLED=0 go build", "./cmd/attest", "VOLUME /data",
		"EXPOSE 8080 3478/tcp 3478/udp", `ENTRYPOINT ["/attest"]`, `CMD ["serve"]`} {
		if !strings.Contains(docker, line) {
			t.Errorf("the Dockerfile lacks %q", line)
		}
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(docker)
	if user == nil || strings.HasPrefix(user[1], "root") || strings.HasPrefix(user[1], "0") {
		t.Errorf("USER %v, want a non-root user", user)
	}
	known := map[string]bool{}
	for _, v := range flags {
		known[v] = true
	}
	for _, v := range regexp.MustCompile(`(ATTEST_[A-Z_]+)=`).FindAllStringSubmatch(docker, -1) {
		if !known[v[1]] {
			t.Errorf("the Dockerfile sets %s, which serve does not read", v[1])
		}
	}
	if !strings.Contains(docker, "ATTEST_ADDR=0.0.0.0:8080") || !strings.Contains(docker, "ATTEST_DATA=/data") {
		t.Error("the Dockerfile should listen on 0.0.0.0:8080 (EXPOSE) and keep its data in /data (VOLUME)")
	}
}

// docs/DEPLOY.md is reachable from the README.
func TestReadmeLinksDeploy(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "(docs/DEPLOY.md)") {
		t.Error("README.md does not link docs/DEPLOY.md")
	}
	if _, err := os.Stat("../../docs/DEPLOY.md"); err != nil {
		t.Error(err)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
