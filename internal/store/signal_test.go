package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// A listener hears what is published, small (byte for byte, quotes and all)
// or large, in order, and its wait
// ends when the context it was given ends: the first context, and another
// given later, whose end interrupts the wait in its turn.
func TestSignalsInOrderAndWaitEnds(t *testing.T) {
	s := storetest.Open(t, storetest.Postgres(t))
	first, cancelFirst := context.WithCancel(t.Context())
	defer cancelFirst()
	l, err := s.ListenSignals(first)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	large := strings.Repeat("x", store.MaxInlineSignal+1)
	sent := []string{`{"text":"é ✓ 'quoted' \\ m:"}`, large, "three"}
	for _, p := range sent {
		if err := s.PublishSignal(context.Background(), []byte(p), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range sent {
		got, err := l.Next(first)
		if err != nil {
			t.Fatalf("signal %d: %v", i, err)
		}
		if got != want {
			t.Fatalf("signal %d: got %.20q (%d bytes), want %.20q (%d bytes)", i, got, len(got), want, len(want))
		}
	}

	// Another context: the first one's end no longer concerns the wait...
	second, cancelSecond := context.WithCancel(t.Context())
	defer cancelSecond()
	cancelFirst()
	if err := s.PublishSignal(context.Background(), []byte("four"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Next(second); err != nil || got != "four" {
		t.Fatalf("after the first context ended: got %q, %v; want four", got, err)
	}
	// ...and the second one's end ends a wait with nothing to hear.
	waiting := make(chan error, 1)
	go func() {
		_, err := l.Next(second)
		waiting <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the wait begin; it must end either way
	cancelSecond()
	if err := <-waiting; !errors.Is(err, context.Canceled) {
		t.Fatalf("wait ended with %v, want context.Canceled", err)
	}
}
