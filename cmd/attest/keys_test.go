package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

func TestKeysNewMakesAKey(t *testing.T) {
	out, err := attest(t, "", "keys", "new")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Parse(out); err != nil || len(strings.TrimSpace(out)) != 64 {
		t.Fatalf("keys new printed %q: %v", out, err)
	}
}

// serve refuses to start without a master key, and says how to make one.
func TestServeNeedsAMasterKey(t *testing.T) {
	t.Setenv("ATTEST_MASTER_KEY", "")
	t.Setenv("ATTEST_MASTER_KEY_FILE", "")
	out, err := attest(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "attest keys new") {
		t.Fatalf("serve without a key: %v %s", err, out)
	}
	out, err = attest(t, "", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--master-key", "abcd")
	if err == nil || !strings.Contains(err.Error(), "64 hexadecimal digits") {
		t.Fatalf("serve with a malformed key: %v %s", err, out)
	}
}

// The rotation as an operator runs it: keys rotate on the database, then
// the old key alone is refused, the new one with the old as previous is
// taken, and keys status says so.
func TestKeysRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		open := func(ring *keys.Ring) error {
			srv, err := server.Open(context.Background(), server.Config{Store: cfg, Keys: ring, BaseURL: "http://attest.test"})
			if err == nil {
				srv.Close()
			}
			return err
		}
		if err := open(keystest.Ring()); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		next := filepath.Join(dir, "next.key")
		if err := os.WriteFile(next, []byte(keys.New()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := keys.ReadFile(next)
		if err != nil {
			t.Fatal(err)
		}
		a := keystest.Ring().Current
		args := storeArgs(cfg)
		if out, err := attest(t, "", append([]string{"keys", "rotate", "--master-key", keys.New(), "--new-master-key-file", next}, args...)...); err == nil {
			t.Fatalf("rotate from a key that is not the database's: %s", out)
		}
		out, err := attest(t, "", append([]string{"keys", "rotate", "--master-key", keystest.Hex, "--new-master-key-file", next, "--grace", "48h"}, args...)...)
		if err != nil || !strings.Contains(out, b.ID()) || !strings.Contains(out, "--previous-master-key-file") {
			t.Fatalf("rotate: %v\n%s", err, out)
		}
		if err := open(keys.NewRing(a)); err == nil || !strings.Contains(err.Error(), "was replaced") {
			t.Fatalf("a node with the old key: %v", err)
		}
		if err := open(&keys.Ring{Current: b, Previous: a}); err != nil {
			t.Fatalf("a node with the new key and the old as previous: %v", err)
		}
		out, err = attest(t, "", append([]string{"keys", "status"}, args...)...)
		if err != nil || !strings.Contains(out, "master key:   "+b.ID()) || !strings.Contains(out, "previous key: "+a.ID()+" (verifies until") {
			t.Fatalf("status: %v\n%s", err, out)
		}
	})
}
