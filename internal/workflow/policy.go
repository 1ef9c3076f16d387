package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// policyTTL is how long a node trusts the policy it read. A change made on
// this node is seen at once; one made on another node of a PostgreSQL
// deployment within this time.
const policyTTL = 10 * time.Second

// PolicyCache keeps the policy last read, so that the standing's hot path
// does not read it from the database on every request. Its zero value is
// ready to use; a nil *PolicyCache caches nothing.
type PolicyCache struct {
	mu     sync.Mutex
	policy verification.Policy
	readAt time.Time
	fresh  bool
}

func (c *PolicyCache) get(now time.Time) (verification.Policy, bool) {
	if c == nil {
		return verification.Policy{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A clock that went back (tests move it freely) also means read again.
	if !c.fresh || now.Before(c.readAt) || now.Sub(c.readAt) >= policyTTL {
		return verification.Policy{}, false
	}
	return c.policy, true
}

func (c *PolicyCache) put(p verification.Policy, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.policy, c.readAt, c.fresh = p, now, true
}

func (c *PolicyCache) forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fresh = false
}

// CurrentPolicy is the policy in force: the stored settings over w.Policy.
// Everything that decides something by the policy asks for it at the time
// of use, so that an admin's change applies from the next case, reminder
// or retention run on every node. Inside a transaction use policyIn.
func (w *Workflow) CurrentPolicy(ctx context.Context) (verification.Policy, error) {
	return w.policyIn(ctx, w.Store)
}

// policyReader reads the stored policy: the store, or a transaction.
type policyReader interface {
	Policy(ctx context.Context, base verification.Policy) (store.StoredPolicy, error)
}

// policyIn is CurrentPolicy read through r. Code running in a transaction
// passes the transaction: on PostgreSQL reads and writes share one pool, and
// a transaction that waits for a second connection while holding one waits
// forever once every connection is held by such a transaction (a burst of
// agents pressing "take" is enough).
func (w *Workflow) policyIn(ctx context.Context, r policyReader) (verification.Policy, error) {
	now := w.Now()
	if p, ok := w.PolicyCache.get(now); ok {
		return p, nil
	}
	stored, err := r.Policy(ctx, w.Policy)
	if err != nil {
		return verification.Policy{}, err
	}
	if tx, ok := r.(*store.Tx); ok {
		// What a transaction read is the policy in force once it commits
		// (SetPolicy's own change included).
		tx.AfterCommit(func() { w.PolicyCache.put(stored.Policy, now) })
	} else {
		w.PolicyCache.put(stored.Policy, now)
	}
	return stored.Policy, nil
}

// StoredPolicy reads the policy afresh with who changed it last, for the
// admin page.
func (w *Workflow) StoredPolicy(ctx context.Context) (store.StoredPolicy, error) {
	return w.Store.Policy(ctx, w.Policy)
}

// InvalidPolicyError lists every setting that breaks a rule.
type InvalidPolicyError struct{ Fields []*verification.FieldError }

func (e *InvalidPolicyError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return "invalid policy: " + strings.Join(msgs, "; ")
}

// SetPolicy stores the editable settings of p after checking them, and
// audits each setting that changed with its value before and after. Only
// what happens from now on follows it: jobs already queued keep their times.
func (w *Workflow) SetPolicy(ctx context.Context, tx *store.Tx, actor string, p verification.Policy) error {
	if errs := p.Check(); len(errs) > 0 {
		return &InvalidPolicyError{Fields: errs}
	}
	before, err := tx.Policy(ctx, w.Policy)
	if err != nil {
		return err
	}
	changes := policyChanges(before.Policy, p)
	if len(changes) == 0 {
		return nil
	}
	now := w.now()
	if err := tx.PutPolicy(ctx, p, actor, now); err != nil {
		return err
	}
	tx.AfterCommit(w.PolicyCache.forget)
	if !slices.Equal(before.Policy.Restrictions, p.Restrictions) {
		if err := w.announceRenamedRestrictions(ctx, tx, p, now); err != nil {
			return err
		}
	}
	return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.PolicyUpdate, Target: "policy", Details: changes}, now)
}

// announceRenamedRestrictions tells the marketplace, by standing.changed,
// the new restriction names of every freelancer restricted now: a renamed
// restriction changes their standing as surely as a decision does.
func (w *Workflow) announceRenamedRestrictions(ctx context.Context, tx *store.Tx, p verification.Policy, now time.Time) error {
	ids, err := tx.MaybeRestricted(ctx, now)
	if err != nil {
		return err
	}
	for _, id := range ids {
		cases, err := tx.StandingCases(ctx, id)
		if err != nil {
			return err
		}
		st := p.ComputeStanding(id, cases, now)
		if len(st.Restrictions) == 0 {
			continue
		}
		if err := w.announceStanding(ctx, tx, st, cases); err != nil {
			return err
		}
	}
	return nil
}

// Change is one setting's value before and after an edit.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// policyChanges names the editable settings that differ, by the names the
// admin page and the stored row use.
func policyChanges(before, after verification.Policy) map[string]Change {
	b, a := PolicySettings(before), PolicySettings(after)
	changes := map[string]Change{}
	for name, was := range b {
		if is := a[name]; fmt.Sprint(was) != fmt.Sprint(is) {
			changes[name] = Change{Before: was, After: is}
		}
	}
	return changes
}

// PolicySettings are the editable settings of p as people write them.
func PolicySettings(p verification.Policy) map[string]any {
	methods := make([]string, len(p.Methods))
	for i, m := range p.Methods {
		methods[i] = string(m)
	}
	return map[string]any{
		"grace_days":                   p.GraceDays,
		"restrictions":                 slices.Clone(p.Restrictions),
		"methods":                      methods,
		"deadline_reminders":           verification.FormatDurations(p.DeadlineReminders),
		"call_reminders":               verification.FormatDurations(p.CallReminders),
		"appeal_window_days":           int(p.AppealWindow / verification.Day),
		"retention_documents_days":     int(p.Retention.Documents / verification.Day),
		"retention_personal_data_days": int(p.Retention.PersonalData / verification.Day),
		"retention_audit_days":         int(p.Retention.Audit / verification.Day),
		"issue_credentials":            p.IssueCredentials,
	}
}
