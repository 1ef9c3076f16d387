package console

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/attest-dev/attest/internal/queue"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/web"
)

type agentPage struct {
	Staff   *store.Staff
	Mailbox bool
	Online  bool
	Floor   queue.Stats
	Agents  int
	Notice  string
	openList
	// AgentCamera says whether calls carry the agent's video: the page
	// makes its first offer ahead (console.js).
	AgentCamera bool
}

// agentHome is the console: the live call when the agent is in one, the
// queue and the open cases otherwise.
func (c *Console) agentHome(w http.ResponseWriter, r *http.Request) {
	st := SignedIn(r.Context())
	live, err := c.Store.AgentLiveCall(r.Context(), st.ID)
	if err == nil {
		c.callView(w, r, st, live)
		return
	}
	if !errors.Is(err, store.ErrNotFound) {
		c.ServerError(w, r, err)
		return
	}
	page := agentPage{Staff: st, Mailbox: c.Mailbox, Notice: web.StaffNotice(r, "agent"), AgentCamera: c.Calls.AgentCamera}
	presence, err := c.Workflow.Presence(r.Context(), st.ID)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	page.Online = presence == store.Online
	entries, err := c.Store.Queue(r.Context())
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	page.Floor = queue.Summarise(entries, c.Now())
	agents, err := c.Workflow.Agents(r.Context())
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	page.Agents = agents.Online
	open, err := c.readOpen(r.Context())
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	page.openList = *open
	web.RenderStaff(w, r, http.StatusOK, "agent", page)
}

// openList is the open verifications as the live queue page lists them,
// earliest deadline first.
type openList struct {
	Open []*verification.Verification
	// Names are the open cases' freelancers' display names, by id.
	Names map[string]string
	// Now is when the list was read: a case is overdue against it.
	Now time.Time
}

// readOpen reads the open verifications.
func (c *Console) readOpen(ctx context.Context) (*openList, error) {
	var l openList
	for _, s := range verification.OpenStatuses() {
		list, err := c.Store.Verifications(ctx, store.VerificationFilter{Status: s, Limit: 200})
		if err != nil {
			return nil, err
		}
		l.Open = append(l.Open, list...)
	}
	slices.SortFunc(l.Open, func(a, b *verification.Verification) int { return a.Deadline.Compare(b.Deadline) })
	ids := make([]string, len(l.Open))
	for i, v := range l.Open {
		ids[i] = v.FreelancerID
	}
	names, err := c.Store.DisplayNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	l.Names, l.Now = names, c.Now()
	return &l, nil
}

// openFresh is how long one read of the open verifications serves the live
// queue pages' refreshes (openPart).
const openFresh = time.Second

// openShared is the last read of the open verifications that the live
// queue pages' refreshes share. Every online agent's page reads the list
// again when the queue's figures change, all at the same moment: one read
// within openFresh serves them all, each rendered in its reader's language.
type openShared struct {
	mu   sync.Mutex
	list *openList
}

// openPart serves the live queue page's open verifications alone, which
// its script reads again (console.js refreshOpen): the list at most
// openFresh old.
func (c *Console) openPart(w http.ResponseWriter, r *http.Request) {
	c.open.mu.Lock()
	list := c.open.list
	if list == nil || c.Now().Sub(list.Now) >= openFresh || c.Now().Before(list.Now) {
		var err error
		if list, err = c.readOpen(r.Context()); err != nil {
			c.open.mu.Unlock()
			c.ServerError(w, r, err)
			return
		}
		c.open.list = list
	}
	c.open.mu.Unlock()
	web.RenderStaffPart(w, r, "agent", "openlist", list)
}

type callClaim struct {
	verification.Claim
	Questions []string
	Outcome   verification.ClaimOutcome
	// FromDocument is true for the identity claim of an audio-only call:
	// it is read aloud from the ID document sent, and the suggested
	// questions, some of which ask for the camera, are not shown.
	FromDocument bool
	// ShowWork suggests that the freelancer share their screen to show
	// their work (showsWork).
	ShowWork bool
}

type callPage struct {
	Staff        *store.Staff
	Verification *verification.Verification
	Call         *store.Call
	LegalName    string
	Claims       []callClaim
	// Spoken is what the agent reads out, in the freelancer's language:
	// the consent and the live check.
	Spoken      spoken
	Reasons     []string
	Script      string
	AgentCamera bool
	Documents   []*store.Document
	// Needed is what a verified decision still needs, in staff words.
	Needed []string
	// Credentials are the digital IDs the freelancer presented on the case.
	Credentials caseCredentials
}

// ClaimLabel names one of the case's claims for people.
func (p callPage) ClaimLabel(key string) string {
	for _, c := range p.Claims {
		if c.Key == key {
			return c.Label
		}
	}
	return key
}

// callView is the guided script for the call the agent is in. It shows the
// reason and the claims, and the name only where the ID is checked: nothing
// else about the person.
func (c *Console) callView(w http.ResponseWriter, r *http.Request, st *store.Staff, live *store.Call) {
	v, err := c.Store.Verification(r.Context(), live.VerificationID)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	f, err := c.Store.Freelancer(r.Context(), v.FreelancerID)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	outcomes, err := c.Store.ClaimOutcomes(r.Context(), v.ID)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	questions, err := c.Store.QuestionTemplates(r.Context())
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	byKind := questionsByKind(questions)
	ev, err := c.Workflow.Recorded(r.Context(), c.Store, v)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	page := callPage{Staff: st, Verification: v, Call: live, LegalName: f.DisplayName, Spoken: spokenScript(web.StaffLanguage(r), f, v.Mode(), live),
		Reasons: verification.NegativeReasons, Script: scriptState(live.Script, ev.Steps), AgentCamera: c.Calls.AgentCamera}
	for _, key := range v.Claims {
		claim, ok := f.Claim(key)
		if !ok {
			continue
		}
		if claim.Kind == verification.KindIdentity && claim.Value != "" {
			page.LegalName = claim.Value
		}
		cc := callClaim{Claim: claim, Questions: questionsFor(byKind, claim.Kind),
			FromDocument: claim.Kind == verification.KindIdentity && v.Mode() == verification.ModeAudio,
			ShowWork:     showsWork(claim.Kind)}
		for _, o := range outcomes {
			if o.Key == key {
				cc.Outcome = o
			}
		}
		page.Claims = append(page.Claims, cc)
	}
	for _, m := range ev.Missing(v) {
		page.Needed = append(page.Needed, Needed(web.StaffLanguage(r), m, page.ClaimLabel))
	}
	if page.Documents, err = c.Store.Documents(r.Context(), v.ID); err != nil {
		c.ServerError(w, r, err)
		return
	}
	if page.Credentials, err = c.credentialsOf(r.Context(), v.ID); err != nil {
		c.ServerError(w, r, err)
		return
	}
	web.RenderStaff(w, r, http.StatusOK, "agent_call", page)
}

// scriptState is what the call page's script shows as pressed: the helper
// noted in the call's script and each step's recorded result.
func scriptState(script []byte, steps []verification.StepRecord) string {
	state := map[string]string{}
	_ = json.Unmarshal(script, &state)
	for _, r := range steps {
		state[r.Step] = r.Result
	}
	b, _ := json.Marshal(state)
	return string(b)
}

func (c *Console) mailbox(w http.ResponseWriter, r *http.Request) {
	emails, err := c.Store.Emails(r.Context(), 200)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	web.RenderStaff(w, r, http.StatusOK, "mailbox", map[string]any{"Emails": emails})
}

var firstLink = regexp.MustCompile(`https?://[^\s<>"]+/v/[A-Za-z0-9_.-]+`)

func (c *Console) mail(w http.ResponseWriter, r *http.Request) {
	e, err := c.Store.Email(r.Context(), r.PathValue("id"))
	if !c.Found(w, r, err) {
		return
	}
	web.RenderStaff(w, r, http.StatusOK, "mail", map[string]any{"Email": e, "Link": firstLink.FindString(e.Text)})
}

// Found answers a failed read of what the path names: 404 when it does not
// exist, 500 for anything else. It reports whether the handler may go on.
func (c *Console) Found(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		c.NotFound(w, r)
	default:
		c.ServerError(w, r, err)
	}
	return false
}

func (c *Console) ServerError(w http.ResponseWriter, r *http.Request, err error) {
	c.Log.ErrorContext(r.Context(), "console page", slog.String("path", r.URL.Path), slog.Any("err", err))
	c.Refuse(w, r, signedInOrNil(r), http.StatusInternalServerError, web.StaffLanguage(r).Text("console.error.internal_later"))
}
