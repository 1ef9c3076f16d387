package portal

import (
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/attest-dev/attest/internal/evidence"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/notify"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// Day is one local day of bookable slots.
type Day struct {
	Key      string // 2006-01-02, for the day links
	Label    string // Thursday 26 November
	Short    string // Thu 26 Nov, for the day links
	Slots    []Slot
	Selected bool
}

// Slot is one bookable start, as the freelancer reads it and as the form sends it.
type Slot struct {
	Value, Label string
}

// maxBookingDays keeps the picker short: the next week's days with free time.
const maxBookingDays = 7

// bookingDays groups bookable starts by local day in loc, keeping at most
// one start per half hour: a short list is easier to choose from than every
// ten-minute slot of every agent. The day named by selected (or the first)
// is marked.
func bookingDays(c *i18n.Catalog, starts []time.Time, loc *time.Location, selected string) []Day {
	var days []Day
	var lastBlock time.Time
	for _, s := range starts {
		local := s.In(loc)
		key := local.Format("2006-01-02")
		if n := len(days); n == 0 || days[n-1].Key != key {
			if n == maxBookingDays {
				break
			}
			days = append(days, Day{Key: key, Label: c.Date("date.day", local, ""), Short: c.Date("date.day_short", local, "")})
		}
		block := local.Truncate(30 * time.Minute)
		if block.Equal(lastBlock) {
			continue
		}
		lastBlock = block
		d := &days[len(days)-1]
		d.Slots = append(d.Slots, Slot{Value: s.UTC().Format(time.RFC3339), Label: local.Format("15:04")})
	}
	chosen := 0
	for i, d := range days {
		if d.Key == selected {
			chosen = i
		}
	}
	if len(days) > 0 {
		days[chosen].Selected = true
	}
	return days
}

// zoneFor is the zone the freelancer asked to see times in, else their own.
func zoneFor(r *http.Request, f *verification.Freelancer) *time.Location {
	if tz := r.URL.Query().Get("tz"); tz != "" && tz != "Local" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return f.Location()
}

// zoneChoices are offered for reading times elsewhere: the freelancer's own
// first, then common zones.
var zoneChoices = []string{"UTC", "Europe/London", "Europe/Berlin", "Europe/Lisbon", "Africa/Lagos", "Africa/Nairobi",
	"Asia/Kolkata", "Asia/Manila", "Asia/Jakarta", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo",
	"America/Mexico_City", "America/New_York", "America/Los_Angeles"}

// book books or moves the freelancer's call to the chosen slot.
func (p *Portal) book(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	start, err := time.Parse(time.RFC3339, r.PostFormValue("slot"))
	if err != nil {
		p.redirect(w, r, "pick-slot")
		return
	}
	var booked *store.Booking
	err = p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		booked, err = p.Workflow.Book(r.Context(), tx, f.ID, start)
		return err
	})
	var rule *verification.RuleError
	var illegal *verification.IllegalTransitionError
	switch {
	case errors.Is(err, workflow.ErrNoOpenCase):
		p.redirect(w, r, "not-open")
	case errors.As(err, &rule):
		p.redirect(w, r, "slot-taken")
	case errors.As(err, &illegal) && illegal.From == verification.AwaitingDocuments:
		p.redirect(w, r, "documents-first")
	case errors.As(err, &illegal):
		p.redirect(w, r, "not-open")
	case err != nil:
		p.serverError(w, r, err)
	case booked.Sequence > 0: // a booking that was there is moved, not made
		p.Calls.Nudge()
		p.redirect(w, r, "moved")
	default:
		p.Calls.Nudge()
		p.redirect(w, r, "booked")
	}
}

func (p *Portal) cancelBooking(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return p.Workflow.CancelBooking(r.Context(), tx, "freelancer:"+f.ID, f.ID, notify.WhyFreelancerCanceled)
	})
	var rule *verification.RuleError
	if err != nil && !errors.As(err, &rule) {
		p.serverError(w, r, err)
		return
	}
	p.redirect(w, r, "booking-canceled")
}

func (p *Portal) redirect(w http.ResponseWriter, r *http.Request, notice string) {
	http.Redirect(w, r, "/v/"+r.PathValue("token")+"?notice="+notice, http.StatusSeeOther)
}

// appeal submits the freelancer's appeal against a confirmed negative, with
// at most one document. The form is multipart when the page offers a
// document, plain otherwise; either way the appeal and its document are
// stored together or not at all.
func (p *Portal) appeal(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, uploadLimit)
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	form, err := appealForm(r)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || errors.Is(err, evidence.ErrTooLarge):
		p.redirect(w, r, "document-too-large")
		return
	case err != nil:
		p.redirect(w, r, "appeal-empty")
		return
	}
	err = p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		a, err := p.Workflow.Appeal(r.Context(), tx, f.ID, form.fields["statement"])
		if err != nil || form.data == nil {
			return err
		}
		_, err = p.Workflow.AddAppealDocument(r.Context(), tx, a, form.filename, form.data)
		return err
	})
	var field *verification.FieldError
	var rule *verification.RuleError
	switch {
	case errors.As(err, &field) && field.Field == "statement":
		p.redirect(w, r, "appeal-empty")
	case errors.As(err, &field), errors.As(err, &rule) && rule.Field == "file":
		p.documentOutcome(w, r, err, "") // the document, not the appeal, was refused
	case errors.As(err, &rule):
		p.redirect(w, r, "appeal-closed")
	case err != nil:
		p.serverError(w, r, err)
	default:
		p.redirect(w, r, "appealed")
	}
}

// appealForm reads the appeal form, multipart or plain.
func appealForm(r *http.Request) (uploadForm, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return readUpload(r)
	}
	if err := r.ParseForm(); err != nil {
		return uploadForm{}, err
	}
	return uploadForm{fields: map[string]string{"statement": r.PostFormValue("statement")}}, nil
}

// accommodate records the freelancer's request for another way to do the call.
func (p *Portal) accommodate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	a := verification.Accommodation(r.PostFormValue("accommodation"))
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return p.Workflow.Accommodate(r.Context(), tx, f.ID, a, r.PostFormValue("reason"))
	})
	var field *verification.FieldError
	var rule *verification.RuleError
	switch {
	case errors.As(err, &field):
		p.redirect(w, r, "accommodation-too-long")
	case errors.As(err, &rule):
		p.redirect(w, r, "accommodation-refused")
	case err != nil:
		p.serverError(w, r, err)
	case a == "":
		p.redirect(w, r, "video-call")
	default:
		p.redirect(w, r, "audio-only")
	}
}
