package workflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/evidence"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// ErrNotAsked refuses a document for no claim, or for one the call did not
// ask documents for, while the case waits for the documents it asked for:
// such a document would not count toward sending them.
var ErrNotAsked = &verification.FieldError{Field: "claim", Code: "not_asked",
	Message: "choose one of the claims documents were asked for"}

// MaxDocuments is how many documents one case may hold.
const MaxDocuments = 10

// ErrDocumentsOff is returned by a workflow without master keys (a CLI
// tool), which could store nothing sealed.
var ErrDocumentsOff = &verification.RuleError{Field: "file", Code: "documents_off",
	Message: "this service does not accept documents"}

// AddDocument seals a file the freelancer gives as evidence for their open
// case, for one of its claims or ("") for the case as a whole. The type is
// judged by content, never by the name or the browser's word.
func (w *Workflow) AddDocument(ctx context.Context, tx *store.Tx, freelancerID, claimKey, filename string, data []byte) (*store.Document, error) {
	if w.Keys == nil {
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

// SentBack reports who sent a case waiting on the freelancer back for a
// new call with another agent: "review" (a second reviewer), "documents"
// (the person who read the documents found they cannot settle it), or ""
// when it was not sent back.
func SentBack(v *verification.Verification, decisions []store.DecisionRecord) string {
	last := latestDecision(decisions)
	if v.Status != verification.AwaitingFreelancer || last == nil || last.Decision != verification.DecideNewCall {
		return ""
	}
	return last.Stage
}

// AddAppealDocument seals a document the freelancer gives with their
// appeal, on the case the appeal is about.
func (w *Workflow) AddAppealDocument(ctx context.Context, tx *store.Tx, a *store.Appeal, filename string, data []byte) (*store.Document, error) {
	if w.Keys == nil {
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
	if v.Status == verification.AwaitingDocuments && !slices.Contains(v.DocumentsFor, claimKey) {
		return nil, ErrNotAsked
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
	sealed, err := w.Keys.Seal(keys.Documents, d.ID, data)
	if err != nil {
		return nil, err
	}
	d.KeyID, d.Nonce, d.Sealed = sealed.KeyID, sealed.Nonce, sealed.Data
	if err := tx.AddDocument(ctx, d); err != nil {
		return nil, err
	}
	return d, tx.Audit(ctx, audit.Record{Actor: freelancerActor(v.FreelancerID), Action: audit.DocumentAdd, Target: v.ID,
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
	return tx.Audit(ctx, audit.Record{Actor: freelancerActor(freelancerID), Action: audit.DocumentRemove, Target: v.ID,
		Details: map[string]string{"document": documentID}}, w.now())
}

// OpenDocument returns a document's plain content for a staff member who
// works on its case: whoever took part in it, or anyone who reviews while
// it waits for a review or an appeal.
func (w *Workflow) OpenDocument(ctx context.Context, st *store.Staff, documentID string) (*store.Document, []byte, error) {
	if w.Keys == nil {
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
	plain, err := w.Keys.Open(keys.Documents, d.ID, keys.Sealed{KeyID: d.KeyID, Nonce: d.Nonce, Data: d.Sealed})
	if err != nil {
		return nil, nil, err
	}
	// Every opening is audited, whoever asks for it: only then is the
	// document handed over.
	err = w.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, audit.Record{Actor: staff.Actor(st.ID), Action: audit.DocumentOpen, Target: d.VerificationID,
			Details: map[string]string{"document": d.ID}}, w.now())
	})
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
		// Control and format characters (a right-to-left override can make
		// "invoice\u202Efdp.exe" read as "invoiceexe.pdf") are dropped.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' || r == utf8.RuneError {
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
	if AwaitsDocumentReview(v, decisions) {
		return true, nil // in the document queue, open to every agent
	}
	tookPart, err := w.tookPart(ctx, w.Store, v, st.ID)
	if err != nil {
		return false, err
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

// ErrDocumentsMissing is the code of documents sent without one for each
// claim the call asked documents for.
const ErrDocumentsMissing = "documents_missing"

// requestDocuments ends a call that needs documents for some claims: the
// case waits in awaiting_documents, its deadline gives the full minimum
// notice from now, and the freelancer is told which claims need which
// documents, by when.
func (w *Workflow) requestDocuments(ctx context.Context, tx *store.Tx, agentID string, v *verification.Verification, claims []string) (*verification.Verification, error) {
	now := w.now()
	v.DocumentsFor, v.UpdatedAt = claims, now
	if err := tx.UpdateVerification(ctx, v); err != nil {
		return nil, err
	}
	notice, err := w.noticeDeadline(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	if v, err = w.moveDeadlineTo(ctx, tx, v, notice, "documents were asked for"); err != nil {
		return nil, err
	}
	if v, err = w.Transition(ctx, tx, staff.Actor(agentID), v.ID, verification.AwaitingDocuments); err != nil {
		return nil, err
	}
	if err := w.sendDocumentsRequest(ctx, tx, v); err != nil {
		return nil, err
	}
	return v, tx.Audit(ctx, audit.Record{Actor: staff.Actor(agentID), Action: audit.DocumentsRequest, Target: v.ID,
		Details: map[string]any{"claims": claims}}, now)
}

func (w *Workflow) sendDocumentsRequest(ctx context.Context, tx *store.Tx, v *verification.Verification) error {
	f, link, err := w.recipient(ctx, tx, v.FreelancerID)
	if f == nil || err != nil {
		return err // erased, or failed
	}
	var claims []string
	for _, key := range v.DocumentsFor {
		c, ok := f.Claim(key)
		if !ok {
			c = verification.Claim{Key: key, Label: key} // the profile changed since: the key still names it
		}
		claims = append(claims, claimLine(c))
	}
	msg, err := notify.DocumentsRequestedMessage(f.Email, notify.DocumentsRequest{FreelancerName: f.DisplayName, PortalURL: link.URL,
		Claims: claims, Deadline: v.Deadline, TimeZone: f.TimeZone, Locale: f.Locale, Now: w.now()})
	if err != nil {
		return err
	}
	return w.queueEmail(ctx, tx, &store.Email{FreelancerID: f.ID, VerificationID: v.ID, Kind: "documents_requested"}, msg)
}

// SubmitDocuments sends the freelancer's documents for review: those a
// call asked for (awaiting_documents, one document at least for each claim
// named), or documents instead of a call (awaiting_freelancer, where the
// case offers document review; sending them is the freelancer's consent).
// The case goes to in_review, into the document queue.
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
	docs, err := tx.Documents(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	switch v.Status {
	case verification.AwaitingDocuments:
		if err := documentsCover(v, docs); err != nil {
			return nil, err
		}
	case verification.AwaitingFreelancer:
		if !v.OffersDocumentReview() {
			return nil, &verification.RuleError{Field: "accommodation", Code: "not_offered", Message: "this verification cannot be done that way"}
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
		if _, err := w.putStep(ctx, tx, v, freelancerActor(freelancerID), verification.StepConsent, "given"); err != nil {
			return nil, err
		}
	default:
		return nil, &verification.IllegalTransitionError{From: v.Status, To: verification.InReview}
	}
	return w.Transition(ctx, tx, freelancerActor(freelancerID), v.ID, verification.InReview)
}

// documentsCover returns a rule error unless every claim the call asked
// documents for has one.
func documentsCover(v *verification.Verification, docs []*store.Document) error {
	var missing []string
	for _, key := range v.DocumentsFor {
		if !slices.ContainsFunc(docs, func(d *store.Document) bool { return d.ClaimKey == key }) {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return &verification.RuleError{Field: "documents", Code: ErrDocumentsMissing,
			Message: "add a document for each claim asked for first: " + strings.Join(missing, ", ")}
	}
	return nil
}

// DocumentsDecision is a reader's decision on documents sent for review:
// an outcome per claim read, the document steps (identity_document,
// documents_authentic) and the decision.
type DocumentsDecision struct {
	Outcomes   []verification.ClaimOutcome
	Steps      map[string]string
	Decision   verification.Decision
	ReasonCode string
	Note       string
}

// documentSteps are the steps a reader of documents records.
var documentSteps = []string{verification.StepIdentityDocument, verification.StepDocumentsAuthentic}

// AwaitsDocumentReview reports whether an in_review case waits for its
// documents to be read: every case in review whose latest decision is not a
// negative (that one waits for its second reviewer). Documents were sent
// instead of a call, or a call asked for them, or a case sent back for a
// new call was answered with documents.
func AwaitsDocumentReview(v *verification.Verification, decisions []store.DecisionRecord) bool {
	last := latestDecision(decisions)
	return v.Status == verification.InReview && (last == nil || last.Decision != verification.DecideNotVerified)
}

// DecideDocuments records a reading of the documents sent for review and
// its decision, by someone who took no part in the case (documents a call
// asked for are never read by the agent who asked). What the reader records
// counts with what the call recorded: verified needs every required step
// and every claim confirmed (verification.DecideReading); not_verified
// waits, as after a call, for a second reviewer; new_call sends the case
// back to the freelancer for a call, as a second reviewer's new call does.
func (w *Workflow) DecideDocuments(ctx context.Context, tx *store.Tx, readerID, verificationID string, d DocumentsDecision) (*verification.Verification, error) {
	v, err := tx.LockVerification(ctx, verificationID)
	if err != nil {
		return nil, err
	}
	decisions, err := tx.Decisions(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	if !AwaitsDocumentReview(v, decisions) {
		return nil, ErrNotDocumentReview
	}
	if took, err := w.tookPart(ctx, tx, v, readerID); err != nil || took {
		return nil, cmp.Or(err, error(ErrOwnDecision))
	}
	if err := checkReading(v, d); err != nil {
		return nil, err
	}
	now := w.now()
	for _, step := range documentSteps {
		if result, ok := d.Steps[step]; ok {
			if _, err := w.putStep(ctx, tx, v, staff.Actor(readerID), step, result); err != nil {
				return nil, err
			}
		}
	}
	for _, o := range d.Outcomes {
		if err := tx.PutClaimOutcome(ctx, v.ID, readerID, o, now); err != nil {
			return nil, err
		}
	}
	ev, err := w.Recorded(ctx, tx, v)
	if err != nil {
		return nil, err
	}
	next, err := verification.DecideReading(v, ev, d.Decision, d.ReasonCode)
	if err != nil {
		return nil, err
	}
	reason := ""
	if d.Decision == verification.DecideNotVerified {
		reason = d.ReasonCode
	}
	err = tx.InsertDecision(ctx, &store.DecisionRecord{ID: store.NewID("dec", now), VerificationID: v.ID, StaffID: readerID,
		Stage: "documents", Decision: d.Decision, ReasonCode: reason, Note: d.Note, DecidedAt: now})
	if err != nil {
		return nil, err
	}
	switch {
	case next == verification.AwaitingFreelancer:
		v, err = w.sendBackForCall(ctx, tx, staff.Actor(readerID), v, notify.WhyDocumentsNeedCall)
	case next != v.Status:
		v, err = w.Transition(ctx, tx, staff.Actor(readerID), v.ID, next)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, audit.Record{Actor: staff.Actor(readerID), Action: audit.DocumentsDecide, Target: v.ID,
		Details: map[string]string{"decision": string(d.Decision)}}, now); err != nil {
		return nil, err
	}
	w.decided(tx, "documents", d.Decision)
	return v, nil
}

// OutcomeNoteField is the field a refused note on one claim's outcome in a
// reading of documents names ("outcomes.location.note"): the reading has a
// note per claim beside its decision's note.
func OutcomeNoteField(claim string) string { return "outcomes." + claim + ".note" }

// checkReading validates a document reading before anything is written:
// outcomes for the case's claims (each claim a call asked documents for
// among them), the document steps only, and notes about the evidence.
func checkReading(v *verification.Verification, d DocumentsDecision) error {
	for _, o := range d.Outcomes {
		if err := o.Validate(v); err != nil {
			return err
		}
		if err := checkNote(OutcomeNoteField(o.Key), o.Note); err != nil {
			return err
		}
	}
	for _, key := range v.DocumentsFor {
		if !slices.ContainsFunc(d.Outcomes, func(o verification.ClaimOutcome) bool { return o.Key == key }) {
			return &verification.RuleError{Field: "outcomes." + key, Code: "outcome_missing", Message: fmt.Sprintf("record an outcome for %q: documents were asked for it", key)}
		}
	}
	for step, result := range d.Steps {
		if !slices.Contains(documentSteps, step) {
			return &verification.FieldError{Field: "step", Code: "unknown_step", Message: fmt.Sprintf("%q is not a step of a document reading", step)}
		}
		if err := verification.CheckStep(step, result); err != nil {
			return err
		}
	}
	return checkNote("note", d.Note)
}
