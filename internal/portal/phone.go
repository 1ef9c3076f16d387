package portal

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/attest-dev/attest/internal/qrcode"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// handoffCode matches workflow's alphabet: no I, L, O or U.
var handoffCode = regexp.MustCompile(`^[ABCDEFGHJKMNPQRSTVWXYZ2-9]{8}$`)

type phonePage struct {
	Base, Code, ShortURL string
	Minutes              int
}

// phone shows a QR code and a short link that open this freelancer's
// portal on a phone: for anyone without a webcam.
func (p *Portal) phone(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	var h *store.Handoff
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		h, err = p.Workflow.NewHandoff(r.Context(), tx, f.ID)
		return err
	})
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	web.RenderIn(w, http.StatusOK, catalog(f), "phone", phonePage{Base: "/v/" + r.PathValue("token"), Code: h.Code,
		ShortURL: p.Workflow.BaseURL + "/p/" + h.Code, Minutes: int(workflow.HandoffLifetime.Minutes())})
}

// phoneQR draws the short link of a code as an SVG image.
func (p *Portal) phoneQR(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	code := strings.TrimSuffix(r.PathValue("file"), ".svg")
	if !handoffCode.MatchString(code) {
		http.NotFound(w, r)
		return
	}
	svg, err := qrcode.SVG(p.Workflow.BaseURL+"/p/"+code, catalog(f).Text("phone.qr"), 296)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(svg)
}

// useHandoff is the short link a phone opens: it spends the code and goes
// on to a fresh portal link.
func (p *Portal) useHandoff(w http.ResponseWriter, r *http.Request) {
	code := strings.ToUpper(strings.TrimSpace(r.PathValue("code")))
	if !handoffCode.MatchString(code) {
		web.RenderIn(w, http.StatusNotFound, browserCatalog(r), "portal_error", codeSpent)
		return
	}
	var link *workflow.PortalLink
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		link, err = p.Workflow.UseHandoff(r.Context(), tx, code)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		web.RenderIn(w, http.StatusNotFound, browserCatalog(r), "portal_error", codeSpent)
	case errors.Is(err, store.ErrHandoffSpent):
		web.RenderIn(w, http.StatusGone, browserCatalog(r), "portal_error", codeSpent)
	case err != nil:
		p.serverError(w, r, err)
	default:
		http.Redirect(w, r, strings.TrimPrefix(link.URL, p.Workflow.BaseURL), http.StatusSeeOther)
	}
}
