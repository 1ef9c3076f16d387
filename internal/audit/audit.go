// Package audit defines attest's append-only audit log: every staff action
// and API mutation becomes an entry whose hash covers the entry before it, so
// that changing or deleting any entry breaks the chain where it happened.
//
// Entries record who did what to which object, never the personal data
// involved: the log outlives erasure and must not keep what was erased.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Entry is one line of the audit log.
type Entry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`  // "api_key:key_…", "staff:stf_…", "system", "freelancer:…"
	Action   string          `json:"action"` // "verification.create", "staff.login", …
	Target   string          `json:"target"` // the object acted on, by id
	Details  json.RawMessage `json:"details"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// Record is what a caller asks to append; the log assigns the rest.
type Record struct {
	Actor   string
	Action  string
	Target  string
	Details any // marshalled to JSON; nil becomes {}
}

// ComputeHash is the SHA-256 over the previous hash and every field of the
// entry, each length-prefixed so that no two entries encode alike.
func (e *Entry) ComputeHash() string {
	h := sha256.New()
	for _, field := range []string{
		"attest-audit-v1",
		e.PrevHash,
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format(time.RFC3339Nano),
		e.Actor,
		e.Action,
		e.Target,
		string(e.Details),
	} {
		fmt.Fprintf(h, "%d:%s;", len(field), field)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Seal fills in the entry's hash after its previous hash and fields are set.
func (e *Entry) Seal() { e.Hash = e.ComputeHash() }

// BrokenError says where the chain stopped holding and why: Code is one
// of BrokenCodes, for each surface to word; Reason says it in English.
type BrokenError struct {
	Seq    int64
	Code   string
	Reason string
	// Other is the entry number the code refers to besides Seq: the next
	// entry present after a missing one, or, when the log ends early, how
	// many entries were written.
	Other int64
}

// Why the chain can break, as BrokenError.Code.
const (
	BrokenMissing   = "entry_missing" // an entry is gone; Other is the next present
	BrokenNotFollow = "not_following" // an entry does not follow the one before it
	BrokenChanged   = "changed"       // an entry's contents changed after it was written
	BrokenTruncated = "truncated"     // the log ends before its recorded head; Other is the head
)

// BrokenCodes are every BrokenError.Code.
var BrokenCodes = []string{BrokenMissing, BrokenNotFollow, BrokenChanged, BrokenTruncated}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", e.Seq, e.Reason)
}

// Verifier checks entries one at a time, in order, against the chain.
type Verifier struct {
	prevSeq  int64
	prevHash string
	Checked  int64
}

// Resume starts a verifier after entries that retention removed: the chain
// is checked from the last removed entry's number and hash.
func Resume(seq int64, hash string) Verifier { return Verifier{prevSeq: seq, prevHash: hash} }

// Check verifies the next entry.
func (v *Verifier) Check(e Entry) error {
	switch {
	case e.Seq != v.prevSeq+1:
		return &BrokenError{Seq: v.prevSeq + 1, Code: BrokenMissing, Other: e.Seq, Reason: fmt.Sprintf("entry missing (next present is %d)", e.Seq)}
	case e.PrevHash != v.prevHash:
		return &BrokenError{Seq: e.Seq, Code: BrokenNotFollow, Reason: "does not follow the entry before it"}
	case e.ComputeHash() != e.Hash:
		return &BrokenError{Seq: e.Seq, Code: BrokenChanged, Reason: "contents changed after it was written"}
	}
	v.prevSeq, v.prevHash = e.Seq, e.Hash
	v.Checked++
	return nil
}

// Finish compares the end of the chain with the head the log recorded, which
// catches entries deleted from the end.
func (v *Verifier) Finish(headSeq int64, headHash string) error {
	if headSeq != v.prevSeq || headHash != v.prevHash {
		return &BrokenError{Seq: v.prevSeq + 1, Code: BrokenTruncated, Other: headSeq,
			Reason: fmt.Sprintf("log ends at entry %d but %d were written", v.prevSeq, headSeq)}
	}
	return nil
}
