package main

import (
	"os"
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
			c := startChild(t, []string{"--data", t.TempDir()})
			if err := c.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- c.cmd.Wait() }()
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
