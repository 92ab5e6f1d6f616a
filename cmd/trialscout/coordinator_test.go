package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/internal/testnats"
	"github.com/trialscout/trialscout/streams"
	"github.com/trialscout/trialscout/workspace"
)

// TestCoordinatorCommands: with the worker running, `list` shows a trial's
// patients and what keeps each from the next status, `decide` records the
// four decisions the protocol leaves to a person and the candidate becomes
// eligible, `explain --json` prints the stored evaluation and `explain`'s
// table fits 100 columns.
func TestCoordinatorCommands(t *testing.T) {
	srv := testnats.Start(t, &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	url := srv.ClientURL()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	exited := make(chan int, 1)
	go func() {
		exited <- execute(runCtx, []string{"run", "--nats-url", url, "--http", "off", "--ui", "off", "--as-of", "2026-11-01", "--log-level", "error"},
			strings.NewReader(""), io.Discard, io.Discard)
	}()
	defer func() { stop(); <-exited }()
	files, _ := filepath.Glob("../../testdata/patients/synthea-transaction-candidate.json")
	if code, _, errOut := runCLI(t, "", append([]string{"publish", "--nats-url", url}, files...)...); code != 0 {
		t.Fatalf("publish: %d %s", code, errOut)
	}
	settled(t, ctx, url)

	const patient = "Patient/5f3c2a8e-9b1d-4c7e-a2f6-3d8e1b7c4a90"
	code, out, errOut := runCLI(t, "", "list", "--nats-url", url, "--trial", "sle-refractory")
	if code != 0 || !strings.Contains(out, patient) || !strings.Contains(out, "candidate") || !strings.Contains(out, "decide I1, I8.dyspnea, E9, E10") {
		t.Fatalf("list: %d\n%s%s", code, out, errOut)
	}
	for _, d := range [][]string{{"I1", "met", "consent signed 2026-10-30"}, {"I8.dyspnea", "met", "grade 0"},
		{"E9", "not_met", "lives nearby"}, {"E10", "not_met", "no other reason"}} {
		code, out, errOut := runCLI(t, "", "decide", patient, "--nats-url", url, "--trial", "sle-refractory",
			"--criterion", d[0], "--result", d[1], "--reason", d[2], "--by", "ana")
		if code != 0 || !strings.Contains(out, "decision recorded") {
			t.Fatalf("decide %s: %d %s%s", d[0], code, out, errOut)
		}
	}
	settled(t, ctx, url)
	code, out, errOut = runCLI(t, "", "list", "--nats-url", url, "--trial", "sle-refractory", "--status", "eligible", "--json")
	var row struct {
		Patient string
		Status  evaluator.Status
	}
	if code != 0 || json.Unmarshal([]byte(out), &row) != nil || row.Patient != patient || row.Status != evaluator.Eligible {
		t.Fatalf("list --status eligible --json: %d %q %s", code, out, errOut)
	}

	code, out, _ = runCLI(t, "", "explain", patient, "--nats-url", url, "--trial", "sle-refractory", "--json")
	var ev evaluator.Evaluation
	if code != 0 || json.Unmarshal([]byte(out), &ev) != nil || ev.Status != evaluator.Eligible || !strings.HasPrefix(ev.Criterion("I1").Reason, "met: consent signed") {
		t.Fatalf("explain --json: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", "explain", patient, "--nats-url", url)
	if code != 0 || !strings.Contains(out, "ELIGIBLE") {
		t.Fatalf("explain: %d\n%s", code, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if len(line) > tableWidth {
			t.Errorf("explain line of %d columns: %q", len(line), line)
		}
	}

	// A decision on a criterion the trial does not have is refused at once.
	if code, _, errOut := runCLI(t, "", "decide", patient, "--nats-url", url, "--trial", "sle-refractory",
		"--criterion", "I99", "--result", "met", "--reason", "x", "--by", "ana"); code != exitUsage || !strings.Contains(errOut, `no criterion "I99"`) {
		t.Errorf("decide on I99: %d %s", code, errOut)
	}
}

// settled waits until the worker has settled every input message.
func settled(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	js := jetStreamAt(t, url)
	waitUntil(t, ctx, "input settled", func() bool {
		left, err := streams.Backlog(ctx, js, streams.Config{})
		return err == nil && left == 0
	})
}

// TestUserAdd: `user add` writes a bcrypt line that the workspace accepts.
func TestUserAdd(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users")
	if code, out, errOut := runCLI(t, "s3cret-pass\n", "user", "add", file, "alice"); code != 0 || !strings.Contains(out, "user alice set") {
		t.Fatalf("user add: %d %s%s", code, out, errOut)
	}
	users, err := workspace.ReadUsersFile(file)
	if err != nil || len(users) != 1 {
		t.Fatalf("users file: %v %v", users, err)
	}
	if code, _, errOut := runCLI(t, "", "user", "add", file, "bob"); code != exitUsage || !strings.Contains(errOut, "no password") {
		t.Errorf("user add without a password: %d %s", code, errOut)
	}
}

// jetStreamAt connects to the server at url for the rest of the test.
func jetStreamAt(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
