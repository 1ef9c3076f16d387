// Package webhook delivers attest's events to the marketplace's endpoints
// as Standard Webhooks (https://www.standardwebhooks.com): each event is
// signed with the endpoint's secret, fanned out from the events outbox into
// one delivery per endpoint, and sent by durable jobs that retry with
// exponential back-off for more than three days. An endpoint that keeps
// failing is disabled and the admins are told.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// SecretPrefix starts every signing secret, as Standard Webhooks suggests.
const SecretPrefix = "whsec_"

// secretBytes derives an endpoint's signing key from the server's webhook
// key, the endpoint's id and its salt. Nothing stored in the endpoint's row
// is enough to sign; a new salt gives the endpoint a new secret.
func secretBytes(serverKey []byte, endpointID, salt string) []byte {
	mac := hmac.New(sha256.New, serverKey)
	mac.Write([]byte("attest webhook secret\x00" + endpointID + "\x00" + salt))
	return mac.Sum(nil)
}

// Secret is the signing secret as the marketplace receives it: whsec_
// followed by the key in base64.
func Secret(serverKey []byte, endpointID, salt string) string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(secretBytes(serverKey, endpointID, salt))
}

// Sign returns the webhook-signature header value for a message: "v1,"
// and the base64 HMAC-SHA256 of "id.timestamp.body" under key.
func Sign(key []byte, msgID string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID + "." + strconv.FormatInt(at.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
