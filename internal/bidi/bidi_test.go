package bidi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/bidi"
)

// page has a button and a field that record whether the events they got
// came from real input (isTrusted), as a person's would.
const page = `<!doctype html><html lang="en"><title>bidi</title>
<button id="b" style="position:absolute; left:40px; top:60px; width:120px; height:40px">press</button>
<input id="f">
<script>
window.seen = [];
document.getElementById('b').addEventListener('click', e => seen.push('click ' + e.isTrusted));
document.getElementById('f').addEventListener('keydown', e => seen.push('key ' + e.key + ' ' + e.isTrusted));
</script></html>`

// startFirefox starts Firefox with a session and its tab on page; it
// skips the test when Firefox is missing (fails under CI=true).
func startFirefox(t *testing.T) (*bidi.Client, *bidi.Tab, *bidi.Firefox) {
	t.Helper()
	path, err := bidi.FindFirefox(os.Getenv("ATTEST_TEST_FIREFOX"), "firefox-esr", "firefox")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; under CI=true the Firefox tests must run (scripts/test installs it)", err)
		}
		t.Skipf("%v; run scripts/test to install it", err)
	}
	// Starting a browser on a busy two-core machine has taken over 30 s:
	// the budget is generous, and it bounds a hang, not a speed.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	ff, err := bidi.StartFirefox(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ff.Close() })
	c, err := bidi.Dial(ctx, ff.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.NewSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s, session %s", s.BrowserName, s.BrowserVersion, s.ID)
	if s.BrowserName != "firefox" || s.BrowserVersion == "" {
		t.Fatalf("session.new says browser %q version %q, want firefox and a version", s.BrowserName, s.BrowserVersion)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)
	tab, err := c.Tab(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Navigate(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	return c, tab, ff
}

func TestFirefox(t *testing.T) {
	c, tab, ff := startFirefox(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	t.Run("evaluate", func(t *testing.T) {
		for _, tt := range []struct {
			script string
			want   any
		}{
			{`1 + 2`, 3.0},
			{`'a' + 'b'`, "ab"},
			{`document.title === 'bidi'`, true},
			{`({n: 1, list: [true, 'x', null], nested: {deep: [1.5]}})`,
				map[string]any{"n": 1.0, "list": []any{true, "x", nil}, "nested": map[string]any{"deep": []any{1.5}}}},
			{`new Map([['k', 2]])`, map[string]any{"k": 2.0}},
			{`undefined`, nil},
			{`NaN`, nil},
			{`-0`, 0.0},
			{`document.body`, nil}, // a node has no JSON form
			{`new Promise(r => setTimeout(() => r('later'), 50))`, "later"},
			{`const x = 20; x + 1`, 21.0}, // statements: the last one's value
		} {
			var got any
			if err := tab.Evaluate(ctx, tt.script, &got); err != nil {
				t.Errorf("%s: %v", tt.script, err)
				continue
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.script, got, tt.want)
			}
		}
		var typed struct {
			Name  string
			Count int
		}
		if err := tab.Evaluate(ctx, `({name: 'n', count: 3})`, &typed); err != nil || typed.Name != "n" || typed.Count != 3 {
			t.Errorf("into a struct: %+v %v", typed, err)
		}
	})

	t.Run("exceptions", func(t *testing.T) {
		for _, script := range []string{`null.x`, `Promise.reject(new Error('nope'))`, `syntax error here`} {
			var se *bidi.ScriptError
			if err := tab.Evaluate(ctx, script, nil); !errors.As(err, &se) || se.Text == "" {
				t.Errorf("%s: error %v, want a ScriptError", script, err)
			}
		}
	})

	t.Run("call function", func(t *testing.T) {
		var got string
		err := tab.CallFunction(ctx, `(s, o) => s + ':' + o.list.join(',') + ':' + o.flag`, &got, "a", map[string]any{"list": []int{1, 2}, "flag": true})
		if err != nil || got != "a:1,2:true" {
			t.Errorf("got %q, %v", got, err)
		}
		var n float64
		if err := tab.CallFunction(ctx, `async () => Math.PI`, &n); err != nil || n != math.Pi {
			t.Errorf("async function: %v %v", n, err)
		}
	})

	t.Run("input", func(t *testing.T) {
		if err := tab.Click(ctx, 100, 80); err != nil {
			t.Fatal(err)
		}
		if err := tab.Evaluate(ctx, `document.getElementById('f').focus()`, nil); err != nil {
			t.Fatal(err)
		}
		if err := tab.Type(ctx, "hé"); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Seen  []string
			Value string
		}
		if err := tab.Evaluate(ctx, `({seen, value: document.getElementById('f').value})`, &got); err != nil {
			t.Fatal(err)
		}
		want := []string{"click true", "key h true", "key é true"}
		if !reflect.DeepEqual(got.Seen, want) || got.Value != "hé" {
			t.Errorf("events %q and value %q, want %q and %q", got.Seen, got.Value, want, "hé")
		}
	})

	t.Run("viewport", func(t *testing.T) {
		if err := tab.SetViewport(ctx, 390, 844); err != nil {
			t.Fatal(err)
		}
		var size []int
		if err := tab.Evaluate(ctx, `[innerWidth, innerHeight]`, &size); err != nil || !reflect.DeepEqual(size, []int{390, 844}) {
			t.Errorf("viewport %v (%v), want [390 844]", size, err)
		}
	})

	t.Run("events", func(t *testing.T) {
		var mu sync.Mutex
		var texts []string
		logged := make(chan struct{}, 1)
		c.On("log.entryAdded", func(params json.RawMessage) {
			var e struct{ Text, Level string }
			json.Unmarshal(params, &e)
			mu.Lock()
			texts = append(texts, e.Level+" "+e.Text)
			mu.Unlock()
			select {
			case logged <- struct{}{}:
			default:
			}
		})
		if err := c.Subscribe(ctx, "log.entryAdded"); err != nil {
			t.Fatal(err)
		}
		tab.Evaluate(ctx, `console.error('from the page')`, nil)
		select {
		case <-logged:
		case <-time.After(10 * time.Second):
			t.Fatal("no log.entryAdded event within 10s of console.error")
		}
		mu.Lock()
		defer mu.Unlock()
		if texts[0] != "error from the page" {
			t.Errorf("logged %q, want %q", texts, "error from the page")
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		for _, full := range []bool{false, true} {
			png, err := tab.Screenshot(ctx, full)
			if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Errorf("screenshot (full %v): %d bytes, %v", full, len(png), err)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		var e *bidi.Error
		if err := c.Call(ctx, "no.suchCommand", nil, nil); !errors.As(err, &e) || e.Code != "unknown command" {
			t.Errorf("an unknown command: %v, want the error code %q", err, "unknown command")
		}
		short, cancel := context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
		if err := tab.Evaluate(short, `new Promise(() => {})`, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a wait past its deadline: %v", err)
		}
		if err := tab.Evaluate(ctx, `1`, nil); err != nil {
			t.Errorf("after a timed-out command: %v", err)
		}
	})

	t.Run("close", func(t *testing.T) {
		pid := ff.Pid()
		if err := ff.Close(); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("Firefox's process group is still there after Close (kill -0: %v)", err)
		}
		if err := tab.Evaluate(ctx, `1`, nil); !errors.Is(err, bidi.ErrClosed) {
			t.Errorf("a command after Firefox closed: %v, want ErrClosed", err)
		}
	})
}
