package audit

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func chain(n int) []Entry {
	var out []Entry
	prev := ""
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 1; i <= n; i++ {
		e := Entry{Seq: int64(i), At: t0.Add(time.Duration(i) * time.Second), Actor: "system",
			Action: "test.step", Target: "t", Details: json.RawMessage(`{}`), PrevHash: prev}
		e.Seal()
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(entries []Entry, headSeq int64, headHash string) error {
	var v Verifier
	for _, e := range entries {
		if err := v.Check(e); err != nil {
			return err
		}
	}
	return v.Finish(headSeq, headHash)
}

func TestChain(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func([]Entry) []Entry
		wantSeq int64 // 0: the chain holds
	}{
		{"intact", func(e []Entry) []Entry { return e }, 0},
		{"changed action", func(e []Entry) []Entry { e[2].Action = "other"; return e }, 3},
		{"changed and rehashed", func(e []Entry) []Entry { e[2].Actor = "x"; e[2].Seal(); return e }, 4},
		{"deleted middle", func(e []Entry) []Entry { return append(e[:1:1], e[2:]...) }, 2},
		{"deleted last", func(e []Entry) []Entry { return e[:4] }, 5},
		{"reordered", func(e []Entry) []Entry { e[1], e[2] = e[2], e[1]; return e }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries := chain(5)
			head := entries[4]
			err := verify(tt.tamper(entries), head.Seq, head.Hash)
			var be *BrokenError
			switch {
			case tt.wantSeq == 0 && err != nil:
				t.Fatalf("intact chain reported broken: %v", err)
			case tt.wantSeq != 0 && !errors.As(err, &be):
				t.Fatalf("tampering not caught: %v", err)
			case tt.wantSeq != 0 && be.Seq != tt.wantSeq:
				t.Fatalf("broken at %d, want %d (%v)", be.Seq, tt.wantSeq, err)
			}
		})
	}
}
