package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// A ticket is a short-lived, signed cookie that carries a sign-in from one
// request to the next: between the password and the TOTP code, or between
// leaving for the OIDC provider and coming back. Signing (HMAC-SHA256 under
// a key kept in the database, shared by every node) means the browser can
// hold it but not change it; its contents are not secret from the browser.
type ticket[T any] struct {
	Expires int64 `json:"exp"`
	Value   T     `json:"v"`
}

func (c *Console) ticketName(name string) string {
	if c.Secure {
		return "__Host-attest_" + name
	}
	return "attest_" + name
}

// setTicket stores v in the named ticket for lifetime.
func setTicket[T any](c *Console, w http.ResponseWriter, name string, v T, lifetime time.Duration) error {
	payload, err := json.Marshal(ticket[T]{Expires: c.Now().Add(lifetime).Unix(), Value: v})
	if err != nil {
		return err
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	http.SetCookie(w, &http.Cookie{Name: c.ticketName(name), Value: body + "." + c.ticketMAC(name, body), Path: "/",
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode, MaxAge: int(lifetime.Seconds())})
	return nil
}

// readTicket returns the named ticket's value when its signature holds
// and it has not expired.
func readTicket[T any](c *Console, r *http.Request, name string) (T, bool) {
	var t ticket[T]
	cookie, err := r.Cookie(c.ticketName(name))
	if err != nil || len(cookie.Value) > 2048 {
		return t.Value, false
	}
	body, mac, ok := strings.Cut(cookie.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(c.ticketMAC(name, body))) {
		return t.Value, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(payload, &t) != nil || c.Now().Unix() >= t.Expires {
		var zero T
		return zero, false
	}
	return t.Value, true
}

func (c *Console) clearTicket(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: c.ticketName(name), Value: "", Path: "/", HttpOnly: true, Secure: c.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// ticketMAC binds the cookie's name into the signature, so that one kind
// of ticket cannot be passed off as another.
func (c *Console) ticketMAC(name, body string) string {
	m := hmac.New(sha256.New, c.TicketKey)
	m.Write([]byte(name + "\x00" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
