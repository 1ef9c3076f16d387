package workflow_test

import (
	"errors"
	"testing"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/workflow"
)

// Every opening of a document is audited by OpenDocument itself, whoever
// calls it; a refused opening hands nothing over and audits nothing.
func TestOpeningADocumentIsAudited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		f := newFixture(t, cfg)
		taken, agent := f.call(t, f.open(t))
		v := taken.Verification
		var doc *store.Document
		f.do(t, func(tx *store.Tx) (err error) {
			doc, err = f.wf.AddDocument(f.ctx, tx, v.FreelancerID, "", "id.png", png1x1)
			return err
		})
		before := len(f.audited(t, 0))
		stranger := f.addStaff(t, "stranger", store.RoleAgent)
		if _, _, err := f.wf.OpenDocument(f.ctx, stranger, doc.ID); !errors.Is(err, workflow.ErrNotYours) {
			t.Fatalf("a stranger opens the document: %v", err)
		}
		if got := f.audited(t, 0); len(got) != before {
			t.Fatalf("a refused opening was audited: %v", got[before:])
		}
		d, plain, err := f.wf.OpenDocument(f.ctx, agent, doc.ID)
		if err != nil || d.ID != doc.ID || string(plain) != string(png1x1) {
			t.Fatalf("the call's agent opens the document: %v", err)
		}
		if got := f.audited(t, 0); len(got) != before+1 || got[len(got)-1] != audit.DocumentOpen+" "+v.ID {
			t.Fatalf("audit after the opening: %v, want %s %s last", got, audit.DocumentOpen, v.ID)
		}
	})
}
