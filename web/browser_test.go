package web

import (
	"testing"

	"github.com/attest-dev/attest/internal/i18n"
)

func TestBrowser(t *testing.T) {
	pt := i18n.StaffMatch("pt-BR")
	tests := []struct {
		lang *i18n.Catalog
		ua   string
		want string
	}{
		{i18n.StaffEnglish, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on Windows"},
		{pt, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 no Windows"},
		{i18n.StaffEnglish, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131 on Windows"},
		{i18n.StaffEnglish, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128 on Linux"},
		{i18n.StaffEnglish, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari 18 on macOS"},
		{i18n.StaffEnglish, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari 18 on iOS"},
		{i18n.StaffEnglish, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36", "Chrome 131 on Android"},
		{i18n.StaffEnglish, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36", "Chrome 142 on Linux"},
		{i18n.StaffEnglish, "Go-http-client/1.1", "Go-http-client/1.1"},
		{i18n.StaffEnglish, "curl/8.5.0 extra", "curl/8.5.0"},
		{i18n.StaffEnglish, "", "Unknown"},
		{i18n.StaffEnglish, "ççççççççççççççççççççççççççççççççççççççççç/1", "çççççççççççççççççççççççççççççççççççççççç…"},
		{pt, "   ", "Desconhecido"},
	}
	for _, tt := range tests {
		if got := Browser(tt.lang, tt.ua); got != tt.want {
			t.Errorf("Browser(%s, %q) = %q, want %q", tt.lang.Tag, tt.ua, got, tt.want)
		}
	}
}
