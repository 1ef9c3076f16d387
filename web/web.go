// Package web holds attest's pages, styles and scripts, embedded in the
// binary, and renders pages with a shared layout.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

//go:embed templates static
var files embed.FS

// Static serves /static/ from the embedded files.
func Static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}

var funcs = template.FuncMap{
	// when formats a time in a zone for people: "Wednesday 2 December 2026, 14:30 (UTC-3)".
	"when": func(t time.Time, loc *time.Location) string {
		t = t.In(loc)
		return t.Format("Monday 2 January 2006, 15:04") + " (" + zoneName(t) + ")"
	},
	"date": date,
	// percent shows a share as people read it: 0.8537 is "85.4 %".
	"percent": func(f float64) string { return fmt.Sprintf("%.1f %%", 100*f) },
	"minutes": Minutes,
	// bytes is a file size as people read it: "840 KB", "2.4 MB".
	"bytes": func(n int64) string {
		switch {
		case n < 1000:
			return fmt.Sprintf("%d bytes", n)
		case n < 1000*1000:
			return fmt.Sprintf("%d KB", (n+500)/1000)
		default:
			return fmt.Sprintf("%.1f MB", float64(n)/1e6)
		}
	},
}

// Minutes is a wait in whole minutes, for staff pages.
func Minutes(d time.Duration) string {
	if d < time.Minute {
		return "under a minute"
	}
	return fmt.Sprintf("%d min", int(d.Minutes()))
}

// zoneName is the zone's abbreviation, or UTC±h where the database has only numbers.
func zoneName(t time.Time) string {
	name, offset := t.Zone()
	if name != "" && !strings.ContainsAny(name[:1], "+-0123456789") {
		return name
	}
	h, m := offset/3600, (offset%3600)/60
	if m < 0 {
		m = -m
	}
	if m != 0 {
		return fmt.Sprintf("UTC%+d:%02d", h, m)
	}
	return fmt.Sprintf("UTC%+d", h)
}

var pages = map[string]*template.Template{}

func init() {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html"))
	names, _ := fs.Glob(files, "templates/*.html")
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.Must(layout.Clone()).ParseFS(files, name))
	}
}

// Render writes a page with the layout, or a plain 500 if it cannot render.
// Rendering to a buffer first means a template error never sends half a page.
func Render(w http.ResponseWriter, status int, page string, data any) {
	t, ok := pages[page]
	var buf bytes.Buffer
	if !ok {
		http.Error(w, "page "+page+" does not exist", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// date formats a time, or a *time.Time, for staff pages, who all read UTC.
func date(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if t != nil {
			return t.UTC().Format("2006-01-02 15:04 UTC")
		}
	}
	return ""
}
