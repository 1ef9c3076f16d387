// Package portal serves the freelancer's pages at /v/{token}: why they were
// asked, what will be checked, the deadline in their own time, and that
// nothing is restricted before it.
package portal

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// Portal serves the freelancer's pages.
type Portal struct {
	Store    *store.Store
	Signer   *auth.PortalSigner
	Workflow *workflow.Workflow
	Calls    *call.Service
	Now      func() time.Time
	Log      *slog.Logger
	// MaxUploads caps the uploads (documents, appeals with a document)
	// read at once, and the exports built at once, which hold documents in
	// memory too; DefaultMaxUploads when zero. OnRefused counts one
	// refused ("uploads").
	MaxUploads int
	OnRefused  func(limit string)

	uploads chan struct{}
}

// DefaultMaxUploads bounds the memory uploads take: each is read whole
// (at most 10 MB) to be sealed without a plain copy on disk.
const DefaultMaxUploads = 16

// Register adds the portal's routes to mux.
func (p *Portal) Register(mux web.Router) {
	// Every /v/{token} route is the freelancer's: the signed link is the credential.
	link := func(h http.HandlerFunc) http.Handler { return web.Allow(web.Link, h) }
	if p.MaxUploads <= 0 {
		p.MaxUploads = DefaultMaxUploads
	}
	p.uploads = make(chan struct{}, p.MaxUploads)
	mux.Handle("GET /v/{token}", link(p.home))
	mux.Handle("POST /v/{token}/queue", link(p.joinQueue))
	mux.Handle("POST /v/{token}/queue/leave", link(p.leaveQueue))
	mux.Handle("GET /v/{token}/ws", link(p.signal))
	mux.Handle("POST /v/{token}/phone", link(p.phone))
	mux.Handle("GET /v/{token}/phone/{file}", link(p.phoneQR))
	mux.Handle("GET /p/{code}", web.AllowFunc(web.Public, p.useHandoff)) // the hand-off code in the path is the credential
	mux.Handle("POST /v/{token}/appeal", link(p.oneOfUploads(p.appeal)))
	mux.Handle("POST /v/{token}/accommodation", link(p.accommodate))
	mux.Handle("POST /v/{token}/documents", link(p.oneOfUploads(p.upload)))
	mux.Handle("POST /v/{token}/documents/{id}/remove", link(p.removeDocument))
	mux.Handle("POST /v/{token}/documents/submit", link(p.submitDocuments))
	mux.Handle("POST /v/{token}/book", link(p.book))
	mux.Handle("POST /v/{token}/book/cancel", link(p.cancelBooking))
	mux.Handle("GET /v/{token}/export", link(p.oneOfUploads(p.export))) // it holds documents in memory too
	p.RegisterCredentials(mux)
	p.RegisterIssuer(mux)
}

type page struct {
	Name         string
	Loc          *time.Location
	Base         string // /v/{token}
	Open         *verification.Verification
	Latest       *verification.Verification
	Claims       []verification.Claim
	Overdue      bool
	AgentsOnline int
	HoldMinutes  int
	Notice       string
	Days         []Day
	Zone         string
	Zones        []string
	BookedFor    string
	BookedAt     string // RFC 3339, for the page's script
	Appealable   bool
	AppealUntil  time.Time
	Appeal       *store.Appeal
	Upheld       bool
	// TakesDocuments is true when the service can seal uploads.
	TakesDocuments bool
	Documents      []*store.Document
	MaxDocuments   int
	// Reasons is the statement of reasons: of the confirmed negative on
	// the result page, or of the open case while it is overdue.
	Reasons *reasons
	// Held is the statement of an earlier confirmed negative whose
	// restrictions stay while a new case is open: the page must not
	// promise that nothing is restricted.
	Held *reasons
	// PastDeadline is true when the deadline has passed on a case that is
	// being served (queued, booked): nothing is restricted, but the page
	// must not name a past date as the time before which nothing is.
	PastDeadline bool
	// NewCall says who sent the case back for a new call with another
	// agent ("review": a second reviewer; "documents": the person who read
	// the documents), "" when nobody did; ReadingDocuments is true when the
	// documents of a case in review wait for their reader.
	NewCall          string
	ReadingDocuments bool
	// Requested are the claims a call asked documents for, with the
	// documents given for each; ChosenClaim is the one the upload form
	// offers first, and Missing names those still without a document
	// after sending them was refused.
	Requested   []requested
	ChosenClaim string
	Missing     string
	// UpheldAt is when an upheld appeal lifted the restriction.
	UpheldAt string
	// Script is what the call in progress asks of the freelancer.
	Script *callScript
	// AgentCamera is true when agents send video; otherwise the page shows
	// who the freelancer hears instead of a dark video.
	AgentCamera bool
	// Canceled is the freelancer's latest case when the marketplace
	// canceled it and nothing came after it.
	Canceled *verification.Verification
	// WalletOffer is true when the verified result may be added to the
	// freelancer's wallet; Marketplace names who verified it.
	WalletOffer bool
	Marketplace string
	// DigitalID is true when a digital credential can confirm claims of
	// the open case now (docs/CREDENTIALS.md); DigitalIDMatched when one
	// already bore the legal name.
	DigitalID, DigitalIDMatched bool
}

// oneOfUploads runs an upload when fewer than MaxUploads are being read,
// and otherwise answers 503 with a Retry-After at once.
func (p *Portal) oneOfUploads(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case p.uploads <- struct{}{}:
			defer func() { <-p.uploads }()
			next(w, r)
		default:
			if p.OnRefused != nil {
				p.OnRefused("uploads")
			}
			w.Header().Set("Retry-After", "30")
			// Refused unread: closing the connection spares reading (and
			// waiting for) up to 10 MB only to throw it away.
			w.Header().Set("Connection", "close")
			web.RenderIn(w, http.StatusServiceUnavailable, browserCatalog(r), "portal_error", busy)
		}
	}
}

// canceledLast is the freelancer's newest case when the marketplace
// canceled it; nil when the newest case is anything else.
func (p *Portal) canceledLast(r *http.Request, freelancerID string) *verification.Verification {
	newest, err := p.Store.Verifications(r.Context(), store.VerificationFilter{FreelancerID: freelancerID, Limit: 1})
	if err != nil {
		p.Log.ErrorContext(r.Context(), "portal latest case", slog.Any("err", err))
		return nil
	}
	if len(newest) == 0 || newest[0].Status != verification.Canceled {
		return nil
	}
	return newest[0]
}

// HeldByDecision is true when the latest decision is a confirmed negative
// that no appeal overturned: its page explains the pause and the appeal.
func (pg page) HeldByDecision() bool {
	return pg.Latest != nil && pg.Latest.Status == verification.NotVerified && !pg.Upheld
}

// ClaimLabel names one of the case's claims for people.
func (pg page) ClaimLabel(key string) string {
	for _, c := range pg.Claims {
		if c.Key == key {
			return c.Label
		}
	}
	return key
}

// problem is why a portal page cannot be shown, as three catalog keys.
type problem struct {
	Title, Message, Next string
}

var (
	linkExpired = problem{"problem.expired.title", "problem.expired.message", "problem.expired.next"}
	linkInvalid = problem{"problem.invalid.title", "problem.invalid.message", "problem.invalid.next"}
	linkRevoked = problem{"problem.revoked.title", "problem.revoked.message", "problem.revoked.next"}
	openFailed  = problem{"problem.open_failed.title", "problem.open_failed.message", "problem.open_failed.next"}
	doFailed    = problem{"problem.do_failed.title", "problem.do_failed.message", "problem.do_failed.next"}
	codeSpent   = problem{"problem.code_spent.title", "problem.code_spent.message", "problem.code_spent.next"}
	busy        = problem{"problem.busy.title", "problem.busy.message", "problem.busy.next"}
)

// catalog is the language a freelancer's pages are shown in.
func catalog(f *verification.Freelancer) *i18n.Catalog {
	return i18n.Match(f.Locale)
}

// browserCatalog is the language of a page that cannot tell whose it is
// (an expired or broken link names nobody it can be trusted about): the
// browser's.
func browserCatalog(r *http.Request) *i18n.Catalog {
	return i18n.Negotiate(r.Header.Get("Accept-Language"))
}

// freelancer checks a token against its signature, expiry and revocation.
func (p *Portal) freelancer(r *http.Request) (*verification.Freelancer, *problem, int) {
	claims, err := p.Signer.Parse(r.PathValue("token"), p.Now())
	switch {
	case errors.Is(err, auth.ErrTokenExpired):
		return nil, &linkExpired, http.StatusGone
	case err != nil:
		return nil, &linkInvalid, http.StatusNotFound
	}
	link, err := p.Store.PortalLink(r.Context(), claims.LinkID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && link.FreelancerID != claims.FreelancerID) {
		return nil, &linkRevoked, http.StatusGone
	}
	if err != nil {
		p.Log.ErrorContext(r.Context(), "portal link lookup", slog.Any("err", err))
		return nil, nil, http.StatusInternalServerError
	}
	if link.RevokedAt != nil {
		return nil, &linkRevoked, http.StatusGone
	}
	f, err := p.Store.Freelancer(r.Context(), claims.FreelancerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &linkRevoked, http.StatusGone
	}
	if err != nil {
		p.Log.ErrorContext(r.Context(), "portal freelancer lookup", slog.Any("err", err))
		return nil, nil, http.StatusInternalServerError
	}
	return f, nil, 0
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request) {
	f, prob, status := p.freelancer(r)
	if status == http.StatusInternalServerError {
		web.RenderIn(w, status, browserCatalog(r), "portal_error", openFailed)
		return
	}
	if prob != nil {
		web.RenderIn(w, status, browserCatalog(r), "portal_error", prob)
		return
	}
	c := catalog(f)
	cases, err := p.Store.StandingCases(r.Context(), f.ID)
	if err != nil {
		p.Log.ErrorContext(r.Context(), "portal standing", slog.Any("err", err))
		web.RenderIn(w, http.StatusInternalServerError, c, "portal_error", openFailed)
		return
	}
	pg := page{Name: f.DisplayName, Loc: f.Location(), Latest: cases.LatestDecided,
		Base: "/v/" + r.PathValue("token"), HoldMinutes: int(p.Calls.Hold.Minutes()), Notice: noticeText[r.URL.Query().Get("notice")],
		AgentCamera: p.Calls.AgentCamera}
	if agents, err := p.Workflow.Agents(r.Context()); err != nil {
		p.Log.ErrorContext(r.Context(), "portal agents online", slog.Any("err", err))
	} else {
		pg.AgentsOnline = agents.Online
	}
	if cases.Open != nil {
		// The standing read only the case's status; the page shows all of it.
		if pg.Open, err = p.Store.Verification(r.Context(), cases.Open.ID); err != nil {
			p.Log.ErrorContext(r.Context(), "portal case", slog.Any("err", err))
			web.RenderIn(w, http.StatusInternalServerError, c, "portal_error", openFailed)
			return
		}
	}
	if d := cases.LatestDecided; d != nil && pg.Open == nil && d.Status == verification.NotVerified {
		pg.Upheld = d.AppealUpheldAt != nil
		if pg.Appeal, err = p.Store.AppealOf(r.Context(), d.ID); errors.Is(err, store.ErrNotFound) {
			pg.Appeal, err = nil, nil
		}
		if err != nil {
			p.Log.ErrorContext(r.Context(), "portal appeal", slog.Any("err", err))
		}
		// The standing knows the case only in part: the appeal deadline the
		// decision kept is on the case itself.
		if decided, err := p.Store.Verification(r.Context(), d.ID); err != nil {
			p.Log.ErrorContext(r.Context(), "portal decided case", slog.Any("err", err))
		} else {
			pg.Appealable = pg.Appeal == nil && decided.Appealable(p.Now())
			pg.AppealUntil = decided.AppealDeadline()
			pg.Reasons = p.statementOf(r.Context(), c, f, decided)
			if decided.AppealUpheldAt != nil {
				pg.UpheldAt = longDate(c, *decided.AppealUpheldAt, pg.Loc)
			}
		}
		pg.TakesDocuments = p.Workflow.Keys != nil
	}
	if pg.Open == nil {
		pg.Canceled = p.canceledLast(r, f.ID)
	}
	if d := cases.LatestDecided; d != nil && pg.Open == nil && d.Status == verification.Verified {
		if pg.WalletOffer, err = p.Workflow.OffersWallet(r.Context(), f.ID); err != nil {
			p.Log.ErrorContext(r.Context(), "portal wallet offer", slog.Any("err", err))
		} else if pg.WalletOffer {
			pg.Marketplace = p.Workflow.Issuer.Marketplace
		}
	}
	if o := pg.Open; o != nil && (o.Status == verification.AwaitingFreelancer || o.Status == verification.Scheduled) {
		loc := zoneFor(r, f)
		pg.Zone, pg.Zones = loc.String(), zoneChoices
		starts, err := p.Workflow.BookableSlots(r.Context(), o)
		if err != nil {
			p.Log.ErrorContext(r.Context(), "portal slots", slog.Any("err", err))
		}
		pg.Days = bookingDays(c, starts, loc, r.URL.Query().Get("day"))
		if o.ScheduledFor != nil {
			pg.BookedAt = o.ScheduledFor.UTC().Format(time.RFC3339)
			pg.BookedFor = longDate(c, *o.ScheduledFor, loc)
		}
	}
	if pg.Notice == "notice.moved" && pg.BookedFor == "" {
		pg.Notice = "" // read again after the booking was canceled: there is no new time to name
	}
	if o := pg.Open; o != nil && p.Workflow.Keys != nil {
		pg.TakesDocuments, pg.MaxDocuments = true, workflow.MaxDocuments
		if pg.Documents, err = p.Store.Documents(r.Context(), o.ID); err != nil {
			p.Log.ErrorContext(r.Context(), "portal documents", slog.Any("err", err))
		}
	}
	if o := pg.Open; o != nil {
		now := p.Now()
		pg.Overdue = o.Overdue(now)
		pg.PastDeadline = !pg.Overdue && now.After(o.Deadline)
		for _, key := range o.Claims {
			if c, ok := f.Claim(key); ok {
				pg.Claims = append(pg.Claims, c)
			}
		}
		if pg.Overdue {
			pg.Reasons = p.statementOf(r.Context(), c, f, o)
		}
		if d := cases.LatestDecided; d != nil && d.Status == verification.NotVerified && d.AppealUpheldAt == nil {
			if decided, err := p.Store.Verification(r.Context(), d.ID); err != nil {
				p.Log.ErrorContext(r.Context(), "portal decided case", slog.Any("err", err))
			} else {
				pg.Held = p.statementOf(r.Context(), c, f, decided)
			}
			if pg.Held == nil {
				pg.Held = &reasons{} // paused all the same; the page says so without the details
			}
		}
		decisions, err := p.Store.Decisions(r.Context(), o.ID)
		if err != nil {
			p.Log.ErrorContext(r.Context(), "portal decisions", slog.Any("err", err))
		}
		if o.Status == verification.InCall {
			if pg.Script, err = p.script(r.Context(), c, o); err != nil {
				p.Log.ErrorContext(r.Context(), "portal call script", slog.Any("err", err))
			}
		}
		p.offerDigitalID(r, f, &pg)
		pg.NewCall = workflow.SentBack(o, decisions)
		pg.ReadingDocuments = workflow.AwaitsDocumentReview(o, decisions)
		if o.Status == verification.AwaitingDocuments {
			pg.Requested = requestedClaims(o, f, pg.Documents)
			pg.ChosenClaim = firstMissing(pg.Requested)
			if r.URL.Query().Get("notice") == "documents-incomplete" {
				pg.Missing = missingLabels(pg.Requested)
			}
		}
	}
	web.RenderIn(w, http.StatusOK, c, "portal", pg)
}
