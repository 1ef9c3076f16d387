package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run the real main in a child process, where signals
// can be sent to it.
func TestMain(m *testing.M) {
	if os.Getenv("ATTEST_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"attest"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serve stops cleanly, exit status 0, on SIGTERM (systemd, Docker) and on
// SIGINT (Ctrl-C).
func TestServeExitsOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
				"--turn-listen", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "ATTEST_TEST_RUN_MAIN=1")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := bufio.NewScanner(stderr)
			for lines.Scan() && !strings.Contains(lines.Text(), "attest is serving") {
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			go func() {
				for lines.Scan() { // keep the pipe drained until the child exits
				}
			}()
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("serve after %v: %v, want exit status 0", sig, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("serve still running 30s after %v", sig)
			}
		})
	}
}
