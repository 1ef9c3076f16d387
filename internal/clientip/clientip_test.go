package clientip

import (
	"net/http"
	"testing"
)

func TestOf(t *testing.T) {
	proxies, err := ParseProxies("127.0.0.1, 10.0.0.0/8, ::1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"no proxy: the peer", "203.0.113.9:4242", nil, "203.0.113.9"},
		{"a client's own header is not believed", "203.0.113.9:4242", []string{"198.51.100.1"}, "203.0.113.9"},
		{"behind the proxy", "127.0.0.1:4242", []string{"203.0.113.9"}, "203.0.113.9"},
		// The client sent "1.2.3.4"; the proxy appended the real address.
		{"a spoofed first entry", "127.0.0.1:4242", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"two proxies", "10.1.2.3:80", []string{"1.2.3.4, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"headers repeated", "127.0.0.1:80", []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9"},
		{"IPv6 proxy", "[::1]:80", []string{"2001:db8::7"}, "2001:db8::7"},
		{"only proxies", "127.0.0.1:80", []string{"10.0.0.1"}, "127.0.0.1"},
		{"no header from the proxy", "127.0.0.1:80", nil, "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
			for _, v := range tt.forwarded {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := proxies.Of(r); got != tt.want {
				t.Fatalf("Of = %q, want %q", got, tt.want)
			}
		})
	}
	if got := Proxies(nil).Of(&http.Request{RemoteAddr: "127.0.0.1:1", Header: http.Header{"X-Forwarded-For": {"9.9.9.9"}}}); got != "127.0.0.1" {
		t.Fatalf("trusting nobody: %q", got)
	}
}

func TestParseProxies(t *testing.T) {
	for _, bad := range []string{"true", "1", "10.0.0.0/33", "example.com"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
	if p, err := ParseProxies(""); err != nil || len(p) != 0 {
		t.Fatalf("empty: %v %v", p, err)
	}
}
