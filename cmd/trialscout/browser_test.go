package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/trialscout/trialscout/internal/testnats"
	"github.com/trialscout/trialscout/streams"
	"github.com/trialscout/trialscout/workspace"
)

// TestWorkspaceInBrowser drives the coordinator's workspace in headless
// Chromium against `trialscout run`: the worklist of the trial after the
// sample patients are published, a candidate's page, the four decisions
// the protocol leaves to a person recorded through the form, and the
// patient eligible on the page and as an event; then an investigator's
// exclusion makes them ineligible. Screenshots go to the test's temporary
// directory (and to $TRIALSCOUT_SCREENSHOTS, for the README, when set).
//
// It needs Chromium (Debian's chromium, which .ci/run installs); without
// it the test is skipped, unless TRIALSCOUT_REQUIRE_BROWSER is set, as in CI.
func TestWorkspaceInBrowser(t *testing.T) {
	chrome := findChromium(t)
	srv := testnats.Start(t, &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	url, ui := srv.ClientURL(), freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	exited := make(chan int, 1)
	go func() {
		exited <- execute(runCtx, []string{"run", "--nats-url", url, "--http", "off", "--ui", ui, "--as-of", "2026-11-01", "--log-level", "error"},
			strings.NewReader(""), io.Discard, io.Discard)
	}()
	defer func() { stop(); <-exited }()
	files, _ := filepath.Glob("../../testdata/patients/*.json")
	var inputs []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".expected.json") {
			inputs = append(inputs, f)
		}
	}
	if code, _, errOut := runCLI(t, "", append([]string{"publish", "--nats-url", url}, inputs...)...); code != 0 {
		t.Fatalf("publish: %d %s", code, errOut)
	}
	settled(t, ctx, url)

	base := "http://" + ui
	waitUntil(t, ctx, "the workspace holds the sample patients", func() bool {
		code, body := get(base + "/api/trials")
		var api struct{ Trials []struct{ Total int } }
		return code == 200 && json.Unmarshal([]byte(body), &api) == nil && len(api.Trials) > 0 && api.Trials[0].Total >= len(inputs)
	})
	b := newBrowser(t, ctx, chrome)
	const patient = "Patient/5f3c2a8e-9b1d-4c7e-a2f6-3d8e1b7c4a90"
	page := base + workspace.PatientPath(patient)
	b.run(chromedp.Navigate(base+"/trials/sle-refractory"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	worklist := b.text(`main`)
	for _, want := range []string{patient, "candidate", "incomplete", "ineligible"} {
		if !strings.Contains(worklist, want) {
			t.Fatalf("worklist lacks %q:\n%s", want, worklist)
		}
	}
	b.screenshot("workspace-worklist.png")
	b.run(chromedp.Click(chromedp.CSS(`a[href="`+workspace.PatientPath(patient)+`"]`)), chromedp.WaitVisible(chromedp.CSS(`#decide-sle-refractory`)))
	b.waitStatus(page, "candidate")

	for _, d := range [][3]string{{"I1", "met", "consent signed 2026-10-30"}, {"I8.dyspnea", "met", "dyspnea grade 0 at screening"},
		{"E9", "not_met", "lives near the site"}, {"E10", "not_met", "no other reason not to enrol"}} {
		b.decide(page, d[0], d[1], d[2])
	}
	b.waitStatus(page, "eligible")
	b.screenshot("workspace-patient.png")
	waitEvent(t, ctx, url, patient, "eligible")

	b.decide(page, "E10", "met", "investigator: poor adherence expected")
	b.waitStatus(page, "ineligible")
	waitEvent(t, ctx, url, patient, "ineligible")
	b.run(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	b.screenshot("workspace-trials.png")
}

// findChromium is Debian's chromium, or skips (fails, in CI) without it.
func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TRIALSCOUT_REQUIRE_BROWSER") != "" {
		t.Fatal("no chromium on PATH, and TRIALSCOUT_REQUIRE_BROWSER is set (CI installs Debian's chromium)")
	}
	t.Skip("no chromium on PATH: the browser test needs Debian's chromium (apt-get install chromium); CI installs it")
	return ""
}

// browser is one headless Chromium tab.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string
}

func newBrowser(t *testing.T, ctx context.Context, exe string) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless,
		chromedp.DisableGPU, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	return &browser{t: t, ctx: bctx, dir: t.TempDir()}
}

func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

// text is the text of the first element matching a CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// decide records a decision through the patient page's form.
func (b *browser) decide(page, criterion, result, reason string) {
	b.t.Helper()
	form := `#decide-sle-refractory `
	b.run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(form+`select[name=criterion]`)),
		chromedp.SetValue(chromedp.CSS(form+`select[name=criterion]`), criterion),
		chromedp.Click(chromedp.CSS(form+`input[name=result][value=`+result+`]`)),
		chromedp.SendKeys(chromedp.CSS(form+`textarea[name=reason]`), reason),
		chromedp.SendKeys(chromedp.CSS(form+`input[name=by]`), "ana (coordinator)"),
		chromedp.Click(chromedp.CSS(form+`button[value=record]`)))
	// The form is answered with a redirect to the patient's page, marked sent.
	deadline := time.Now().Add(20 * time.Second)
	for {
		loc, err := chromedp.Run(b.ctx, chromedp.Location())
		if err == nil && strings.Contains(loc, "sent=1") {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("decision %s %s: no redirect to the patient's page (at %s):\n%s", criterion, result, loc, b.text(`body`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitStatus reloads the page until the trial's badge shows the status.
func (b *browser) waitStatus(page, status string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		b.run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#trial-sle-refractory h2 .badge`)))
		if got = strings.TrimSpace(b.text(`#trial-sle-refractory h2 .badge`)); got == status {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.t.Fatalf("the page shows %q, want %q", got, status)
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot()) // the window, as PNG
	if err != nil {
		b.t.Fatal(err)
	}
	for _, dir := range []string{b.dir, os.Getenv("TRIALSCOUT_SCREENSHOTS")} {
		if dir == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

// waitEvent waits for a status event of the patient with the status.
func waitEvent(t *testing.T, ctx context.Context, url, patient, status string) {
	t.Helper()
	js := jetStreamAt(t, url)
	found := false
	waitUntil(t, ctx, "a "+status+" event", func() bool {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = streams.FollowEvents(cctx, js, streams.Config{}, func(e streams.Event) {
			if e.Patient == patient && string(e.Status) == status {
				found = true
				cancel()
			}
		})
		return found
	})
}
