package bidi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// quietPrefs keep a test browser from doing what a person's would on first
// start: ask to be the default, show welcome pages, check for updates and
// talk to Mozilla's servers. Firefox's remote agent sets more of these
// itself (its "recommended preferences").
var quietPrefs = map[string]any{
	"app.normandy.enabled":                        false,
	"app.update.enabled":                          false,
	"browser.aboutwelcome.enabled":                false,
	"browser.shell.checkDefaultBrowser":           false,
	"browser.startup.homepage_override.mstone":    "ignore",
	"datareporting.healthreport.uploadEnabled":    false,
	"datareporting.policy.dataSubmissionEnabled":  false,
	"messaging-system.rsexperimentloader.enabled": false,
	"network.captive-portal-service.enabled":      false,
	"network.connectivity-service.enabled":        false,
	"toolkit.telemetry.reportingpolicy.firstRun":  false,
}

// Firefox is a headless Firefox started for remote control, with a
// profile of its own that Close removes.
type Firefox struct {
	// URL is the WebDriver BiDi endpoint to Dial.
	URL string

	cmd     *exec.Cmd
	profile string
	exited  chan struct{}
	close   sync.Once
}

// StartFirefox starts the Firefox at path (firefox-esr, say) headless,
// with a fresh profile that sets prefs over a few of its own (see
// quietPrefs), and returns once it accepts WebDriver BiDi connections.
func StartFirefox(ctx context.Context, path string, prefs map[string]any) (*Firefox, error) {
	profile, err := os.MkdirTemp("", "attest-firefox-")
	if err != nil {
		return nil, fmt.Errorf("start firefox: %w", err)
	}
	all := maps.Clone(quietPrefs)
	maps.Copy(all, prefs)
	if err := writeUserJS(profile, all); err != nil {
		os.RemoveAll(profile)
		return nil, fmt.Errorf("start firefox: %w", err)
	}
	// Port 0: Firefox picks a free port and says which on stderr.
	cmd := exec.Command(path, "--headless", "--no-remote", "--remote-debugging-port", "0", "--profile", profile, "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1")
	// Its own process group, so that Close ends the content processes too;
	// and killed with this process, should the tests die first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		os.RemoveAll(profile)
		return nil, fmt.Errorf("start firefox: %w", err)
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(profile)
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	f := &Firefox{cmd: cmd, profile: profile, exited: make(chan struct{})}
	found := make(chan string, 1)
	var said strings.Builder // what Firefox printed before it listened, for the error
	go f.watch(stderr, found, &said)
	select {
	case f.URL = <-found:
		return f, nil
	case <-f.exited:
		err = fmt.Errorf("firefox exited before listening: %v\n%s", cmd.ProcessState, said.String())
	case <-ctx.Done():
		err = fmt.Errorf("firefox did not listen for WebDriver BiDi: %w", ctx.Err())
	}
	f.Close()
	return nil, err
}

// watch reads stderr for the line that names the WebDriver BiDi endpoint,
// then drains it (a full pipe would stall Firefox) until Firefox exits.
func (f *Firefox) watch(stderr io.Reader, found chan<- string, said *strings.Builder) {
	const prefix = "WebDriver BiDi listening on "
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		line := lines.Text()
		if url, ok := strings.CutPrefix(line, prefix); ok {
			found <- strings.TrimSpace(url) + "/session"
			break
		}
		if said.Len() < 4096 {
			said.WriteString(line + "\n")
		}
	}
	io.Copy(io.Discard, stderr)
	f.cmd.Wait()
	close(f.exited)
}

// Close kills Firefox and its content processes and removes the profile.
// The profile is thrown away, so there is nothing to shut down gently.
func (f *Firefox) Close() error {
	var err error
	f.close.Do(func() {
		group := -f.cmd.Process.Pid
		syscall.Kill(group, syscall.SIGKILL)
		select {
		case <-f.exited:
		case <-time.After(10 * time.Second): // a process outside the group holds stderr
			err = fmt.Errorf("firefox %d has not exited 10s after SIGKILL", -group)
			return
		}
		// The content processes are gone once init has reaped them.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			if syscall.Kill(group, 0) == syscall.ESRCH {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		err = os.RemoveAll(f.profile)
	})
	return err
}

// Pid is the process id of Firefox's main process, which leads its
// process group.
func (f *Firefox) Pid() int { return f.cmd.Process.Pid }

// writeUserJS writes prefs into the profile's user.js, which Firefox
// reads at start.
func writeUserJS(profile string, prefs map[string]any) error {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(prefs)) {
		value, err := json.Marshal(prefs[name])
		if err != nil {
			return fmt.Errorf("pref %s: %w", name, err)
		}
		fmt.Fprintf(&b, "user_pref(%q, %s);\n", name, value)
	}
	return os.WriteFile(profile+"/user.js", []byte(b.String()), 0o644)
}

// FindFirefox returns the path of the first of names found on PATH (or
// given as a path); with no names it looks for firefox-esr and firefox.
func FindFirefox(names ...string) (string, error) {
	if len(names) == 0 {
		names = []string{"firefox-esr", "firefox"}
	}
	var tried []string
	for _, name := range names {
		if name == "" {
			continue
		}
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
		tried = append(tried, name)
	}
	return "", fmt.Errorf("no Firefox found (looked for %s)", strings.Join(tried, ", "))
}
