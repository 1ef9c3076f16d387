package workflow

import (
	"context"
	"errors"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/store"
)

// VerifyAudit walks the whole hash chain of the audit log and records that
// it did, with what it found. It returns how many entries hold, and broken,
// the first break found (an *audit.BrokenError), if any; err is a failure
// to read or write.
func (w *Workflow) VerifyAudit(ctx context.Context, actor string) (checked int64, broken error, err error) {
	checked, broken = w.Store.VerifyAudit(ctx)
	var b *audit.BrokenError
	if broken != nil && !errors.As(broken, &b) {
		return checked, nil, broken
	}
	err = w.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.Verify, Target: "audit_log",
			Details: map[string]any{"checked": checked, "intact": broken == nil}}, w.now())
	})
	return checked, broken, err
}
