package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/streams"
)

// sampleAsOf is the instant the sample patients in testdata/ are written for.
const sampleAsOf = "2026-11-01"

func newDemoCommand() *cobra.Command {
	var samples, asOf string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "A first run: embedded NATS, the worker, the sample patients, every status change printed",
		Long: `Starts an embedded NATS server (in a temporary directory, on a free port), the worker,
publishes the sample patients of testdata/patients resource by resource, prints every
status-change event of every shipped trial (the SLE and the heart-failure trial) as it
arrives, then a summary, and exits. The worker's clock is fixed at --as-of (the samples'
date) so that their screening labs are current.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			at, err := parseAsOf(asOf, time.Now())
			if err != nil {
				return usageError("--as-of: %v", err)
			}
			return runDemo(cmd, s, samples, at)
		},
	}
	cmd.Flags().StringVar(&samples, "samples", "testdata/patients", "directory of sample patients (.json, .ndjson)")
	cmd.Flags().StringVar(&asOf, "as-of", sampleAsOf, "the worker's clock")
	return cmd
}

func runDemo(cmd *cobra.Command, s config.Settings, dir string, at time.Time) error {
	files, err := sampleFiles(dir)
	if err != nil {
		return usageError("%v (run the demo from the project's root, or give --samples)", err)
	}
	eng, err := loadEngine(s, nil)
	if err != nil {
		return err
	}
	store, err := os.MkdirTemp("", "trialscout-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(store)
	s.NATSURL, s.StoreDir = "", store
	sess, err := connectOrEmbed(cmd.Context(), s, -1, nil)
	if err != nil {
		return err
	}
	defer sess.Close()
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "trialscout demo: embedded NATS at %s, worker clock %s\n\n", sess.embedded.ClientURL(), at.Format(time.DateOnly))

	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	// The store is temporary: small byte limits, which the server reserves
	// on disk, keep the demo working on a machine with little free space.
	small := streams.Limits{MaxBytes: 64 << 20}
	cfg := streams.Config{FetchWait: 100 * time.Millisecond, Retention: streams.Retention{Input: small, Events: small, Rejected: small}}
	w, err := streams.NewWorker(sess.js, eng, cfg, streams.WithClock(func() time.Time { return at }))
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	select {
	case <-w.Ready():
	case err := <-done:
		return err
	}
	printer, err := printEvents(ctx, sess.js, out)
	if err != nil {
		return err
	}
	if err := publishFiles(cmd, sess, files); err != nil {
		return err
	}
	waitIdle(ctx, sess.js, printer)
	cancel()
	if err := <-done; err != nil {
		return err
	}
	printer.summary(out)
	return nil
}

func sampleFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasSuffix(n, ".expected.json") || !(strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".ndjson")) {
			continue
		}
		files = append(files, filepath.Join(dir, n))
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no sample patients in %s", dir)
	}
	return files, nil
}

// eventPrinter prints events as they arrive and remembers the last status.
type eventPrinter struct {
	mu     sync.Mutex
	count  int // events received, printed or not
	status map[string]string
}

func printEvents(ctx context.Context, js jetstream.JetStream, out io.Writer) (*eventPrinter, error) {
	p := &eventPrinter{status: map[string]string{}}
	c, err := js.OrderedConsumer(ctx, "ELIGIBILITY", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"eligibility.status.>"}})
	if err != nil {
		return nil, err
	}
	_, err = c.Consume(func(m jetstream.Msg) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.count++
		var e streams.Event
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			return
		}
		p.status[e.Patient+" "+e.Trial] = string(e.Status)
		fmt.Fprintln(out, describeEvent(e))
	})
	return p, err
}

func describeEvent(e streams.Event) string {
	from := "(first evaluation)"
	if e.PreviousStatus != "" {
		from = string(e.PreviousStatus)
	}
	var changed []string
	for _, c := range e.Changed {
		if c.From != "" {
			changed = append(changed, fmt.Sprintf("%s %s->%s", c.ID, c.From, c.To))
		}
	}
	line := fmt.Sprintf("%-52s %-15s %s -> %s   cause %s", e.Patient, e.Trial, from, strings.ToUpper(string(e.Status)), e.Cause)
	if len(changed) > 0 {
		line += "\n      changed: " + strings.Join(changed, ", ")
	}
	var blockers, unknown []string
	for _, c := range e.Evaluation.Criteria {
		switch {
		case (c.Kind == "inclusion" && c.Result == "not_met") || (c.Kind == "exclusion" && c.Result == "met"):
			blockers = append(blockers, fmt.Sprintf("%s %s: %s", c.ID, c.Result, c.Reason))
		case c.Result == "unknown":
			unknown = append(unknown, c.ID)
		}
	}
	if len(blockers) > 0 {
		line += "\n      rules out: " + strings.Join(blockers, "\n      rules out: ")
	}
	if len(unknown) > 0 {
		line += "\n      unknown: " + strings.Join(unknown, " ")
	}
	return line
}

// waitIdle returns once the worker has settled every input (the consumer's
// ack floor has reached the input stream's last message) and the printer has
// printed every event in the event stream.
func waitIdle(ctx context.Context, js jetstream.JetStream, p *eventPrinter) {
	for ctx.Err() == nil {
		if left, err := streams.Backlog(ctx, js, streams.Config{}); err == nil && left == 0 && p.printedAll(ctx, js) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// printedAll reports whether every status event in the event stream is
// printed (the stream also holds each as a ResearchSubject).
func (p *eventPrinter) printedAll(ctx context.Context, js jetstream.JetStream) bool {
	s, err := js.Stream(ctx, "ELIGIBILITY")
	if err != nil {
		return false
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("eligibility.status.>"))
	if err != nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	events := uint64(0)
	for _, n := range info.State.Subjects {
		events += n
	}
	return uint64(p.count) >= events
}

func (p *eventPrinter) summary(out io.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.status))
	width := 0
	for k := range p.status {
		keys = append(keys, k)
		width = max(width, len(k))
	}
	sort.Strings(keys)
	fmt.Fprintf(out, "\n%d status-change events. Final status per patient and trial:\n", p.count)
	for _, k := range keys {
		fmt.Fprintf(out, "  %-*s %s\n", width, k, p.status[k])
	}
	fmt.Fprintln(out, "\nNext: `trialscout run` in one shell, `trialscout publish FILE...` in another, then `trialscout explain PATIENT`.")
}
