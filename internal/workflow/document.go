package workflow

import (
	"context"
	"errors"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/evidence"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// MaxDocuments is how many documents one case may hold.
const MaxDocuments = 10

// ErrDocumentsOff is returned when attest runs without a document key, so
// that nothing could be stored encrypted.
var ErrDocumentsOff = &verification.RuleError{Field: "file", Code: "documents_off",
	Message: "this service does not accept documents"}

// AddDocument seals a file the freelancer gives as evidence for their open
// case, for one of its claims or ("") for the case as a whole. The type is
// judged by content, never by the name or the browser's word.
func (w *Workflow) AddDocument(ctx context.Context, tx *store.Tx, freelancerID, claimKey, filename string, data []byte) (*store.Document, error) {
	if w.Evidence == nil {
		return nil, ErrDocumentsOff
	}
	v, err := tx.OpenVerification(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoOpenCase
	}
	if err != nil {
		return nil, err
	}
	return w.addDocument(ctx, tx, v, claimKey, filename, data)
}

// AddAppealDocument seals a document the freelancer gives with their
// appeal, on the case the appeal is about.
func (w *Workflow) AddAppealDocument(ctx context.Context, tx *store.Tx, a *store.Appeal, filename string, data []byte) (*store.Document, error) {
	if w.Evidence == nil {
		return nil, ErrDocumentsOff
	}
	v, err := tx.Verification(ctx, a.VerificationID)
	if err != nil {
		return nil, err
	}
	return w.addDocument(ctx, tx, v, "", filename, data)
}

func (w *Workflow) addDocument(ctx context.Context, tx *store.Tx, v *verification.Verification, claimKey, filename string, data []byte) (*store.Document, error) {
	contentType, err := evidence.Sniff(data)
	if err != nil {
		code := "unsupported_type"
		switch {
		case errors.Is(err, evidence.ErrEmpty):
			code = "empty"
		case errors.Is(err, evidence.ErrTooLarge):
			code = "too_large"
		}
		return nil, &verification.FieldError{Field: "file", Code: code, Message: err.Error()}
	}
	if claimKey != "" && !slices.Contains(v.Claims, claimKey) {
		return nil, &verification.FieldError{Field: "claim", Code: "unknown_claim", Message: "this verification has no such claim"}
	}
	existing, err := tx.Documents(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	if len(existing) >= MaxDocuments {
		return nil, &verification.RuleError{Field: "file", Code: "too_many_documents",
			Message: "at most 10 documents per verification; remove one first"}
	}
	now := w.now()
	d := &store.Document{ID: store.NewID("doc", now), VerificationID: v.ID, FreelancerID: v.FreelancerID,
		ClaimKey: claimKey, Filename: cleanFilename(filename, contentType), ContentType: contentType,
		Size: int64(len(data)), CreatedAt: now}
	if d.Nonce, d.Sealed, err = w.Evidence.Seal(d.ID, data); err != nil {
		return nil, err
	}
	if err := tx.AddDocument(ctx, d); err != nil {
		return nil, err
	}
	return d, tx.Audit(ctx, audit.Record{Actor: freelancerActor(v.FreelancerID), Action: "document.add", Target: v.ID,
		Details: map[string]any{"document": d.ID, "type": contentType, "size": d.Size}}, now)
}

// RemoveDocument deletes one of the freelancer's documents while their case
// is open.
func (w *Workflow) RemoveDocument(ctx context.Context, tx *store.Tx, freelancerID, documentID string) error {
	v, err := tx.OpenVerification(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoOpenCase
	}
	if err != nil {
		return err
	}
	d, err := tx.Document(ctx, documentID)
	if err != nil {
		return err
	}
	if d.VerificationID != v.ID || d.FreelancerID != freelancerID {
		return store.ErrNotFound
	}
	if err := tx.DeleteDocument(ctx, freelancerID, documentID); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Actor: freelancerActor(freelancerID), Action: "document.remove", Target: v.ID,
		Details: map[string]string{"document": documentID}}, w.now())
}

// OpenDocument returns a document's plain content for a staff member who
// works on its case: whoever took part in it, or anyone who reviews while
// it waits for a review or an appeal.
func (w *Workflow) OpenDocument(ctx context.Context, st *store.Staff, documentID string) (*store.Document, []byte, error) {
	if w.Evidence == nil {
		return nil, nil, ErrDocumentsOff
	}
	d, err := w.Store.Document(ctx, documentID)
	if err != nil {
		return nil, nil, err
	}
	ok, err := w.worksOn(ctx, st, d.VerificationID)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, ErrNotYours
	}
	plain, err := w.Evidence.Open(d.ID, d.Nonce, d.Sealed)
	if err != nil {
		return nil, nil, err
	}
	return d, plain, nil
}

// cleanFilename keeps a name a person will recognise, without paths,
// control characters or a misleading extension.
func cleanFilename(name, contentType string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	ext := evidence.Extensions[contentType]
	fits := func(n string) bool {
		lower := strings.ToLower(n)
		return strings.HasSuffix(lower, ext) || ext == ".jpg" && strings.HasSuffix(lower, ".jpeg")
	}
	if !fits(name) {
		name = strings.TrimSuffix(name, path.Ext(name))
		if !fits(name) {
			name += ext
		}
	}
	if name == ext || name == "." || name == "/" {
		name = "document" + ext
	}
	return name
}

// ErrNotYours is returned when a staff member asks for evidence of a case
// they are not working on.
var ErrNotYours = &verification.RuleError{Field: "document", Code: "not_your_case",
	Message: "only the staff working on this verification may see its documents"}

// worksOn reports whether st is working on the case now: the agent in its
// call, any staff member while its documents wait in the document queue, a
// reviewer who took no part while it waits for a second review, or a
// supervisor who took no part while an appeal waits.
func (w *Workflow) worksOn(ctx context.Context, st *store.Staff, verificationID string) (bool, error) {
	call, err := w.Store.LiveCall(ctx, verificationID)
	switch {
	case err == nil && call.AgentID == st.ID:
		return true, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return false, err
	}
	v, err := w.Store.Verification(ctx, verificationID)
	if err != nil {
		return false, err
	}
	decisions, err := w.Store.Decisions(ctx, verificationID)
	if err != nil {
		return false, err
	}
	tookPart := slices.ContainsFunc(decisions, func(d store.DecisionRecord) bool { return d.StaffID == st.ID })
	if v.Status == verification.InReview && len(decisions) == 0 {
		return v.Accommodation == verification.DocumentReview, nil // in the document queue, open to every agent
	}
	if v.Status == verification.InReview {
		return st.Reviews() && !tookPart, nil
	}
	appeal, err := w.Store.AppealOf(ctx, verificationID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	supervisor := st.Role == store.RoleSupervisor || st.Role == store.RoleAdmin
	return appeal.Status == store.AppealOpen && supervisor && !tookPart, nil
}

// ErrNoDocuments is returned when a freelancer sends their documents for
// review before giving any.
var ErrNoDocuments = &verification.RuleError{Field: "documents", Code: "no_documents",
	Message: "add at least one document first"}

// ErrNotDocumentReview is returned when documents are decided on a case
// that is not waiting for a document review.
var ErrNotDocumentReview = &verification.RuleError{Field: "verification", Code: "not_in_document_review",
	Message: "this verification is not waiting for a document review"}

// SubmitDocuments sends the freelancer's documents for review instead of a
// call: the case goes from awaiting_freelancer to in_review, where an agent
// reads the documents and records the same per-claim outcomes.
// A reason, when given, replaces the one kept with an earlier accommodation.
func (w *Workflow) SubmitDocuments(ctx context.Context, tx *store.Tx, freelancerID, reason string) (*verification.Verification, error) {
	reason, err := accommodationReason(reason)
	if err != nil {
		return nil, err
	}
	v, err := tx.OpenVerification(ctx, freelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoOpenCase
	}
	if err != nil {
		return nil, err
	}
	if !v.OffersDocumentReview() {
		return nil, &verification.RuleError{Field: "accommodation", Code: "not_offered", Message: "this verification cannot be done that way"}
	}
	if v.Status != verification.AwaitingFreelancer {
		return nil, &verification.IllegalTransitionError{From: v.Status, To: verification.InReview}
	}
	docs, err := tx.Documents(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, ErrNoDocuments
	}
	if reason == "" {
		reason = v.AccommodationReason
	}
	if err := tx.SetAccommodation(ctx, v.ID, verification.DocumentReview, reason); err != nil {
		return nil, err
	}
	return w.Transition(ctx, tx, freelancerActor(freelancerID), v.ID, verification.InReview)
}

// DecideDocuments records an agent's reading of the documents sent for
// review: an outcome for every claim and a decision. Verified closes the
// case; not_verified waits, as after a call, for a second reviewer.
func (w *Workflow) DecideDocuments(ctx context.Context, tx *store.Tx, agentID, verificationID string, outcomes []verification.ClaimOutcome, d verification.Decision, reasonCode, note string) (*verification.Verification, error) {
	v, err := tx.LockVerification(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	decisions, err := tx.Decisions(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	if v.Status != verification.InReview || v.Accommodation != verification.DocumentReview || len(decisions) > 0 {
		return nil, ErrNotDocumentReview
	}
	if d != verification.DecideVerified && d != verification.DecideNotVerified {
		return nil, &verification.FieldError{Field: "decision", Code: "invalid", Message: "must be verified or not_verified"}
	}
	for _, o := range outcomes {
		if err := o.Validate(v); err != nil {
			return nil, err
		}
		if err := checkNote(o.Note); err != nil {
			return nil, err
		}
	}
	if err := checkNote(note); err != nil {
		return nil, err
	}
	next, err := verification.Decide(v, outcomes, d, reasonCode)
	if err != nil {
		return nil, err
	}
	now := w.now()
	for _, o := range outcomes {
		if err := tx.PutClaimOutcome(ctx, v.ID, agentID, o, now); err != nil {
			return nil, err
		}
	}
	err = tx.InsertDecision(ctx, &store.DecisionRecord{ID: store.NewID("dec", now), VerificationID: v.ID, StaffID: agentID,
		Stage: "documents", Decision: d, ReasonCode: reasonCode, Note: note, DecidedAt: now})
	if err != nil {
		return nil, err
	}
	if next != v.Status {
		if v, err = w.Transition(ctx, tx, staffActor(agentID), v.ID, next); err != nil {
			return nil, err
		}
	}
	if err := tx.Audit(ctx, audit.Record{Actor: staffActor(agentID), Action: "documents.decide", Target: v.ID,
		Details: map[string]string{"decision": string(d)}}, now); err != nil {
		return nil, err
	}
	w.decided(tx, "documents", d)
	return v, nil
}
