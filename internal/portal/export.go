package portal

import (
	"net/http"
)

// export sends the freelancer everything attest holds about them as a JSON
// file (GDPR Art. 15 and 20): the document the API's export returns.
func (p *Portal) export(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	e, err := p.Workflow.Export(r.Context(), "freelancer:"+f.ID, f.ID)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	body, err := e.File()
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Disposition", `attachment; filename="`+e.Filename()+`"`)
	h.Set("Cache-Control", "no-store")
	w.Write(body)
}
