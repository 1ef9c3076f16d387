package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

type dayRow struct {
	Day        time.Weekday
	Start, End string
}

type hoursPage struct {
	Staff     *store.Staff
	Mailbox   bool
	Editing   *store.Staff
	Everyone  []*store.Staff
	TimeZone  string
	Days      []dayRow
	Slots     []string
	Leave     []schedule.Exception
	Loc       *time.Location
	Error     string
	Saved     bool
	CanChoose bool
}

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
	c.renderHours(w, r, "", http.StatusOK)
}

func (c *Console) renderHours(w http.ResponseWriter, r *http.Request, problem string, status int) {
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
	page := hoursPage{Staff: me, Mailbox: c.Mailbox, Editing: who, TimeZone: a.Location.String(), Loc: a.Location, Error: problem,
		Saved: r.URL.Query().Get("saved") == "1", CanChoose: me.Role == store.RoleSupervisor || me.Role == store.RoleAdmin}
	for _, d := range weekOrder {
		row := dayRow{Day: d}
		for _, h := range a.Weekly {
			if h.Day == d {
				row.Start, row.End = h.Start.String(), h.End.String()
			}
		}
		page.Days = append(page.Days, row)
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
			c.renderHours(w, r, fmt.Sprintf("%s: give a start and an end, HH:MM, the start first.", d), http.StatusBadRequest)
			return
		}
		hours = append(hours, schedule.Hours{Day: d, Start: s, End: e})
	}
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Workflow.SetHours(r.Context(), tx, "staff:"+SignedIn(r.Context()).ID, who.ID, strings.TrimSpace(r.PostFormValue("timezone")), hours)
	})
	if err != nil {
		c.renderHours(w, r, err.Error(), http.StatusBadRequest)
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
	if errors.Join(err1, err2) != nil || len(note) > 200 {
		c.renderHours(w, r, web.StaffLanguage(r).Text("console.error.leave"), http.StatusBadRequest)
		return
	}
	e := schedule.Exception{Interval: schedule.Interval{Start: start, End: end}, Off: r.PostFormValue("kind") != "extra", Note: note}
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Workflow.AddException(r.Context(), tx, "staff:"+SignedIn(r.Context()).ID, who.ID, e)
	})
	if err != nil {
		c.renderHours(w, r, err.Error(), http.StatusBadRequest)
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

func hoursURL(staffID string) string { return "/agent/hours?staff=" + url.QueryEscape(staffID) }

func (c *Console) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errForbidden) {
		c.Refuse(w, r, SignedIn(r.Context()), http.StatusForbidden, sentence(err.Error()))
		return
	}
	c.Found(w, r, err)
}
