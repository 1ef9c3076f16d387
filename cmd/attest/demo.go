package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

func demo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("demo", stderr)
	addr := f.str("addr", "127.0.0.1:8080", "address to listen on")
	data := f.str("data", "", "directory for the demo database (default: a new temporary directory)")
	credentials := credentialFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if *data == "" {
		dir, err := os.MkdirTemp("", "attest-demo-")
		if err != nil {
			return fmt.Errorf("make demo directory: %w", err)
		}
		*data = dir
	} else if err := os.MkdirAll(*data, 0o700); err != nil {
		return fmt.Errorf("make demo directory: %w", err)
	}
	// The demo trusts its own issuer of identity credentials, whose key
	// it keeps beside its database: `attest wallet present` presents
	// credentials from it (docs/CREDENTIALS.md).
	issuer, err := demoIssuer(*data)
	if err != nil {
		return err
	}
	demoTrust, err := issuer.Trust()
	if err != nil {
		return err
	}
	credentialCfg, err := credentials(demoTrust)
	if err != nil {
		return err
	}
	credentialCfg.AllowHTTP = true // issuers started beside the demo serve their status lists over plain http
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (another attest running? try --addr 127.0.0.1:8081)", *addr, err)
	}
	base := baseURLFor("", ln)
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The demo keeps its master key beside its database, so that a demo
	// started again on the same --data opens what it sealed; a deployment
	// keeps its key apart from the data (--master-key-file).
	master, err := keys.ReadOrCreateFile(filepath.Join(*data, "master.key"))
	if err != nil {
		ln.Close()
		return err
	}
	srv, err := server.Open(ctx, server.Config{Store: store.Config{DataDir: *data}, BaseURL: base, Log: log, Keys: keys.NewRing(master),
		// A demo folder from before master keys sealed its documents with
		// this key: given once, they are sealed again under the master key.
		DocumentKey: oldDemoDocumentKey(*data),
		// The demo runs on one machine: its webhooks may go to a local receiver.
		Webhooks: server.WebhookConfig{AllowPrivate: true},
		// The demo sends no mail: its invitations are read in the dev mailbox.
		DevMailbox:  true,
		Credentials: credentialCfg})
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	seeded, err := seedDemo(ctx, srv)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	fmt.Fprintf(stdout, `attest demo is running with sample data in %s

  Agent console   %s/login
                  email    %s
                  password %s
  Freelancer      %s
                  (Ana Souza's portal: why she was asked, what is checked, her deadline)
  Verified        %s
                  (Lena Fischer's portal: verified, she may add it to a wallet)
  Admin area      %s/admin   (admin@demo.example, same password: the floor,
                  webhooks, API keys, staff, audit log; supervisor@demo.example
                  sees the floor, second reviews and fairness)
  Dev mailbox     %s/dev/mailbox   (sign in as admin@demo.example; the demo sends
                  no mail: invitations and reminders land here)
  API key         %s
  API reference   %s/docs

Try a call (it works on this machine with one browser and a private window):
  1. open the agent console, sign in, press "Go online";
  2. open Ana's link in a private window, check your camera, press "Join the queue";
  3. back in the console, press "Take the next freelancer": you are in a video call.

Try a digital ID instead of a call (Ana's legal name, from the demo's own
issuer): open Ana's link, press "Use a wallet on another device", and give
the link under the QR code to the test wallet:
  go run ./cmd/attest wallet present --data %s --link 'openid4vp://…'
or let the test wallet start from Ana's link itself:
  go run ./cmd/attest wallet present --data %s --portal-url %s

Try issuing (attest gives a verified result to the freelancer's wallet): open
Lena's link, press "Add to your wallet", copy the link "Open in the wallet on
this device" (or the offer the QR code holds), and give it to the test wallet:
  go run ./cmd/attest wallet receive --offer 'openid-credential-offer://…'

Try the API:
  curl -s -H "Authorization: Bearer %s" %s/v1/freelancers/u-1004/standing
  curl -s -H "Authorization: Bearer %s" -H "Content-Type: application/json" \
    -d '{"freelancer_id":"u-1002","reason":{"code":"location_mismatch","explanation":"Recent sign-ins came from another country than your profile says."}}' \
    %s/v1/verifications

Press Ctrl+C to stop.
`, *data, base, seeded.agentEmail, seeded.agentPassword, seeded.portalURL, seeded.verifiedURL, base, base, seeded.apiKey, base,
		*data, *data, seeded.portalURL, seeded.apiKey, base, seeded.apiKey, base)
	return srv.Run(ctx, ln)
}

type demoSeed struct {
	agentEmail, agentPassword, apiKey, portalURL string
	// verifiedURL is the portal of Lena, whose case is verified: her page
	// offers "Add to your wallet".
	verifiedURL string
}

// seedDemo fills a fresh database with a small, plausible marketplace: four
// freelancers, one open case, one verified, one overdue, one with no case.
func seedDemo(ctx context.Context, srv *server.Server) (*demoSeed, error) {
	pw := make([]byte, 12)
	rand.Read(pw)
	seed := &demoSeed{agentEmail: "agent@demo.example", agentPassword: base64.RawURLEncoding.EncodeToString(pw)}
	now := time.Now()
	past := *srv.Workflow
	past.Now = func() time.Time { return now.AddDate(0, 0, -9) }
	wf := srv.Workflow
	err := srv.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := srv.Staff.Put(ctx, tx, "system:demo", seed.agentEmail, "Maria", store.RoleAgent, seed.agentPassword); err != nil {
			return err
		}
		if _, err := srv.Staff.Put(ctx, tx, "system:demo", "supervisor@demo.example", "Sam", store.RoleSupervisor, seed.agentPassword); err != nil {
			return err
		}
		if _, err := srv.Staff.Put(ctx, tx, "system:demo", "admin@demo.example", "Ada", store.RoleAdmin, seed.agentPassword); err != nil {
			return err
		}
		var err error
		if seed.apiKey, err = srv.Staff.CreateAPIKey(ctx, tx, "system:demo", "demo marketplace"); err != nil {
			return err
		}
		if err := demoHours(ctx, tx, wf, seed.agentEmail, "supervisor@demo.example"); err != nil {
			return err
		}
		for _, f := range demoFreelancers() {
			if _, err := srv.Workflow.PutFreelancer(ctx, tx, "system:demo", f); err != nil {
				return err
			}
		}
		opened, err := srv.Workflow.OpenVerification(ctx, tx, "system:demo", verification.Request{FreelancerID: "u-1001",
			Reason: verification.Reason{Code: "new_account_review", Explanation: "Your account is new and received many client invitations in its first week. " +
				"We check such accounts once, so that clients can trust what profiles say. It is not an accusation."}})
		if err != nil {
			return err
		}
		seed.portalURL = opened.Link.URL
		if seed.verifiedURL, err = demoVerified(ctx, tx, &past, seed.agentEmail); err != nil {
			return err
		}
		_, err = past.OpenVerification(ctx, tx, "system:demo", verification.Request{FreelancerID: "u-1004",
			Reason: verification.Reason{Code: "payment_dispute", Explanation: "A client disputed a payment and said the work was done by someone else. " +
				"A short call lets you confirm that the profile is yours."}})
		return err
	})
	return seed, err
}

// demoVerified takes Lena's case through a call with Maria to a verified
// decision, recording every step the decision needs, as the console does,
// and returns her portal link.
func demoVerified(ctx context.Context, tx *store.Tx, wf *workflow.Workflow, agentEmail string) (string, error) {
	maria, err := tx.StaffByEmail(ctx, agentEmail)
	if err != nil {
		return "", err
	}
	opened, err := wf.OpenVerification(ctx, tx, "system:demo", verification.Request{FreelancerID: "u-1003",
		Reason: verification.Reason{Code: "skill_badge", Explanation: "You asked for the verified-translator badge."}})
	if err != nil {
		return "", err
	}
	v := opened.Verification
	if _, err := wf.JoinQueue(ctx, tx, v.FreelancerID); err != nil {
		return "", err
	}
	taken, err := wf.TakeNext(ctx, tx, maria.ID)
	if err != nil {
		return "", err
	}
	steps := [][2]string{{verification.StepConsent, "given"}, {verification.StepIdentity, "matched"}}
	for _, c := range taken.Call.Challenges {
		if _, err := wf.ShowChallenge(ctx, tx, maria.ID, v.ID, c.Key); err != nil {
			return "", err
		}
		steps = append(steps, [2]string{verification.ChallengeStep(c.Key), "done"})
	}
	for _, s := range steps {
		if _, err := wf.RecordStep(ctx, tx, maria.ID, v.ID, s[0], s[1]); err != nil {
			return "", err
		}
	}
	for _, key := range v.Claims {
		if err := wf.RecordOutcome(ctx, tx, maria.ID, v.ID, verification.ClaimOutcome{Key: key, Outcome: verification.Confirmed}); err != nil {
			return "", err
		}
	}
	_, err = wf.DecideCall(ctx, tx, maria.ID, v.ID, workflow.CallDecision{Decision: verification.DecideVerified})
	return opened.Link.URL, err
}

// DemoLegalName is the legal name of the demo's freelancer with an open
// case, which `attest wallet present` states by default.
const DemoLegalName = "Ana Paula Souza"

func demoFreelancers() []*verification.Freelancer {
	return []*verification.Freelancer{
		{ID: "u-1001", DisplayName: "Ana Souza", Email: "ana.souza@example.com", Locale: "pt-BR", TimeZone: "America/Sao_Paulo",
			Claims: []verification.Claim{
				{Key: "legal_name", Label: "Nome civil", Value: DemoLegalName, Kind: verification.KindIdentity},
				{Key: "location", Label: "Location", Value: "São Paulo, Brazil", Kind: verification.KindLocation},
				{Key: "skill.go", Label: "Go backend development", Value: "6 years", Kind: verification.KindSkill},
				{Key: "education", Label: "Degree", Value: "BSc Computer Science, Universidade de São Paulo", Kind: verification.KindEducation},
			}},
		{ID: "u-1002", DisplayName: "Rahul Mehta", Email: "rahul.mehta@example.com", Locale: "en-IN", TimeZone: "Asia/Kolkata",
			Claims: []verification.Claim{
				{Key: "location", Label: "Location", Value: "Pune, India", Kind: verification.KindLocation},
				{Key: "employment", Label: "Senior Android developer", Value: "Fintech company, 2019–2024", Kind: verification.KindEmployment},
			}},
		{ID: "u-1003", DisplayName: "Lena Fischer", Email: "lena.fischer@example.com", Locale: "de-DE", TimeZone: "Europe/Berlin",
			Claims: []verification.Claim{
				{Key: "identity", Label: "Legal name", Value: "Lena Fischer", Kind: verification.KindIdentity},
				{Key: "skill.translation", Label: "Technical translation", Value: "German ↔ English", Kind: verification.KindSkill},
			}},
		{ID: "u-1004", DisplayName: "Kwame Mensah", Email: "kwame.mensah@example.com", Locale: "en-GH", TimeZone: "Africa/Accra",
			Claims: []verification.Claim{
				{Key: "location", Label: "Location", Value: "Accra, Ghana", Kind: verification.KindLocation},
				{Key: "skill.ux", Label: "UX research", Value: "4 years", Kind: verification.KindSkill},
			}},
	}
}

// demoHours gives the demo's staff working hours, so that freelancers can
// book: Maria weekdays in Lisbon, Sam every day in the evening, UTC.
func demoHours(ctx context.Context, tx *store.Tx, wf *workflow.Workflow, maria, sam string) error {
	var weekdays, everyDay []schedule.Hours
	for d := time.Sunday; d <= time.Saturday; d++ {
		if d != time.Saturday && d != time.Sunday {
			weekdays = append(weekdays, schedule.Hours{Day: d, Start: 9 * 60, End: 17 * 60})
		}
		everyDay = append(everyDay, schedule.Hours{Day: d, Start: 17 * 60, End: 21 * 60})
	}
	for _, h := range []struct {
		email, zone string
		hours       []schedule.Hours
	}{{maria, "Europe/Lisbon", weekdays}, {sam, "UTC", everyDay}} {
		st, err := tx.StaffByEmail(ctx, h.email)
		if err != nil {
			return err
		}
		if err := wf.SetHours(ctx, tx, "system:demo", st.ID, h.zone, h.hours); err != nil {
			return err
		}
	}
	return nil
}

// oldDemoDocumentKey is the document key a demo folder from before master
// keys kept beside its database, or "".
func oldDemoDocumentKey(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "demo-document.key"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
