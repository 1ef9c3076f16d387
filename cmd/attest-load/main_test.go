package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/loadtest"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// The two-node run, small: two `attest serve` processes built from this
// module on a fresh PostgreSQL schema, 20 calls across them, then 10 agents
// taking 50 waiting freelancers. The tool must find nothing lost and no
// rule broken; the figures are not checked.
func TestTwoNodes(t *testing.T) {
	cfg := storetest.Postgres(t)
	binary, err := loadtest.BuildAttest(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"--nodes", "2", "--db", cfg.DatabaseURL, "--attest", binary, "--pairs", "20",
		"--dispatch-agents", "10", "--dispatch-queue", "50", "--idle", "0", "--timeout", "3m"}, &stdout, &stderr)
	out := stdout.String()
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr.String())
	}
	for _, want := range []string{"40 open of 40", "400 messages", "lost          0 ", "relay CPU     node A ", "relay memory  allocated node A ", "batches ", "50 of 50 pages told", "0 rules broken", "result        OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// Flags that do not fit two nodes are refused before anything starts.
func TestTwoNodesFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--nodes", "2"}, // no database
		{"--nodes", "2", "--db", "postgres://x/y", "--pg-admin", "postgres://x/z"},
		{"--nodes", "2", "--db", "postgres://x/y", "--tick", "1s"},
		{"--nodes", "2", "--db", "postgres://x/y", "--addr", "127.0.0.1:1"},
		{"--nodes", "3", "--db", "postgres://x/y"},
		{"--nodes", "2", "--db", "postgres://x/y", "--dispatch-queue", "0"},
	} {
		var stderr bytes.Buffer
		if code := run(args, new(bytes.Buffer), &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage); stderr: %s", args, code, stderr.String())
		}
	}
}
