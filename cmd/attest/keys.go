package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/keys/rotation"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
)

// masterKeyFlags are how a command is given the master key, and the one it
// replaced during a rotation's grace period: in a file (best: readable by
// attest alone), or as the value itself (best from the environment, which
// other users cannot read, unlike a command line).
func masterKeyFlags(f flags) func(log *slog.Logger) (*keys.Ring, error) {
	file := f.str("master-key-file", "", "file holding the master key, from which every signing and sealing key derives (make one with `attest keys new`); keep it apart from the database and its backups")
	value := f.str("master-key", "", "the master key itself, 64 hex digits; prefer the environment variable or --master-key-file to the command line, which others on the machine can read")
	prevFile := f.str("previous-master-key-file", "", "after `attest keys rotate`: file holding the master key the current one replaced, which verifies links for the grace period")
	prevValue := f.str("previous-master-key", "", "after `attest keys rotate`: the master key the current one replaced, itself")
	return func(log *slog.Logger) (*keys.Ring, error) {
		current, err := readMaster("master-key", *file, *value, log)
		if err != nil {
			return nil, err
		}
		if current == nil {
			return nil, usageError{f.Name() + ": give the master key: --master-key-file FILE or ATTEST_MASTER_KEY (make one with `attest keys new`)"}
		}
		previous, err := readMaster("previous-master-key", *prevFile, *prevValue, log)
		if err != nil {
			return nil, err
		}
		return &keys.Ring{Current: current, Previous: previous}, nil
	}
}

// readMaster reads one master key from its file flag or its value flag;
// nil if neither is given.
func readMaster(name, file, value string, log *slog.Logger) (*keys.Master, error) {
	switch {
	case file != "" && value != "":
		return nil, usageError{fmt.Sprintf("give --%s-file or --%s, not both", name, name)}
	case value != "":
		m, err := keys.Parse(value)
		if err != nil {
			return nil, usageError{fmt.Sprintf("--%s: %v", name, err)}
		}
		return m, nil
	case file != "":
		if info, err := os.Stat(file); err == nil && info.Mode().Perm()&0o077 != 0 && log != nil {
			log.Warn("the master key file can be read by other users of this machine: make it readable by attest alone (chmod 600)",
				slog.String("file", file), slog.String("mode", info.Mode().Perm().String()))
		}
		return keys.ReadFile(file)
	}
	return nil, nil
}

// keysCommand runs `attest keys new|rotate|status`.
func keysCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"keys: give new, rotate or status"}
	}
	switch args[0] {
	case "new":
		f := newFlags("keys new", stderr)
		if err := f.parse(args[1:]); err != nil {
			return err
		}
		fmt.Fprintln(stdout, keys.New())
		return nil
	case "rotate":
		return keysRotate(ctx, args[1:], stdout, stderr)
	case "status":
		return keysStatus(ctx, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("keys: unknown command %q; give new, rotate or status", args[0])}
}

func keysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("keys rotate", stderr)
	nextFile := f.str("new-master-key-file", "", "file holding the new master key (make one with `attest keys new > FILE`)")
	grace := f.str("grace", "720h", "how long links signed with the current key keep working after the rotation; 0 after a leak")
	masters := masterKeyFlags(f)
	cfg := storeFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	storeCfg, err := cfg()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ring, err := masters(log)
	if err != nil {
		return err
	}
	if *nextFile == "" {
		return usageError{"keys rotate: give --new-master-key-file FILE"}
	}
	next, err := readMaster("new-master-key", *nextFile, "", log)
	if err != nil {
		return err
	}
	period, err := time.ParseDuration(*grace)
	if err != nil || period < 0 || period > 90*24*time.Hour {
		return usageError{"keys rotate: --grace must be a duration from 0 to 2160h (90 days)"}
	}
	st, err := server.Migrated(ctx, storeCfg)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	resealed, err := rotation.Rotate(ctx, st, ring, next, period, "cli", now)
	if err != nil {
		return err
	}
	until := now.Add(period).UTC().Format(time.RFC3339)
	fmt.Fprintf(stdout, `The master key is now %s; it replaced %s.
%d sealed values were sealed again under the new key.

Now restart every node with
  --master-key-file %s
  --previous-master-key-file <the old key's file>
Links signed with the old key keep working until %s; after that, remove
--previous-master-key-file and destroy the old key.
`, next.ID(), ring.Current.ID(), resealed, *nextFile, until)
	return nil
}

func keysStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("keys status", stderr)
	cfg := storeFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	storeCfg, err := cfg()
	if err != nil {
		return err
	}
	st, err := server.Migrated(ctx, storeCfg)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := rotation.Read(ctx, st)
	if err != nil {
		return err
	}
	writeKeyStatus(stdout, s, time.Now())
	return nil
}

func writeKeyStatus(w io.Writer, s *rotation.Status, now time.Time) {
	if s.Current == "" {
		fmt.Fprintln(w, "master key:   none yet (the first `attest serve` with a master key records it)")
	} else {
		fmt.Fprintf(w, "master key:   %s\n", s.Current)
	}
	if s.Previous != "" {
		state := "verifies until"
		if !now.Before(s.PreviousUntil) {
			state = "verified until"
		}
		fmt.Fprintf(w, "previous key: %s (%s %s)\n", s.Previous, state, s.PreviousUntil.Format(time.RFC3339))
	}
	if !s.LegacyPortalUntil.IsZero() {
		fmt.Fprintf(w, "portal links from before master keys work until %s\n", s.LegacyPortalUntil.Format(time.RFC3339))
	}
	if len(s.LegacyKeys) > 0 {
		fmt.Fprintf(w, "keys in plain text in the database: %s (start attest with a master key to seal them)\n", strings.Join(s.LegacyKeys, ", "))
	}
	fmt.Fprintln(w, "sealed values, by the master key they are under:")
	for _, kind := range store.SealedKinds {
		ids := make([]string, 0, len(s.Sealed[kind]))
		for id := range s.Sealed[kind] {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var parts []string
		for _, id := range ids {
			name := id
			if id == "" {
				name = "from before master keys"
			}
			parts = append(parts, fmt.Sprintf("%d under %s", s.Sealed[kind][id], name))
		}
		if len(parts) == 0 {
			parts = []string{"none"}
		}
		fmt.Fprintf(w, "  %-24s %s\n", kind, strings.Join(parts, ", "))
	}
}
