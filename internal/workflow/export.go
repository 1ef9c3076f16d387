package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/credential"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// ExportFormat names the layout of a freelancer's export. Fields may be
// added within a format; a field renamed, removed or changed in meaning
// makes a new one.
const ExportFormat = "attest.freelancer-export.v1"

// Export is everything attest holds about one freelancer, for the
// freelancer's right of access and to portability (GDPR Art. 15 and 20):
// the API's GET /v1/freelancers/{id}/export and the portal's download are
// this document. Staff appear by their role, never by name or id; the
// tokens that open the portal and the sealed form of documents are left out.
type Export struct {
	Format       string    `json:"format"`
	ExportedAt   time.Time `json:"exported_at"`
	FreelancerID string    `json:"freelancer_id"`
	// ErasedAt is when the freelancer's personal data was erased; what
	// remains then is ids, statuses, reason codes and times.
	ErasedAt *time.Time `json:"erased_at"`
	// Profile is the profile as last put; nil once erased.
	Profile       *verification.Freelancer `json:"profile"`
	Standing      verification.Standing    `json:"standing"`
	Verifications []ExportedCase           `json:"verifications"`
	// Events are the changes as the marketplace received them, by feed
	// and webhook.
	Events        []store.Event     `json:"events"`
	Emails        []ExportedEmail   `json:"emails"`
	PortalLinks   []ExportedLink    `json:"portal_links"`
	PhoneHandoffs []ExportedHandoff `json:"phone_handoffs"`
	// Notes say what the document leaves out, and why.
	Notes []string `json:"notes"`
}

// ExportedCase is one verification with everything recorded on it.
type ExportedCase struct {
	ID                  string                     `json:"id"`
	Status              verification.Status        `json:"status"`
	Reason              verification.Reason        `json:"reason"`
	Claims              []string                   `json:"claims"`
	Methods             []verification.Method      `json:"methods"`
	Accommodation       verification.Accommodation `json:"accommodation"`
	AccommodationReason string                     `json:"accommodation_reason"`
	DocumentsFor        []string                   `json:"documents_for"`
	Deadline            time.Time                  `json:"deadline"`
	ScheduledFor        *time.Time                 `json:"scheduled_for"`
	CreatedAt           time.Time                  `json:"created_at"`
	UpdatedAt           time.Time                  `json:"updated_at"`
	ClosedAt            *time.Time                 `json:"closed_at"`
	AppealUntil         *time.Time                 `json:"appeal_until"`
	AppealUpheldAt      *time.Time                 `json:"appeal_upheld_at"`
	// Statement is the statement of reasons of a confirmed negative
	// decision or of a passed deadline; nil when there is nothing negative.
	Statement     *verification.Statement   `json:"statement"`
	QueuePlace    *ExportedQueuePlace       `json:"queue_place"`
	Bookings      []ExportedBooking         `json:"bookings"`
	Calls         []ExportedCall            `json:"calls"`
	Steps         []verification.StepRecord `json:"steps"`
	ClaimOutcomes []ExportedOutcome         `json:"claim_outcomes"`
	Decisions     []ExportedDecision        `json:"decisions"`
	Documents     []ExportedDocument        `json:"documents"`
	Appeal        *ExportedAppeal           `json:"appeal"`
	// DigitalIDs are the requests for a digital credential on the case.
	DigitalIDs []ExportedDigitalID `json:"digital_ids"`
}

// ExportedDigitalID is one request for a digital ID: how the wallet was
// reached, which credential claims were asked for, how it ended (result
// verified, mismatch or refused, with the refusal's code as reason), and
// what the credential said of each claim. The request's id, nonce and
// state are left out, for they answer it; the credential and the values
// it disclosed were never kept.
type ExportedDigitalID struct {
	Transport  string                   `json:"transport"`
	Asked      []string                 `json:"asked"`
	CreatedAt  time.Time                `json:"created_at"`
	ExpiresAt  time.Time                `json:"expires_at"`
	AnsweredAt *time.Time               `json:"answered_at"`
	Result     string                   `json:"result"`
	Reason     string                   `json:"reason"`
	Findings   []ExportedDigitalFinding `json:"findings"`
}

// ExportedDigitalFinding is what a verified credential said of one claim.
type ExportedDigitalFinding struct {
	Claim          string    `json:"claim"`
	Matched        bool      `json:"matched"`
	Issuer         string    `json:"issuer"`
	CredentialType string    `json:"credential_type"`
	VerifiedAt     time.Time `json:"verified_at"`
}

// ExportedQueuePlace is the case's place in the live queue, while it has one.
type ExportedQueuePlace struct {
	JoinedAt   time.Time  `json:"joined_at"`
	AwaySince  *time.Time `json:"away_since"`
	NotifiedAt *time.Time `json:"notified_at"`
}

// ExportedBooking is a call slot booked for the case; With is the role of
// the staff member it was booked with.
type ExportedBooking struct {
	ID        string              `json:"id"`
	StartsAt  time.Time           `json:"starts_at"`
	EndsAt    time.Time           `json:"ends_at"`
	Status    store.BookingStatus `json:"status"`
	With      string              `json:"with"`
	CreatedAt time.Time           `json:"created_at"`
	UpdatedAt time.Time           `json:"updated_at"`
}

// ExportedCall is one call. Calls are never recorded: what is kept is
// when, with whom (by role), the notes the agent kept beside the script,
// and the live check chosen for it.
type ExportedCall struct {
	ID          string              `json:"id"`
	With        string              `json:"with"`
	StartedAt   time.Time           `json:"started_at"`
	EndedAt     *time.Time          `json:"ended_at"`
	ScriptNotes json.RawMessage     `json:"script_notes"`
	Challenges  []ExportedChallenge `json:"challenges"`
}

// ExportedChallenge is one challenge of a call's live check: its key, the
// words the freelancer's page shows for it (in their language), when the
// agent showed it (null: never shown), and what the agent recorded, "done"
// or "failed" ("" when nothing was). Results are kept for the case's latest
// call only: a new call checks everything afresh.
type ExportedChallenge struct {
	Key        string     `json:"key"`
	Text       string     `json:"text"`
	ShownAt    *time.Time `json:"shown_at"`
	Result     string     `json:"result"`
	RecordedAt *time.Time `json:"recorded_at"`
}

// ExportedOutcome is what was found about one claim, by whom (a role).
type ExportedOutcome struct {
	Claim      string               `json:"claim"`
	Outcome    verification.Outcome `json:"outcome"`
	Note       string               `json:"note"`
	By         string               `json:"by"`
	RecordedAt time.Time            `json:"recorded_at"`
}

// ExportedDecision is one person's decision on the case, by role.
type ExportedDecision struct {
	Stage      string                `json:"stage"`
	Decision   verification.Decision `json:"decision"`
	ReasonCode string                `json:"reason_code"`
	Note       string                `json:"note"`
	By         string                `json:"by"`
	DecidedAt  time.Time             `json:"decided_at"`
}

// ExportedDocument is a document the freelancer gave. Content is the file
// itself (base64 in JSON) when this service can open it; ContentNote says
// why it is missing otherwise.
type ExportedDocument struct {
	ID          string    `json:"id"`
	Claim       string    `json:"claim"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	Content     []byte    `json:"content_base64"`
	ContentNote string    `json:"content_note,omitempty"`
}

// ExportedAppeal is the freelancer's appeal and its outcome.
type ExportedAppeal struct {
	ID        string             `json:"id"`
	Statement string             `json:"statement"`
	Status    store.AppealStatus `json:"status"`
	CreatedAt time.Time          `json:"created_at"`
	DecidedBy string             `json:"decided_by"`
	DecidedAt *time.Time         `json:"decided_at"`
	Note      string             `json:"note"`
}

// ExportedEmail is a message attest wrote to the freelancer, as sent, with
// the links to the portal shortened (see portalTokens).
type ExportedEmail struct {
	ID             string     `json:"id"`
	VerificationID string     `json:"verification_id"`
	Kind           string     `json:"kind"`
	To             string     `json:"to"`
	Subject        string     `json:"subject"`
	Text           string     `json:"text"`
	HTML           string     `json:"html"`
	Calendar       string     `json:"calendar"`
	CreatedAt      time.Time  `json:"created_at"`
	SentAt         *time.Time `json:"sent_at"`
}

// ExportedLink is a portal link, without the token that opens it.
type ExportedLink struct {
	ID        string     `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// ExportedHandoff is a code that moved the portal to a phone, without the code.
type ExportedHandoff struct {
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
}

// Filename is the name the export is offered for download under.
func (e *Export) Filename() string { return "attest-export-" + e.FreelancerID + ".json" }

// File is the export as the file the API and the portal send: indented
// JSON, for a person may read it as well as a program.
func (e *Export) File() ([]byte, error) {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the export of %s: %w", e.FreelancerID, err)
	}
	return b, nil
}

// exportNotes say what every export leaves out.
var exportNotes = []string{
	"Calls are never recorded: no video, audio or images of a call exist to export.",
	"Staff members appear by their role (agent, supervisor, admin), not by name.",
	"Portal links and phone hand-off codes are listed without the tokens that open them; links to the portal in emails end in /v/… for the same reason.",
	"Digital IDs: each request lists what was asked and how it ended; the credential and the values it disclosed were never kept.",
}

// Export gathers everything held about a freelancer, erased or not, and
// records in the audit log that actor exported it. A freelancer attest
// never saw is store.ErrNotFound.
func (w *Workflow) Export(ctx context.Context, actor, freelancerID string) (*Export, error) {
	rec, err := w.Store.FreelancerRecords(ctx, freelancerID)
	if err != nil {
		return nil, err
	}
	e := &Export{Format: ExportFormat, ExportedAt: w.now(), FreelancerID: freelancerID, ErasedAt: rec.ErasedAt,
		Events: rec.Events, Notes: slices.Clone(exportNotes)}
	if e.Events == nil {
		e.Events = []store.Event{}
	}
	if rec.ErasedAt == nil {
		e.Profile = rec.Freelancer
	} else {
		e.Notes = append(e.Notes, "The freelancer's personal data was erased at "+rec.ErasedAt.Format(time.RFC3339)+
			": what remains are ids, statuses, reason codes and times.")
	}
	if e.Standing, err = w.Standing(ctx, freelancerID); err != nil {
		return nil, err
	}
	roles := staffRoles{store: w.Store, known: map[string]string{}}
	if e.Verifications, err = w.exportedCases(ctx, rec, &roles); err != nil {
		return nil, err
	}
	e.Emails, e.PortalLinks, e.PhoneHandoffs = exportedMessages(rec)
	err = w.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, audit.Record{Actor: actor, Action: audit.FreelancerExport, Target: freelancerID,
			Details: map[string]int{"verifications": len(rec.Verifications), "documents": len(rec.Documents)}}, e.ExportedAt)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// exportedCases lays out each case with the rows recorded on it.
func (w *Workflow) exportedCases(ctx context.Context, rec *store.FreelancerRecords, roles *staffRoles) ([]ExportedCase, error) {
	cases := make([]ExportedCase, 0, len(rec.Verifications))
	index := map[string]int{}
	for _, v := range rec.Verifications {
		c := ExportedCase{ID: v.ID, Status: v.Status, Reason: v.Reason, Claims: v.Claims, Methods: v.Methods,
			Accommodation: v.Accommodation, AccommodationReason: v.AccommodationReason, DocumentsFor: v.DocumentsFor,
			Deadline: v.Deadline, ScheduledFor: v.ScheduledFor, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
			ClosedAt: v.ClosedAt, AppealUntil: v.AppealUntil, AppealUpheldAt: v.AppealUpheldAt,
			Bookings: []ExportedBooking{}, Calls: []ExportedCall{}, Steps: []verification.StepRecord{},
			ClaimOutcomes: []ExportedOutcome{}, Decisions: []ExportedDecision{}, Documents: []ExportedDocument{},
			DigitalIDs: exportedDigitalIDs(rec.CredentialAttempts[v.ID], rec.CredentialEvidence[v.ID])}
		var err error
		if c.Statement, err = w.Statement(ctx, w.Store, v); err != nil {
			return nil, err
		}
		for _, s := range rec.Steps[v.ID] {
			s.By = roles.ofActor(ctx, s.By)
			c.Steps = append(c.Steps, s)
		}
		for _, o := range rec.Outcomes[v.ID] {
			by := digitalCredential // an outcome with no staff member was recorded by a credential
			if o.StaffID != "" {
				by = roles.of(ctx, o.StaffID)
			}
			c.ClaimOutcomes = append(c.ClaimOutcomes, ExportedOutcome{Claim: o.Key, Outcome: o.Outcome, Note: o.Note,
				By: by, RecordedAt: o.RecordedAt})
		}
		for _, d := range rec.Decisions[v.ID] {
			c.Decisions = append(c.Decisions, ExportedDecision{Stage: d.Stage, Decision: d.Decision, ReasonCode: d.ReasonCode,
				Note: d.Note, By: roles.of(ctx, d.StaffID), DecidedAt: d.DecidedAt})
		}
		index[v.ID] = len(cases)
		cases = append(cases, c)
	}
	w.placeCaseRows(ctx, rec, cases, index, roles)
	return cases, roles.err
}

// digitalCredential is who recorded an outcome a digital credential confirmed.
const digitalCredential = "digital credential"

// exportedDigitalIDs lays out a case's requests for a digital ID.
func exportedDigitalIDs(attempts []*store.CredentialAttempt, evidence []store.CredentialEvidence) []ExportedDigitalID {
	out := []ExportedDigitalID{}
	for _, a := range attempts {
		d := ExportedDigitalID{Transport: a.Transport, Asked: []string{}, CreatedAt: a.CreatedAt, ExpiresAt: a.ExpiresAt,
			AnsweredAt: a.AnsweredAt, Result: a.Result, Reason: a.Reason, Findings: []ExportedDigitalFinding{}}
		if q, err := credential.DecodeQuery(a.Query); err == nil {
			for _, cq := range q.Credentials {
				for _, claim := range cq.Claims {
					d.Asked = append(d.Asked, strings.Join(claim.Path, "."))
				}
			}
		}
		for _, e := range evidence {
			if e.AttemptID == a.ID {
				d.Findings = append(d.Findings, ExportedDigitalFinding{Claim: e.ClaimKey, Matched: e.Matched, Issuer: e.Issuer,
					CredentialType: e.Type, VerifiedAt: e.VerifiedAt})
			}
		}
		out = append(out, d)
	}
	return out
}

// placeCaseRows puts the rows that name a case (queue places, bookings,
// calls, documents, appeals) into it.
func (w *Workflow) placeCaseRows(ctx context.Context, rec *store.FreelancerRecords, cases []ExportedCase, index map[string]int, roles *staffRoles) {
	caseOf := func(verificationID string) *ExportedCase {
		if i, ok := index[verificationID]; ok {
			return &cases[i]
		}
		return nil
	}
	for _, q := range rec.QueuePlaces {
		if c := caseOf(q.VerificationID); c != nil {
			c.QueuePlace = &ExportedQueuePlace{JoinedAt: q.JoinedAt, AwaySince: q.AwaySince, NotifiedAt: q.NotifiedAt}
		}
	}
	for _, b := range rec.Bookings {
		if c := caseOf(b.VerificationID); c != nil {
			c.Bookings = append(c.Bookings, ExportedBooking{ID: b.ID, StartsAt: b.Start, EndsAt: b.End, Status: b.Status,
				With: roles.of(ctx, b.AgentID), CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt})
		}
	}
	for _, call := range rec.Calls {
		if c := caseOf(call.VerificationID); c != nil {
			notes := call.Script
			if !json.Valid(notes) {
				notes = json.RawMessage("{}")
			}
			c.Calls = append(c.Calls, ExportedCall{ID: call.ID, With: roles.of(ctx, call.AgentID), StartedAt: call.StartedAt,
				EndedAt: call.EndedAt, ScriptNotes: notes, Challenges: exportedChallenges(rec.Freelancer, c, call)})
		}
	}
	for i := range cases {
		recordChallengeResults(&cases[i])
	}
	for _, d := range rec.Documents {
		if c := caseOf(d.VerificationID); c != nil {
			c.Documents = append(c.Documents, w.exportedDocument(d))
		}
	}
	for _, a := range rec.Appeals {
		if c := caseOf(a.VerificationID); c != nil {
			decidedBy := ""
			if a.DecidedBy != "" {
				decidedBy = roles.of(ctx, a.DecidedBy)
			}
			c.Appeal = &ExportedAppeal{ID: a.ID, Statement: a.Statement, Status: a.Status, CreatedAt: a.CreatedAt,
				DecidedBy: decidedBy, DecidedAt: a.DecidedAt, Note: a.Note}
		}
	}
}

// exportedChallenges lays out a call's live check in the words the
// freelancer's page shows (English once the profile, with its locale, is
// erased).
func exportedChallenges(f *verification.Freelancer, c *ExportedCase, call *store.Call) []ExportedChallenge {
	locale := ""
	if f != nil {
		locale = f.Locale
	}
	mode := (&verification.Verification{Accommodation: c.Accommodation}).Mode()
	out := []ExportedChallenge{}
	for _, ch := range verification.CallChallenges(mode, call.ID, call.Challenges) {
		out = append(out, ExportedChallenge{Key: ch.Key, Text: WordChallenge(locale, ch).Text, ShownAt: ch.ShownAt})
	}
	return out
}

// recordChallengeResults puts the case's recorded challenge steps on the
// challenges of its latest call, the call they were recorded in.
func recordChallengeResults(c *ExportedCase) {
	latest := -1
	for i, call := range c.Calls {
		if latest < 0 || !call.StartedAt.Before(c.Calls[latest].StartedAt) {
			latest = i
		}
	}
	if latest < 0 {
		return
	}
	for i := range c.Calls[latest].Challenges {
		ch := &c.Calls[latest].Challenges[i]
		for _, s := range c.Steps {
			if s.Step == verification.ChallengeStep(ch.Key) {
				at := s.At
				ch.Result, ch.RecordedAt = s.Result, &at
			}
		}
	}
}

// exportedDocument opens a document for its owner's export, when this
// service holds the keys to it.
func (w *Workflow) exportedDocument(d *store.Document) ExportedDocument {
	out := ExportedDocument{ID: d.ID, Claim: d.ClaimKey, Filename: d.Filename, ContentType: d.ContentType, Size: d.Size,
		CreatedAt: d.CreatedAt}
	if w.Keys == nil {
		out.ContentNote = "not opened: this program holds no keys to open documents"
		return out
	}
	plain, err := w.Keys.Open(keys.Documents, d.ID, keys.Sealed{KeyID: d.KeyID, Nonce: d.Nonce, Data: d.Sealed})
	if err != nil {
		out.ContentNote = "not opened: none of this service's keys opens it"
		return out
	}
	out.Content = plain
	return out
}

// exportedMessages lays out the emails, portal links and hand-off codes.
func exportedMessages(rec *store.FreelancerRecords) ([]ExportedEmail, []ExportedLink, []ExportedHandoff) {
	emails := make([]ExportedEmail, 0, len(rec.Emails))
	for _, m := range rec.Emails {
		emails = append(emails, ExportedEmail{ID: m.ID, VerificationID: m.VerificationID, Kind: m.Kind, To: m.To,
			Subject: m.Subject, Text: withoutTokens(m.Text), HTML: withoutTokens(m.HTML), Calendar: withoutTokens(unfold(m.Calendar)),
			CreatedAt: m.CreatedAt, SentAt: m.SentAt})
	}
	links := make([]ExportedLink, 0, len(rec.PortalLinks))
	for _, l := range rec.PortalLinks {
		links = append(links, ExportedLink{ID: l.ID, CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt, RevokedAt: l.RevokedAt})
	}
	handoffs := make([]ExportedHandoff, 0, len(rec.Handoffs))
	for _, h := range rec.Handoffs {
		handoffs = append(handoffs, ExportedHandoff{CreatedAt: h.CreatedAt, ExpiresAt: h.ExpiresAt, UsedAt: h.UsedAt})
	}
	return emails, links, handoffs
}

// portalTokens matches the token of a portal link (/v/{token}): a link
// that still works is a key to the portal, which a file kept or passed on
// must not carry.
var portalTokens = regexp.MustCompile(`/v/[A-Za-z0-9_.-]+`)

func withoutTokens(s string) string { return portalTokens.ReplaceAllString(s, "/v/…") }

// unfold joins an iCalendar object's folded lines (RFC 5545, 3.1), so that
// a link split across them is found whole.
func unfold(ics string) string {
	return strings.NewReplacer("\r\n ", "", "\r\n\t", "").Replace(ics)
}

// staffRoles names staff members by their role, remembering each; the
// first failed lookup is kept in err.
type staffRoles struct {
	store *store.Store
	known map[string]string
	err   error
}

// of is the role of the staff member with this id ("staff" when unknown).
func (r *staffRoles) of(ctx context.Context, staffID string) string {
	if role, ok := r.known[staffID]; ok {
		return role
	}
	role := "staff"
	st, err := r.store.StaffByID(ctx, staffID)
	switch {
	case err == nil:
		role = string(st.Role)
	case !errors.Is(err, store.ErrNotFound) && r.err == nil:
		r.err = err
	}
	r.known[staffID] = role
	return role
}

// ofActor names the actor of a recorded step: a staff member by role,
// the freelancer as "freelancer".
func (r *staffRoles) ofActor(ctx context.Context, actor string) string {
	kind, id, _ := strings.Cut(actor, ":")
	switch kind {
	case "staff":
		return r.of(ctx, id)
	case "freelancer":
		return "freelancer"
	}
	return kind
}
