package portal

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/attest-dev/attest/internal/evidence"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// uploadLimit is the largest request an upload may be: one document and the
// few small fields beside it.
const uploadLimit = evidence.MaxSize + 64<<10

// documentNotices turn an upload's field or rule error code into the notice
// the page shows.
var documentNotices = map[string]string{
	"empty":              "document-empty",
	"too_large":          "document-too-large",
	"unsupported_type":   "document-type",
	"unknown_claim":      "document-claim",
	"too_many_documents": "document-too-many",
	"documents_off":      "documents-off",
	"no_documents":       "document-missing",
	"not_offered":        "accommodation-refused",
	"too_long":           "accommodation-too-long",
	"not_asked":          "document-claim-asked",
	// workflow.ErrDocumentsMissing: the page names the claims still
	// without a document beside the send button.
	"documents_missing": "documents-incomplete",
}

// upload takes one document as evidence. The form is read part by part
// into memory, so that no plain copy of the file is ever written to disk.
func (p *Portal) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, uploadLimit)
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	form, err := readUpload(r)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || errors.Is(err, evidence.ErrTooLarge):
		p.redirect(w, r, "document-too-large")
		return
	case err != nil || form.data == nil:
		p.redirect(w, r, "document-missing")
		return
	}
	err = p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := p.Workflow.AddDocument(r.Context(), tx, f.ID, form.fields["claim"], form.filename, form.data)
		return err
	})
	p.documentOutcome(w, r, err, "document-added")
}

// removeDocument deletes one of the freelancer's documents.
func (p *Portal) removeDocument(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return p.Workflow.RemoveDocument(r.Context(), tx, f.ID, r.PathValue("id"))
	})
	if errors.Is(err, store.ErrNotFound) {
		p.redirect(w, r, "document-gone")
		return
	}
	p.documentOutcome(w, r, err, "document-removed")
}

// submitDocuments sends the freelancer's documents for review instead of a call.
func (p *Portal) submitDocuments(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := p.Workflow.SubmitDocuments(r.Context(), tx, f.ID, r.PostFormValue("reason"))
		return err
	})
	var illegal *verification.IllegalTransitionError
	if errors.As(err, &illegal) {
		p.redirect(w, r, "documents-not-now")
		return
	}
	p.documentOutcome(w, r, err, "documents-sent")
}

func (p *Portal) documentOutcome(w http.ResponseWriter, r *http.Request, err error, done string) {
	var field *verification.FieldError
	var rule *verification.RuleError
	switch {
	case err == nil:
		p.redirect(w, r, done)
	case errors.Is(err, workflow.ErrNoOpenCase):
		p.redirect(w, r, "not-open")
	case errors.As(err, &field):
		p.redirect(w, r, documentNotices[field.Code])
	case errors.As(err, &rule):
		p.redirect(w, r, documentNotices[rule.Code])
	default:
		p.serverError(w, r, err)
	}
}

type uploadForm struct {
	fields   map[string]string
	filename string
	data     []byte
}

// readUpload reads a multipart form: small text fields and at most one
// "file". A text field over 20 KB is cut there (the statement, the longest,
// is at most 4000 characters).
func readUpload(r *http.Request) (uploadForm, error) {
	form := uploadForm{fields: map[string]string{}}
	mr, err := r.MultipartReader()
	if err != nil {
		return form, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return form, err
		}
		switch name := part.FormName(); {
		case name == "file":
			if form.data != nil {
				break // one document per form; later files are ignored
			}
			if form.data, err = readFile(part); err != nil {
				return form, err
			}
			form.filename = part.FileName()
		case name != "":
			b, err := io.ReadAll(io.LimitReader(part, 20<<10))
			if err != nil {
				return form, err
			}
			form.fields[name] = string(b)
		}
		part.Close()
	}
}

// readFile reads one file part, refusing it past evidence.MaxSize. A part
// with no file chosen arrives empty and reads as nil.
func readFile(part *multipart.Part) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(part, evidence.MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > evidence.MaxSize {
		return nil, evidence.ErrTooLarge
	}
	if len(data) == 0 && part.FileName() == "" {
		return nil, nil
	}
	return data, nil
}
