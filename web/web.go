// Package web holds attest's pages, styles and scripts, embedded in the
// binary, and renders pages with a shared layout.
package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
)

//go:embed templates static
var files embed.FS

// Static serves /static/ from the embedded files.
func Static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}

// Bytes is a file size as c's readers write it: "840 KB", "2.4 MB" in
// English, "2,4 MB" in Portuguese (the catalog's "number.decimal").
func Bytes(c *i18n.Catalog, n int64) string {
	switch {
	case n < 1000:
		return c.Text("bytes.n", "count", n)
	case n < 1000*1000:
		return c.Text("bytes.kb", "count", (n+500)/1000)
	default:
		return c.Text("bytes.mb", "count", decimal(c, fmt.Sprintf("%.1f", float64(n)/1e6)))
	}
}

// decimal is a number printed by Go with c's decimal separator.
func decimal(c *i18n.Catalog, s string) string {
	if !c.Base().Has("number.decimal") {
		return s
	}
	return i18n.Decimal(s, c.Text("number.decimal"))
}

// Minutes is a wait in whole minutes, for staff pages, in c's language.
func Minutes(c *i18n.Catalog, d time.Duration) string {
	if d < time.Minute {
		return c.Text("minutes.under_one")
	}
	return c.Text("minutes.n", "count", int(d.Minutes()))
}

// StaffDay is a day in one of the staff catalogs' layouts ("day.month",
// "day.month_year", "day.weekday_month"), with the catalog's
// month and weekday names: Go's time package knows only English ones.
func StaffDay(c *i18n.Catalog, t time.Time, layout string) string {
	return c.Text(layout, "day", t.Day(), "year", t.Year(),
		"month", c.Text(fmt.Sprintf("month.%d", t.Month())), "mon", c.Text(fmt.Sprintf("month.%d.short", t.Month())),
		"wd", c.Text(fmt.Sprintf("weekday.%d.short", t.Weekday())))
}

// Percent is a share as c's readers write it: 0.8537 is "85.4 %" in
// English, "85,4 %" in Portuguese (the staff catalogs' "number.decimal").
func Percent(c *i18n.Catalog, f float64) string {
	return decimal(c, fmt.Sprintf("%.1f %%", 100*f))
}

// StaffDate is a moment as staff read it, in UTC, which every staff page
// shows: "5 Dec 2026, 14:30 UTC", "5 de dez. de 2026, 14:30 UTC" (the
// staff catalogs' "day.time"; "day.time_seconds" where the second
// matters, as in the audit log).
func StaffDate(c *i18n.Catalog, t time.Time, layout string) string {
	t = t.UTC()
	return c.Text(layout, "day", t.Day(), "year", t.Year(),
		"mon", c.Text(fmt.Sprintf("month.%d.short", t.Month())),
		"time", t.Format("15:04"), "seconds", t.Format("15:04:05"), "zone", "UTC")
}

// staffDate is the date template function: a time, or a *time.Time (nil
// shows nothing), in the staff's words inside a <time> element whose
// datetime attribute keeps the exact moment for machines.
// {{date .At}} reads to the minute; {{date .At "seconds"}} to the second.
func staffDate(c *i18n.Catalog, v any, precision ...string) template.HTML {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case *time.Time:
		if v == nil {
			return ""
		}
		t = *v
	default:
		return ""
	}
	layout := "day.time"
	if len(precision) > 0 && precision[0] == "seconds" {
		layout = "day.time_seconds"
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`,
		t.UTC().Format(time.RFC3339), template.HTMLEscapeString(StaffDate(c, t, layout))))
}

// ZoneName is the zone's abbreviation, or UTC±h where the database has only numbers.
func ZoneName(t time.Time) string {
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

// localFuncs are the functions whose words depend on the reader's language.
func localFuncs(c *i18n.Catalog) template.FuncMap {
	return template.FuncMap{
		// t is a message of the catalog; args come in pairs, name then value.
		"t": c.HTML,
		// link, code and figure are markup for a place in a message
		// ({{t "key" "log" (link "/admin/audit" (t "admin_policy.audit_log"))}}),
		// so that a sentence around a link stays one message, in the
		// order its language puts it.
		"link": func(href string, text any) template.HTML {
			return template.HTML(`<a href="` + i18n.EscapeArg(href) + `">` + i18n.EscapeArg(text) + `</a>`)
		},
		"code": func(text any) template.HTML { return template.HTML(`<code>` + i18n.EscapeArg(text) + `</code>`) },
		// figure is a figure a page's script updates in place (data-figure).
		"figure": func(name string, value any) template.HTML {
			return template.HTML(`<span data-figure="` + i18n.EscapeArg(name) + `">` + i18n.EscapeArg(value) + `</span>`)
		},
		// tn is a plural message for a count.
		"tn": c.NHTML,
		// when formats a time in a zone for people: "Wednesday 2 December 2026, 14:30 (UTC-3)".
		"when": func(t time.Time, loc *time.Location) string {
			t = t.In(loc)
			return c.Date("date.long", t, ZoneName(t))
		},
		"lang": func() string { return c.Tag },
		// day is a day as staff read it: {{day .Date "day.month"}} is
		// "2 January", "2 de janeiro" (the staff catalogs' date layouts).
		"day": func(t time.Time, layout string) string { return StaffDay(c, t, layout) },
		// weekday names a day of the week: "Monday", "segunda-feira".
		"weekday": func(d time.Weekday) string { return c.Text(fmt.Sprintf("weekday.%d", d)) },
		// percent shows a share as people read it: 0.8537 is "85.4 %", "85,4 %" in Portuguese.
		"percent": func(f float64) string { return Percent(c, f) },
		// word is the staff's word for a code: {{word "status" .Status}}.
		"word": func(kind string, code any) string { return Word(c, kind, code) },
		// actor names who did something, for staff: {{actor .Actor $.Names}}.
		"actor": func(actor string, names map[string]string) string { return Actor(c, actor, names) },
		// group is a fairness group in words: {{group $b.Name .Group .Label}}.
		"group":   func(dimension, key, label string) string { return Group(c, dimension, key, label) },
		"minutes": func(d time.Duration) string { return Minutes(c, d) },
		// browser names a session's browser: "Chrome 131 on Windows".
		"browser": func(ua string) string { return Browser(c, ua) },
		// date is a moment for staff, in UTC: {{date .At}} is "5 Dec 2026, 14:30 UTC".
		"date": func(v any, precision ...string) template.HTML { return staffDate(c, v, precision...) },
		// bytes is a file size as people read it: "840 KB", "2,4 MB".
		"bytes":    func(n int64) string { return Bytes(c, n) },
		"pagetext": func() map[string]any { return pageText(c) },
	}
}

// pageText is what the pages' scripts say, from the catalog's js.* keys:
// a text, or plural forms by name for the script to choose with
// Intl.PluralRules.
func pageText(c *i18n.Catalog) map[string]any {
	text := map[string]any{}
	for _, key := range c.Base().Keys() {
		if !strings.HasPrefix(key, "js.") {
			continue
		}
		if c.Plural(key) || c.Base().Plural(key) {
			text[key] = c.Forms(key)
		} else {
			text[key] = c.Text(key)
		}
	}
	return text
}

// pages holds every page once per catalog: the functions of a template are
// fixed when it is prepared, so each language has its own copy.
var pages = map[*i18n.Catalog]map[string]*template.Template{}

func init() {
	master := map[string]*template.Template{}
	layout := template.Must(template.New("layout.html").Funcs(localFuncs(i18n.English)).ParseFS(files, "templates/layout.html"))
	names, _ := fs.Glob(files, "templates/*.html")
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		master[base] = template.Must(template.Must(layout.Clone()).ParseFS(files, name))
	}
	for _, c := range append(i18n.All(), i18n.StaffAll()...) {
		pages[c] = map[string]*template.Template{}
		for base, t := range master {
			pages[c][base] = template.Must(t.Clone()).Funcs(localFuncs(c))
		}
	}
}

// Render writes a page in English, or a plain 500 if it cannot render:
// the API reference, which speaks only English.
func Render(w http.ResponseWriter, status int, page string, data any) {
	RenderIn(w, status, i18n.English, page, data)
}

// RenderStaff writes a staff page in the staff member's language
// (StaffLanguage), or a plain 500 if it cannot render.
func RenderStaff(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	RenderIn(w, status, StaffLanguage(r), page, data)
}

type staffLanguageKey struct{}

// WithStaffLanguage is ctx carrying the staff catalog a signed-in staff
// member's pages speak (see ChooseStaffLanguage).
func WithStaffLanguage(ctx context.Context, c *i18n.Catalog) context.Context {
	return context.WithValue(ctx, staffLanguageKey{}, c)
}

// ChooseStaffLanguage is the staff catalog for a staff member whose
// language setting is setting: that language, or, when the setting is
// empty (or no longer spoken), the browser's, negotiated from its
// Accept-Language against the staff catalogs, English when none matches.
func ChooseStaffLanguage(setting string, r *http.Request) *i18n.Catalog {
	if c := i18n.StaffMatch(setting); c != nil {
		return c
	}
	return i18n.StaffNegotiate(r.Header.Get("Accept-Language"))
}

// StaffLanguage is the staff catalog a request's pages speak: the one the
// console put in its context for the signed-in staff member, else the
// browser's (sign-in, the second step), as ChooseStaffLanguage.
func StaffLanguage(r *http.Request) *i18n.Catalog {
	if c, ok := r.Context().Value(staffLanguageKey{}).(*i18n.Catalog); ok {
		return c
	}
	return ChooseStaffLanguage("", r)
}

// RenderIn writes a page with the layout in the catalog's language, or a
// plain 500 if it cannot render. Rendering to a buffer first means a
// template error never sends half a page.
func RenderIn(w http.ResponseWriter, status int, c *i18n.Catalog, page string, data any) {
	t, ok := pages[c][page]
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

// RenderStaffPart writes one part of a staff page (a template the page
// defines, such as a list its script reads again) without the layout, in
// the staff member's language, or a plain 500 if it cannot render.
func RenderStaffPart(w http.ResponseWriter, r *http.Request, page, part string, data any) {
	t, ok := pages[StaffLanguage(r)][page]
	var buf bytes.Buffer
	if !ok || t.Lookup(part) == nil {
		http.Error(w, "page part "+page+"/"+part+" does not exist", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, part, data); err != nil {
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

// StaffNotice is the notice a staff page shows after a change, named by
// the request's ?notice= code: the staff catalog's "notice.<page>.<code>"
// in the staff member's language, or "" for no notice or an unknown one.
func StaffNotice(r *http.Request, page string) string {
	code := r.URL.Query().Get("notice")
	c := StaffLanguage(r)
	if key := "notice." + page + "." + code; code != "" && c.Base().Has(key) {
		return c.Text(key)
	}
	return ""
}
