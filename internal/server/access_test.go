package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/web"
)

// caller is one kind of visitor, with the credential it holds.
type caller struct {
	name  string
	jar   http.CookieJar // a staff session
	key   string         // an API key
	token string         // the portal token it puts in /v/{token} paths
}

// allowed lists who each rule lets in.
var allowed = map[web.Access][]string{
	web.Public:     {"anonymous", "freelancer", "agent", "supervisor", "admin", "api key"},
	web.Link:       {"freelancer"},
	web.Staff:      {"agent", "supervisor", "admin"},
	web.CaseStaff:  {},                      // nobody here works on the document's case
	web.Reviewer:   {"supervisor", "admin"}, // this agent has no review rights
	web.Supervisor: {"supervisor", "admin"},
	web.Admin:      {"admin"},
	web.APIKey:     {"api key"},
}

// Every route, with every kind of caller: the answer is a refusal exactly
// when the route's rule says so, and never a server error.
func TestEveryRouteWithEveryRole(t *testing.T) {
	// The dev mailbox is on so that its routes are walked too.
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), DevMailbox: true})
	ctx := context.Background()
	opened := seedCase(t, s, "u-700")
	seedCase(t, s, "u-701")
	token := strings.TrimPrefix(opened.Link.URL, base+"/v/")
	forged := token[:len(token)-2] + "xx"
	var key string
	var document *store.Document
	if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if key, err = s.Staff.CreateAPIKey(ctx, tx, "test", "walk"); err != nil {
			return err
		}
		// A real document, so that opening one is refused for who the
		// caller is, not because there is nothing to open; on a case of
		// its own, which the walk's portal requests do not change.
		document, err = s.Workflow.AddDocument(ctx, tx, "u-701", "", "id.pdf", testPDF)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	session := func(email string, role store.Role) http.CookieJar {
		addStaff(t, s, email, role, "correct horse battery")
		return signIn(t, base, email, "correct horse battery")
	}
	callers := []caller{
		{name: "anonymous", token: forged},
		{name: "freelancer", token: token},
		{name: "agent", jar: session("agent@example.com", store.RoleAgent), token: forged},
		{name: "supervisor", jar: session("sup@example.com", store.RoleSupervisor), token: forged},
		{name: "admin", jar: session("admin@example.com", store.RoleAdmin), token: forged},
		{name: "api key", key: key, token: forged},
	}

	list := s.Routes()
	if len(list) < 80 {
		t.Fatalf("only %d routes: the walk would miss some", len(list))
	}
	// Signing out ends the session the later requests need: it goes last.
	slices.SortStableFunc(list, func(a, b server.Route) int {
		return boolInt(a.Pattern == "POST /logout") - boolInt(b.Pattern == "POST /logout")
	})
	walked := 0
	for _, route := range list {
		method, path, ok := strings.Cut(route.Pattern, " ")
		if !ok || path == "/v1/" {
			continue // the API's catch-all is walked through its operations
		}
		if route.Pattern == "GET /agent/documents/{id}" {
			path = strings.Replace(path, "{id}", document.ID, 1)
		}
		for _, c := range callers {
			status, location, body := request(t, c, method, base+concrete(path, c.token), c.key)
			want := slices.Contains(allowed[route.Access], c.name)
			got := !refused(route.Access, status, location, body)
			if status >= 500 {
				t.Errorf("%s as %s: %d\n%.300s", route.Pattern, c.name, status, body)
			}
			if got != want {
				t.Errorf("%s (%s) as %s: %d %s, want allowed=%v", route.Pattern, route.Access, c.name, status, location, want)
			}
			walked++
		}
	}
	t.Logf("%d routes, %d requests", len(list), walked)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// concrete fills a pattern's wildcards with values that match nothing, so
// that an allowed caller gets "not found" rather than a change.
func concrete(path, token string) string {
	path = strings.TrimSuffix(path, "{$}")
	r := strings.NewReplacer("{token}", token, "{id}", "x0", "{session}", "x0", "{code}", "ABCDEFGH",
		"{file}", "ABCDEFGH.svg", "{action}", "enable")
	path = r.Replace(path)
	if strings.HasSuffix(path, "/static/") {
		path += "style.css"
	}
	return path
}

func request(t *testing.T, c caller, method, target, key string) (int, string, string) {
	t.Helper()
	client := &http.Client{Jar: c.jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if client.Jar == nil {
		client.Jar, _ = cookiejar.New(nil)
	}
	req, _ := http.NewRequest(method, target, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(body)
}

// refused tells a refusal from an answer: 401 or 403, a redirect to sign
// in, or, on the portal, the page for a link that is not valid.
func refused(a web.Access, status int, location, body string) bool {
	switch {
	case a == web.Public:
		// A sign-in with wrong credentials is answered 401: that is the
		// route working, not refusing its caller.
		return status == http.StatusForbidden
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return true
	case status/100 == 3 && strings.HasPrefix(location, "/login"):
		return true
	case a == web.Link && (status == http.StatusNotFound || status == http.StatusGone):
		return strings.Contains(body, `data-test="link-problem"`)
	}
	return false
}
