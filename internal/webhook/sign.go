// Package webhook delivers attest's events to the marketplace's endpoints
// as Standard Webhooks (https://www.standardwebhooks.com): each event is
// signed with the endpoint's secret, fanned out from the events outbox into
// one delivery per endpoint, and sent by durable jobs that retry with
// exponential back-off for more than three days. An endpoint that keeps
// failing is disabled and the admins are told.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every signing secret, as Standard Webhooks suggests.
const SecretPrefix = "whsec_"

// SecretSize is the length of a signing secret, in bytes.
const SecretSize = 32

// NewSecret returns a fresh random signing secret.
func NewSecret() []byte {
	k := make([]byte, SecretSize)
	rand.Read(k) // crypto/rand.Read never fails
	return k
}

// EncodeSecret is a signing secret as the marketplace receives it: whsec_
// followed by the secret in base64.
func EncodeSecret(secret []byte) string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(secret)
}

// Sign returns the webhook-signature header value for a message: "v1,"
// and the base64 HMAC-SHA256 of "id.timestamp.body" under key.
func Sign(key []byte, msgID string, at time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID + "." + strconv.FormatInt(at.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Signatures returns the webhook-signature header value for a message
// signed with each of secrets, space-separated: during a secret's rotation
// the message carries a signature by the new secret and one by the old, and
// a receiver that knows either accepts it (Standard Webhooks).
func Signatures(secrets [][]byte, msgID string, at time.Time, body []byte) string {
	sigs := make([]string, len(secrets))
	for i, k := range secrets {
		sigs[i] = Sign(k, msgID, at, body)
	}
	return strings.Join(sigs, " ")
}
