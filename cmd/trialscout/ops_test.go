package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/internal/testnats"
)

// TestPublishSummary: publish reports what the server stored, what it
// dropped as a duplicate and what it refused; a correction sent without a
// version is stored, a true repeat is not; a refusal exits 1.
func TestPublishSummary(t *testing.T) {
	srv := testnats.Start(t, &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	dir := t.TempDir()
	obs := `{"resourceType":"Observation","id":"o1","status":"%s","code":{"text":"x"},"subject":{"reference":"Patient/a"}}`
	original := writeFile(t, dir, "original.json", fmt.Sprintf(obs, "final"))
	corrected := writeFile(t, dir, "corrected.json", fmt.Sprintf(obs, "amended"))
	big := writeFile(t, dir, "big.json", `{"resourceType":"Patient","id":"big","text":{"div":"`+strings.Repeat("x", 4096)+`"}}`)
	url := srv.ClientURL()

	// An input stream that refuses messages over 2 KiB, made before publish
	// runs (publish keeps an existing stream as it is).
	js := jetStreamAt(t, url)
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "FHIR", Subjects: []string{"fhir.r4.>"},
		Duplicates: 10 * time.Minute, MaxMsgSize: 2048}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		files []string
		code  int
		want  string
	}{
		{[]string{original}, 0, "1 stored, 0 dropped by the server as duplicates, 0 refused"},
		{[]string{original}, 0, "0 stored, 1 dropped by the server as duplicates, 0 refused"},
		{[]string{corrected}, 0, "1 stored, 0 dropped by the server as duplicates, 0 refused"},
		{[]string{original, big}, 1, "0 stored, 1 dropped by the server as duplicates, 1 refused"},
		{[]string{big}, 2, "0 stored, 0 dropped by the server as duplicates, 1 refused"},
	}
	for i, s := range steps {
		code, _, errOut := runCLI(t, "", append([]string{"publish", "--nats-url", url}, s.files...)...)
		if code != s.code || !strings.Contains(errOut, s.want) {
			t.Errorf("step %d: exit %d, stderr %q; want %d and %q", i+1, code, errOut, s.code, s.want)
		}
	}
	s, _ := js.Stream(context.Background(), "FHIR")
	if info, err := s.Info(context.Background()); err != nil || info.State.Msgs != 2 {
		t.Errorf("input stream holds %v messages (%v), want the original and its correction", info.State.Msgs, err)
	}
}

// lockedBuffer collects what a command writes from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestRunOperations: `trialscout run` serves /readyz (ready once it
// consumes, not ready with the reason while NATS is down), exposes the new
// metrics, and writes only JSON lines with ISO 8601 timestamps, nats.go's
// own messages included.
func TestRunOperations(t *testing.T) {
	store := t.TempDir()
	opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: store, NoSigs: true, NoLog: true}
	srv := testnats.Start(t, opts)
	url := srv.ClientURL()
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	var stderr lockedBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- execute(runCtx, []string{"run", "--nats-url", url, "--http", addr, "--ui", "off", "--as-of", "2026-11-01", "--log-level", "debug"},
			strings.NewReader(""), io.Discard, &stderr)
	}()
	waitUntil(t, ctx, "ready", func() bool { code, _ := get("http://" + addr + "/readyz"); return code == http.StatusOK })
	_, metrics := get("http://" + addr + "/metrics")
	for _, name := range []string{"trialscout_gave_up_total", "trialscout_rejected_copy_failures_total", "trialscout_schedule_patients",
		"trialscout_oldest_pending_seconds", "trialscout_consumer_pending", "trialscout_retries_total"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	srv.Shutdown()
	srv.WaitForShutdown()
	waitUntil(t, ctx, "not ready while NATS is down", func() bool {
		code, body := get("http://" + addr + "/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "NATS connection is")
	})
	testnats.Start(t, opts) // the same port and store
	waitUntil(t, ctx, "ready again", func() bool { code, _ := get("http://" + addr + "/readyz"); return code == http.StatusOK })
	stop()
	if code := <-exited; code != 0 {
		t.Errorf("run exited %d", code)
	}

	msgs := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(stderr.String()))
	for sc.Scan() {
		var entry struct {
			TS  string `json:"ts"`
			Msg string `json:"msg"`
		}
		if err := json.Unmarshal(sc.Bytes(), &entry); err != nil {
			t.Errorf("not a JSON log line: %q", sc.Text())
			continue
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000Z0700", entry.TS); err != nil {
			t.Errorf("timestamp %q is not ISO 8601: %s", entry.TS, sc.Text())
		}
		msgs[entry.Msg] = true
	}
	for _, want := range []string{"worker started", "disconnected from NATS; reconnecting", "reconnected to NATS"} {
		if !msgs[want] {
			t.Errorf("no log line %q in:\n%s", want, stderr.String())
		}
	}
}

func waitUntil(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("not %s before the test's deadline", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestRunAsOfIsDocumented: --as-of is a documented flag of run.
func TestRunAsOfIsDocumented(t *testing.T) {
	code, out, _ := runCLI(t, "", "run", "--help")
	if code != 0 || !strings.Contains(out, "--as-of") || !strings.Contains(out, "replays") {
		t.Errorf("run --help (exit %d) does not document --as-of:\n%s", code, out)
	}
}
