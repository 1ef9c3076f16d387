package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
)

// Staff read moments, sizes and shares in their language: the month's
// name, the decimal separator, the order of the parts.
func TestStaffNumbersAndDates(t *testing.T) {
	pt := i18n.StaffMatch("pt-BR")
	at := time.Date(2026, time.December, 5, 11, 30, 7, 0, time.FixedZone("UTC-3", -3*3600)) // 14:30:07 UTC
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"date en", StaffDate(i18n.StaffEnglish, at, "day.time"), "5 Dec 2026, 14:30 UTC"},
		{"date pt-BR", StaffDate(pt, at, "day.time"), "5 de dez. de 2026, 14:30 UTC"},
		{"seconds en", StaffDate(i18n.StaffEnglish, at, "day.time_seconds"), "5 Dec 2026, 14:30:07 UTC"},
		{"seconds pt-BR", StaffDate(pt, at, "day.time_seconds"), "5 de dez. de 2026, 14:30:07 UTC"},
		{"bytes en", Bytes(i18n.StaffEnglish, 840), "840 bytes"},
		{"kilobytes pt-BR", Bytes(pt, 839_600), "840 KB"},
		{"megabytes en", Bytes(i18n.StaffEnglish, 2_400_000), "2.4 MB"},
		{"megabytes pt-BR", Bytes(pt, 2_400_000), "2,4 MB"},
		{"megabytes freelancer pt-BR", Bytes(i18n.Match("pt-BR"), 2_400_000), "2,4 MB"},
		{"percent pt-BR", Percent(pt, 0.8537), "85,4 %"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// The date template function keeps the exact moment for machines beside
// the staff's words, and shows nothing for a time that is not there.
func TestDateFunc(t *testing.T) {
	at := time.Date(2026, time.December, 5, 14, 30, 7, 0, time.UTC)
	var none *time.Time
	tmpl := template.Must(template.New("d").Funcs(localFuncs(i18n.StaffMatch("pt-BR"))).Parse(
		`{{date .At}}|{{date .At "seconds"}}|{{date .Ptr}}|{{date .None}}`))
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, map[string]any{"At": at, "Ptr": &at, "None": none}); err != nil {
		t.Fatal(err)
	}
	want := `<time datetime="2026-12-05T14:30:07Z">5 de dez. de 2026, 14:30 UTC</time>|` +
		`<time datetime="2026-12-05T14:30:07Z">5 de dez. de 2026, 14:30:07 UTC</time>|` +
		`<time datetime="2026-12-05T14:30:07Z">5 de dez. de 2026, 14:30 UTC</time>|`
	if got := buf.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A sentence with a link, a code or a live figure inside is one message:
// the markup goes in its place, escaped, and the message's own text
// around it stays whole in each language.
func TestMarkupInAMessage(t *testing.T) {
	for _, c := range []struct {
		cat  *i18n.Catalog
		page string
		want string
	}{
		{i18n.StaffEnglish, `{{t "admin_policy.intro" "log" (link "/admin/audit" (t "admin_policy.audit_log"))}}`,
			`Every change is written to the <a href="/admin/audit">audit log</a> with the values before and after.`},
		{i18n.StaffMatch("pt-BR"), `{{t "admin_policy.intro" "log" (link "/admin/audit" (t "admin_policy.audit_log"))}}`,
			`Toda mudança é escrita no <a href="/admin/audit">registro de auditoria</a> com os valores de antes e de depois.`},
		{i18n.StaffEnglish, `{{t "admin_webhooks.none" "api" (code (t "admin_webhooks.post_v1_webhook_endpoints"))}}`,
			`No endpoints yet. Add one below or with <code>POST /v1/webhook-endpoints</code>.`},
		{i18n.StaffEnglish, `{{t "admin_floor.updated" "at" (figure "at" "<b>14:30</b>")}}`,
			`Updated <span data-figure="at">&lt;b&gt;14:30&lt;/b&gt;</span>; the figures refresh every 5 seconds.`},
		{i18n.StaffEnglish, `{{link "/x?a=1&b=\"2\"" "a <i>"}}`, `<a href="/x?a=1&amp;b=&#34;2&#34;">a &lt;i&gt;</a>`},
	} {
		tmpl := template.Must(template.New("t").Funcs(localFuncs(c.cat)).Parse(c.page))
		var b strings.Builder
		if err := tmpl.Execute(&b, nil); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("%s in %s:\n got %s\nwant it to hold %s", c.page, c.cat.Tag, b.String(), c.want)
		}
	}
}
