// Package relay hands out the ICE servers a call uses: an embedded TURN server
// (pion/turn) with short-lived HMAC credentials by default, or an external TURN
// server such as coturn sharing a secret. Media relayed here stays in memory and
// is never written anywhere: attest records nothing.
package relay

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // SHA-1 is what the TURN REST API scheme (and coturn) prescribes.
	"encoding/base64"
	"strconv"
	"time"
)

// DefaultTTL is how long a credential stays valid when no TTL is configured.
// It only has to cover joining a call: the embedded server, like coturn,
// checks expiry when an allocation is created, not when it is refreshed.
const DefaultTTL = 10 * time.Minute

// ICEServer is one entry of RTCConfiguration.iceServers, as the browser wants it.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Provider gives a participant the ICE servers for a call.
type Provider interface {
	ICEServers(participant string, now time.Time) []ICEServer
}

// Credential builds the TURN REST API credential (the scheme coturn's
// use-auth-secret understands): username "<expiry unix seconds>:<participant>",
// password base64(HMAC-SHA1(secret, username)).
func Credential(secret []byte, participant string, expires time.Time) (username, password string) {
	username = strconv.FormatInt(expires.Unix(), 10) + ":" + participant
	return username, credentialPassword(secret, username)
}

// credentialPassword is the password belonging to a TURN REST API username.
func credentialPassword(secret []byte, username string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username)) // hash.Hash.Write never fails.
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
