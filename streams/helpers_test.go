package streams

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/internal/testengine"
)

// scenarioAsOf is the instant the shared scenarios and testdata patients
// are written for.
var scenarioAsOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// clock is a test clock: time moves only when the test says so.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type env struct {
	srv *Embedded
	nc  *nats.Conn
	js  jetstream.JetStream
	eng *engine.Evaluator
	dir string
}

// startNATS runs a real NATS server with JetStream on 127.0.0.1 at a free
// port, with its store in a temporary directory.
func startNATS(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	return startNATSAt(t, dir)
}

func startNATSAt(t *testing.T, dir string) *env {
	t.Helper()
	srv, err := StartEmbedded("127.0.0.1", -1, dir)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv, nc: nc, js: js, eng: newEngine(t), dir: dir}
	t.Cleanup(e.stop)
	return e
}

func newEngine(t *testing.T) *engine.Evaluator {
	t.Helper()
	return testengine.Shipped(t)
}

func (e *env) stop() {
	e.nc.Close()
	e.srv.Stop()
}

// startWorker runs a worker until the test ends.
func (e *env) startWorker(t *testing.T, cfg Config, opts ...Option) (*Worker, context.CancelFunc) {
	t.Helper()
	w, err := NewWorker(e.js, e.eng, cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	}
	t.Cleanup(func() {
		select {
		case <-ctx.Done():
		default:
			stop()
		}
	})
	select {
	case <-w.Ready():
	case err := <-done:
		t.Fatalf("worker stopped before it was ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("worker not ready after 10s")
	}
	return w, stop
}

// publishFiles sends every resource of the files, one message each.
func (e *env) publishFiles(t *testing.T, files ...string) int {
	t.Helper()
	if err := EnsureInput(context.Background(), e.js, Config{}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parts, errs := SplitFile(data, f)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", f, errs)
		}
		for _, p := range parts {
			if _, err := PublishPart(context.Background(), e.js, p); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	return n
}

// drain waits until the worker has settled every input message: the
// consumer's ack floor has reached the input stream's last message (see
// Backlog). Counts alone are not enough: a consumer that has not yet
// delivered anything reports nothing pending and nothing in hand.
func (e *env) drain(t *testing.T, cfg Config) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var left uint64
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		left, err = Backlog(ctx, e.js, cfg)
		cancel()
		if err == nil && left == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("input not drained within 60s: %d messages left (%v)", left, err)
}

// events reads every event published so far.
func (e *env) events(t *testing.T) []Event {
	t.Helper()
	return readAll[Event](t, e.js, "ELIGIBILITY", "eligibility.status.", func(m jetstream.Msg) Event {
		var ev Event
		if err := json.Unmarshal(m.Data(), &ev); err != nil {
			t.Fatalf("event is not JSON: %v", err)
		}
		if m.Headers().Get(jetstream.MsgIDHeader) != ev.ID {
			t.Errorf("event %s published with Nats-Msg-Id %q", ev.ID, m.Headers().Get(jetstream.MsgIDHeader))
		}
		return ev
	})
}

// readAll reads a whole stream and decodes the messages whose subject has
// the prefix.
func readAll[T any](t *testing.T, js jetstream.JetStream, stream, prefix string, decode func(jetstream.Msg) T) []T {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	if info.State.Msgs == 0 {
		return out
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for read := 0; uint64(read) < info.State.Msgs; {
		batch, err := c.Fetch(int(info.State.Msgs)-read, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			read++
			if strings.HasPrefix(m.Subject(), prefix) {
				out = append(out, decode(m))
			}
		}
	}
	return out
}

// finalStatuses is each patient's last status per trial, from the events.
func finalStatuses(evs []Event) map[string]string {
	out := map[string]string{}
	for _, e := range evs {
		out[e.Patient+" "+e.Trial] = string(e.Status)
	}
	return out
}

// offline evaluates the same files with `eval`'s engine.
func offline(t *testing.T, eng *engine.Evaluator, at time.Time, files ...string) map[string]string {
	t.Helper()
	var inputs []engine.Input
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		inputs = append(inputs, engine.Input{Name: f, R: r})
	}
	out := map[string]string{}
	for _, ev := range eng.Run(inputs, at).Evaluations {
		out[ev.Patient+" "+ev.Trial] = string(ev.Status)
	}
	return out
}

// samplePatients are the project's own worked patients.
func samplePatients(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("../testdata/patients/*.json")
	nd, _ := filepath.Glob("../testdata/patients/*.ndjson")
	var out []string
	for _, f := range append(files, nd...) {
		if strings.HasSuffix(f, ".expected.json") {
			continue
		}
		out = append(out, f)
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatal("no sample patients in testdata/patients")
	}
	return out
}
