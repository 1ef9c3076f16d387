package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/web"
)

type dayRow struct {
	Day        time.Weekday
	Start, End string
}

type hoursPage struct {
	Staff    *store.Staff
	Mailbox  bool
	Editing  *store.Staff
	Everyone []*store.Staff
	TimeZone string
	Days     []dayRow
	Slots    []string
	Leave    []schedule.Exception
	Loc      *time.Location
	// Problems are beside what they concern: "timezone", "hours" (the
	// week as a whole), "start-<Day>" (a day's row), "from", "to", "note"
	// (the leave form). A form that comes back with a problem keeps what
	// was typed in it.
	Problems  map[string]string
	Leaving   leaveForm
	Saved     bool
	CanChoose bool
}

// leaveForm is what was typed in the leave form.
type leaveForm struct{ From, To, Note, Kind string }

// The staff's sentences for what the hours forms refuse are the staff
// catalogs' "hours.problem." and the domain's code.

// weekOrder lists the days as most working weeks read them.
var weekOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// editable is whose hours the signed-in staff member may change: their own,
// or anyone's for supervisors and admins.
func (c *Console) editable(r *http.Request) (*store.Staff, error) {
	me := SignedIn(r.Context())
	id := r.FormValue("staff")
	if id == "" || id == me.ID {
		return me, nil
	}
	if me.Role != store.RoleSupervisor && me.Role != store.RoleAdmin {
		return nil, errForbidden
	}
	return c.Store.StaffByID(r.Context(), id)
}

var errForbidden = errors.New("only supervisors and admins change other people's hours")

func (c *Console) hours(w http.ResponseWriter, r *http.Request) {
	c.renderHours(w, r, nil, http.StatusOK)
}

// renderHours shows the hours page; with problems, the forms show what was
// posted, each problem beside its field.
func (c *Console) renderHours(w http.ResponseWriter, r *http.Request, problems map[string]string, status int) {
	who, err := c.editable(r)
	if err != nil {
		c.refuse(w, r, err)
		return
	}
	now := c.Now()
	a, err := c.Store.Availability(r.Context(), who.ID, now)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	me := SignedIn(r.Context())
	page := hoursPage{Staff: me, Mailbox: c.Mailbox, Editing: who, TimeZone: a.Location.String(), Loc: a.Location, Problems: problems,
		Saved: r.URL.Query().Get("saved") == "1", CanChoose: me.Role == store.RoleSupervisor || me.Role == store.RoleAdmin}
	posted := problems != nil && r.Method == http.MethodPost
	for _, d := range weekOrder {
		row := dayRow{Day: d}
		for _, h := range a.Weekly {
			if h.Day == d {
				row.Start, row.End = h.Start.String(), h.End.String()
			}
		}
		if posted && r.URL.Path == "/agent/hours" {
			row.Start, row.End = r.PostFormValue("start-"+d.String()), r.PostFormValue("end-"+d.String())
		}
		page.Days = append(page.Days, row)
	}
	if posted && r.URL.Path == "/agent/hours" {
		page.TimeZone = r.PostFormValue("timezone")
	}
	if posted && r.URL.Path == "/agent/hours/leave" {
		page.Leaving = leaveForm{From: r.PostFormValue("from"), To: r.PostFormValue("to"), Note: r.PostFormValue("note"), Kind: r.PostFormValue("kind")}
	}
	for i, s := range schedule.Slots(a.Windows(now, now.AddDate(0, 0, 14)), c.Workflow.Policy.SlotLength, nil) {
		if i == 6 {
			break
		}
		page.Slots = append(page.Slots, s.Start.In(a.Location).Format("Mon 2 Jan 15:04"))
	}
	page.Leave = a.Exceptions
	if page.CanChoose {
		if page.Everyone, err = c.Store.ActiveStaff(r.Context()); err != nil {
			c.ServerError(w, r, err)
			return
		}
	}
	web.RenderStaff(w, r, status, "hours", page)
}

func (c *Console) saveHours(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	who, err := c.editable(r)
	if err != nil {
		c.refuse(w, r, err)
		return
	}
	var hours []schedule.Hours
	for _, d := range weekOrder {
		start, end := strings.TrimSpace(r.PostFormValue("start-"+d.String())), strings.TrimSpace(r.PostFormValue("end-"+d.String()))
		if start == "" && end == "" {
			continue
		}
		s, err1 := schedule.ParseClock(start)
		e, err2 := schedule.ParseClock(end)
		if err := errors.Join(err1, err2); err != nil || s >= e {
			c.renderHours(w, r, map[string]string{"start-" + d.String(): web.StaffLanguage(r).Text("hours.problem.day")}, http.StatusBadRequest)
			return
		}
		hours = append(hours, schedule.Hours{Day: d, Start: s, End: e})
	}
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Workflow.SetHours(r.Context(), tx, "staff:"+SignedIn(r.Context()).ID, who.ID, strings.TrimSpace(r.PostFormValue("timezone")), hours)
	})
	if c.hoursRefused(w, r, err) {
		return
	}
	http.Redirect(w, r, hoursURL(who.ID)+"&saved=1", http.StatusSeeOther)
}

func (c *Console) addLeave(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	who, err := c.editable(r)
	if err != nil {
		c.refuse(w, r, err)
		return
	}
	a, err := c.Store.Availability(r.Context(), who.ID, c.Now())
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	// datetime-local fields carry no zone: they are in the agent's own.
	start, err1 := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("from"), a.Location)
	end, err2 := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("to"), a.Location)
	note := strings.TrimSpace(r.PostFormValue("note"))
	if err1 != nil || err2 != nil {
		problems := map[string]string{}
		if err1 != nil {
			problems["from"] = web.StaffLanguage(r).Text("hours.problem.from")
		}
		if err2 != nil {
			problems["to"] = web.StaffLanguage(r).Text("hours.problem.to")
		}
		c.renderHours(w, r, problems, http.StatusBadRequest)
		return
	}
	e := schedule.Exception{Interval: schedule.Interval{Start: start, End: end}, Off: r.PostFormValue("kind") != "extra", Note: note}
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Workflow.AddException(r.Context(), tx, "staff:"+SignedIn(r.Context()).ID, who.ID, e)
	})
	if c.hoursRefused(w, r, err) {
		return
	}
	http.Redirect(w, r, hoursURL(who.ID)+"&saved=1", http.StatusSeeOther)
}

func (c *Console) deleteLeave(w http.ResponseWriter, r *http.Request) {
	who, err := c.editable(r)
	if err != nil {
		c.refuse(w, r, err)
		return
	}
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Workflow.DeleteException(r.Context(), tx, "staff:"+SignedIn(r.Context()).ID, who.ID, r.PathValue("id"))
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.ServerError(w, r, err)
		return
	}
	http.Redirect(w, r, hoursURL(who.ID)+"&saved=1", http.StatusSeeOther)
}

// hoursRefused answers a refused change to hours or leave with the form
// again, the problem beside its field, and reports whether it answered.
func (c *Console) hoursRefused(w http.ResponseWriter, r *http.Request, err error) bool {
	var field *verification.FieldError
	switch {
	case err == nil:
		return false
	case errors.As(err, &field):
		text := web.Sentence(field.Message)
		lang := web.StaffLanguage(r)
		if key := "hours.problem." + field.Field + "." + field.Code; lang.Base().Has(key) {
			text = lang.Text(key)
		} else if key := "hours.problem." + field.Code; lang.Base().Has(key) {
			text = lang.Text(key)
		}
		c.renderHours(w, r, map[string]string{field.Field: text}, http.StatusBadRequest)
	default:
		c.ServerError(w, r, err)
	}
	return true
}

func hoursURL(staffID string) string { return "/agent/hours?staff=" + url.QueryEscape(staffID) }

func (c *Console) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errForbidden) {
		c.Refuse(w, r, SignedIn(r.Context()), http.StatusForbidden, web.StaffLanguage(r).Text("console.error.hours_forbidden"))
		return
	}
	c.Found(w, r, err)
}
