package streams

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/trialscout/trialscout/internal/testengine"
	"github.com/trialscout/trialscout/workload"
)

// BenchmarkDrain publishes a generated backlog (patients interleaved, one
// resource a message) to an embedded server that syncs every write, then
// times one worker draining it. It reports resources/s and the synced
// writes the worker made per message: to the state bucket, and events.
//
//	go test ./streams -run '^$' -bench Drain -benchtime 1x
func BenchmarkDrain(b *testing.B) {
	rs, err := workload.Generate(workload.Config{Patients: 300, Seed: 7, Messy: true})
	if err != nil {
		b.Fatal(err)
	}
	eng := testengine.Shipped(b)
	for range b.N {
		b.StopTimer()
		srv, err := StartEmbedded("127.0.0.1", -1, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		nc, err := nats.Connect(srv.ClientURL())
		if err != nil {
			b.Fatal(err)
		}
		js, _ := jetstream.New(nc)
		ctx := context.Background()
		cfg := Config{FetchBatch: *drainFetch}
		if err := EnsureInput(ctx, js, cfg); err != nil {
			b.Fatal(err)
		}
		for i, r := range rs {
			if _, err := js.PublishAsync(r.Subject(), r.JSON); err != nil {
				b.Fatal(err)
			}
			if i%1000 == 999 {
				<-js.PublishAsyncComplete()
			}
		}
		<-js.PublishAsyncComplete()
		m := NewMetrics(nil)
		w, err := NewWorker(js, eng, cfg, WithClock(func() time.Time { return scenarioAsOf }), WithMetrics(m))
		if err != nil {
			b.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() { done <- w.Run(wctx) }()
		for {
			left, err := Backlog(ctx, js, cfg)
			if err == nil && left == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(rs))/elapsed.Seconds(), "res/s")
		b.ReportMetric(testutil.ToFloat64(m.atomicBatches.WithLabelValues("state", "written")), "state-batches")
		b.ReportMetric(testutil.ToFloat64(m.atomicBatches.WithLabelValues("state", "refused")), "state-refused")
		b.ReportMetric(testutil.ToFloat64(m.atomicBatches.WithLabelValues("events", "written")), "event-batches")
		b.ReportMetric(testutil.ToFloat64(m.conflicts), "conflicts")
		b.ReportMetric(float64(lastSeq(b, js, "KV_"+cfg.withDefaults().StateBucket))/float64(len(rs)), "kv-writes/msg")
		b.ReportMetric(float64(lastSeq(b, js, "ELIGIBILITY"))/float64(len(rs)), "events/msg")
		nc.Close()
		srv.Stop()
	}
}

var drainFetch = flag.Int("drain.fetch", 0, "BenchmarkDrain: messages per fetch (0: the default)")

func lastSeq(b *testing.B, js jetstream.JetStream, stream string) uint64 {
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		b.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return info.State.LastSeq
}
