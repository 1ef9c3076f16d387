package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserTab is a tab as the browser tests drive it, whichever browser
// shows it. The helpers (navigate, click, typeInto, waitFor, screenshot,
// audit, …) take a context.Context that stands for the tab and find how to
// drive it with tabOf: a Chromium tab is the chromedp context itself; a
// Firefox tab rides in its context as a value (see firefox). So one
// scenario runs the freelancer's side in either browser.
type browserTab interface {
	navigate(ctx context.Context, url string) error
	// click clicks the middle of the element selector matches with real
	// mouse events.
	click(ctx context.Context, selector string) error
	// typeText focuses the element selector matches and types text with
	// real key events.
	typeText(ctx context.Context, selector, text string) error
	// evaluate runs js, waits for the promise it may return, and decodes
	// the result into out (unless nil) as encoding/json would.
	evaluate(ctx context.Context, js string, out any) error
	// screenshot is a PNG of the viewport, or of the whole page if full.
	screenshot(ctx context.Context, full bool) ([]byte, error)
	// setViewport sizes the page as a screen of width × height CSS pixels.
	setViewport(ctx context.Context, width, height int) error
	// browserName names the browser: "chromium" or "firefox".
	browserName() string
}

// tabKey is the context key of a browserTab that is not chromedp's.
type tabKey struct{}

// tabOf returns the tab ctx stands for.
func tabOf(ctx context.Context) browserTab {
	if tab, ok := ctx.Value(tabKey{}).(browserTab); ok {
		return tab
	}
	return chromiumTab{}
}

// navigate loads url in the tab and waits for it to load.
func navigate(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := tabOf(step).navigate(step, url); err != nil {
		t.Fatalf("navigate to %s: %v", url, err)
	}
}

// resize gives the tab a viewport of width × height CSS pixels, as a
// phone's.
func resize(t testing.TB, ctx context.Context, width, height int) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := tabOf(step).setViewport(step, width, height); err != nil {
		t.Fatalf("viewport of %d × %d: %v", width, height, err)
	}
}

// evaluate runs js in the tab and decodes its result into out; a failure
// ends the test.
func evaluate(t testing.TB, ctx context.Context, js string, out any) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := tabOf(step).evaluate(step, js, out); err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
}

// screenshotFile names a screenshot's file; a browser other than Chromium
// gets its own, so that a run of both keeps both.
func screenshotFile(ctx context.Context, name string) string {
	if b := tabOf(ctx).browserName(); b != "chromium" {
		name += "-" + b
	}
	return name + ".png"
}

// chromiumTab drives a Chromium tab through chromedp; the context each
// method gets is the tab.
type chromiumTab struct{}

func (chromiumTab) navigate(ctx context.Context, url string) error {
	return chromedp.Do(ctx, chromedp.Navigate(url))
}

func (chromiumTab) click(ctx context.Context, selector string) error {
	return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(selector)))
}

func (chromiumTab) typeText(ctx context.Context, selector, text string) error {
	return chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(selector), text))
}

func (chromiumTab) evaluate(ctx context.Context, js string, out any) error {
	value, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if len(value) == 0 {
		return fmt.Errorf("%s is undefined", js)
	}
	return json.Unmarshal(value, out)
}

func (chromiumTab) screenshot(ctx context.Context, full bool) ([]byte, error) {
	if full {
		return chromedp.Run(ctx, chromedp.FullScreenshot(100))
	}
	return chromedp.Run(ctx, chromedp.CaptureScreenshot())
}

func (chromiumTab) setViewport(ctx context.Context, width, height int) error {
	return chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height)))
}

func (chromiumTab) browserName() string { return "chromium" }
