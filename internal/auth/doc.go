// Package auth holds the credentials of attest: staff passwords, API keys,
// session tokens, signed freelancer portal links and the failed-login limiter.
//
// Functions that create secrets take an io.Reader for randomness and
// functions that depend on the time take it as a parameter or clock, so that
// tests are deterministic. Outside tests, pass crypto/rand.Reader and
// time.Now.
package auth
