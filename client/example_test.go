package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"

	"github.com/attest-dev/attest/client"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
)

// A marketplace keeps a profile in attest, opens a verification with a
// reason the freelancer will read, and checks the standing on its hot path.
// (The example runs against a real attest started in the test process; in
// production the base URL and key are your attest's.)
func Example() {
	ctx := context.Background()
	baseURL, apiKey, stop := startAttest()
	defer stop()

	c := client.New(baseURL, apiKey)
	_, created, err := c.PutFreelancer(ctx, "u-1042", client.FreelancerInput{
		DisplayName: "Ana Souza", Email: "ana@example.com", Locale: "pt-BR", TimeZone: "America/Sao_Paulo",
		Claims: []client.Claim{{Key: "location", Label: "Location", Value: "Recife, Brazil", Kind: client.KindLocation}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("profile created:", created)

	v, err := c.CreateVerification(ctx, client.VerificationCreate{
		FreelancerID: "u-1042",
		Reason:       client.Reason{Code: "new_account_review", Explanation: "New accounts with many invitations are checked once."},
	}, client.WithIdempotencyKey("open-u-1042-1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verification:", v.Status, "with a portal link:", v.PortalURL != "")

	// A second open verification is refused with a typed error.
	_, err = c.CreateVerification(ctx, client.VerificationCreate{FreelancerID: "u-1042",
		Reason: client.Reason{Code: "again", Explanation: "Once more."}})
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println("second one:", e.StatusCode, e.Code)
	}

	st, err := c.Standing(ctx, "u-1042")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("restrictions:", st.Restrictions, "open:", st.OpenVerification.Status)
	// Output:
	// profile created: true
	// verification: awaiting_freelancer with a portal link: true
	// second one: 409 verification_open
	// restrictions: [] open: awaiting_freelancer
}

// startAttest runs a whole attest on a fresh SQLite database behind a local
// listener and makes an API key for it.
func startAttest() (baseURL, apiKey string, stop func()) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "attest-example-")
	if err != nil {
		log.Fatal(err)
	}
	h := httptest.NewUnstartedServer(nil)
	baseURL = "http://" + h.Listener.Addr().String()
	srv, err := server.Open(ctx, server.Config{Store: store.Config{DataDir: dir}, BaseURL: baseURL, Keys: keystest.Ring()})
	if err != nil {
		log.Fatal(err)
	}
	h.Config.Handler = srv.Handler()
	h.Start()
	err = srv.Store.InTx(ctx, func(tx *store.Tx) error {
		apiKey, err = srv.Staff.CreateAPIKey(ctx, tx, "example", "example marketplace")
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	return baseURL, apiKey, func() { h.Close(); srv.Close(); os.RemoveAll(dir) }
}
