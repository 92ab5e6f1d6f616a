package faults

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/streams"
	"github.com/trialscout/trialscout/workload"
)

// size is how much a run processes and how hard it is hit.
type size struct {
	patients   int
	perPatient int
	kills      int
}

// long is set by TRIALSCOUT_FAULTS=long: the sizes the issue asks for and
// the README reports. The bounded variant keeps CI under its budget.
var long = os.Getenv("TRIALSCOUT_FAULTS") == "long"

func sizeFor(bounded, full size) size {
	if long {
		return full
	}
	return bounded
}

// run is one fault scenario: servers, a workload, workers, and what
// happened to them.
type run struct {
	t        *testing.T
	ctx      context.Context
	dir      string
	urls     string
	replicas int
	ackWait  time.Duration
	asOf     time.Time
	rng      *rand.Rand
	nc       *nats.Conn
	js       jetstream.JetStream
	input    []workload.Resource
	file     string // the workload as NDJSON, for eval
	starts   int    // worker processes started
	kills    int
	inHand   int // messages delivered and not yet acked when a worker was killed
	restarts int // NATS server or node restarts
}

func newRun(t *testing.T, urls string, replicas int) *run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	t.Cleanup(cancel)
	nc, err := streams.Connect(ctx, streams.ConnConfig{URL: urls, Name: "faults-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	r := &run{t: t, ctx: ctx, dir: t.TempDir(), urls: urls, replicas: replicas, ackWait: 3 * time.Second,
		asOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), rng: rand.New(rand.NewPCG(uint64(len(t.Name())), 7)),
		nc: nc, js: js}
	t.Cleanup(r.keepLogsOnFailure)
	return r
}

// keepLogsOnFailure copies the workers' logs out of the temporary
// directory when the test failed, to TRIALSCOUT_FAULTS_LOGS (default: a
// directory under the system's temporary directory), and says where.
func (r *run) keepLogsOnFailure() {
	if !r.t.Failed() {
		return
	}
	dest := os.Getenv("TRIALSCOUT_FAULTS_LOGS")
	if dest == "" {
		dest = filepath.Join(os.TempDir(), "trialscout-faults-logs")
	}
	dest = filepath.Join(dest, r.t.Name())
	logs, _ := filepath.Glob(filepath.Join(r.dir, "*.log"))
	if err := os.MkdirAll(dest, 0o750); err != nil {
		r.t.Logf("keeping logs: %v", err)
		return
	}
	for _, l := range logs {
		if data, err := os.ReadFile(l); err == nil {
			os.WriteFile(filepath.Join(dest, filepath.Base(l)), data, 0o600)
		}
	}
	r.t.Logf("worker logs kept in %s", dest)
}

// generate makes the workload and writes it as NDJSON for eval.
func (r *run) generate(sz size, seed int64) {
	r.t.Helper()
	rs, err := workload.Generate(workload.Config{Patients: sz.patients, PerPatient: sz.perPatient, Seed: seed, AsOf: r.asOf, Messy: true})
	if err != nil {
		r.t.Fatal(err)
	}
	r.input = rs
	r.file = filepath.Join(r.dir, "workload.ndjson")
	f, err := os.Create(r.file)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	if err := workload.WriteNDJSON(f, rs); err != nil {
		r.t.Fatal(err)
	}
}

// publishAll puts the whole workload on the input stream: the backlog the
// workers then drain. Each message carries a Nats-Msg-Id of its content,
// as a feed that retries would send it.
func (r *run) publishAll() {
	r.t.Helper()
	r.publish(r.input)
}

func (r *run) publish(rs []workload.Resource) {
	r.t.Helper()
	if err := streams.EnsureInput(r.ctx, r.js, streams.Config{Replicas: r.replicas}); err != nil {
		r.t.Fatal(err)
	}
	failures := 0
	for i := 0; i < len(rs); {
		if err := r.publishOne(rs[i]); err != nil {
			// A node or the server may be restarting: the feed retries.
			if failures++; failures%25 == 1 {
				r.t.Logf("publish %s: %v (retrying)", rs[i].Ref, err)
			}
			select {
			case <-r.ctx.Done():
				r.t.Fatalf("publish %s: %v", rs[i].Ref, err)
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		i++
	}
}

func (r *run) publishOne(res workload.Resource) error {
	sum := sha256.Sum256(res.JSON)
	m := nats.NewMsg(res.Subject())
	m.Data = res.JSON
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	_, err := r.js.PublishMsg(ctx, m, jetstream.WithMsgID(res.Ref+"/"+hex.EncodeToString(sum[:8])))
	return err
}

// remaining is how many input messages are not yet acknowledged by a
// worker: not yet delivered, or delivered and in hand. A consumer whose ack
// floor is short of the stream's last message is not done, whatever its
// counts say: a consumer leader just elected can report none pending.
func (r *run) remaining() (uint64, error) {
	info, err := r.consumerInfo()
	if err != nil {
		return 0, err
	}
	left := info.NumPending + uint64(info.NumAckPending)
	if left == 0 {
		ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
		defer cancel()
		s, err := r.js.Stream(ctx, "FHIR")
		if err != nil {
			return 0, err
		}
		sinfo, err := s.Info(ctx)
		if err != nil {
			return 0, err
		}
		if last := sinfo.State.LastSeq; info.AckFloor.Stream < last {
			left = last - info.AckFloor.Stream
		}
	}
	return left, nil
}

func (r *run) consumerInfo() (*jetstream.ConsumerInfo, error) {
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	cons, err := r.js.Consumer(ctx, "FHIR", "trialscout")
	if err != nil {
		return nil, err
	}
	return cons.Info(ctx)
}

// kill9 kills a worker, counting the messages it held.
func (r *run) kill9(w *worker) {
	r.t.Helper()
	if info, err := r.consumerInfo(); err == nil {
		r.inHand += info.NumAckPending
	}
	w.kill9(r.t)
	r.kills++
}

// waitRemaining waits until at most n input messages remain, checking
// that no worker died by itself meanwhile.
func (r *run) waitRemaining(n uint64, workers ...*worker) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		for _, w := range workers {
			if err := w.exited(); err != nil {
				r.t.Fatal(err)
			}
		}
		left, err := r.remaining()
		if err == nil && left <= n {
			return
		}
		if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			r.t.Logf("consumer info: %v (retrying)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	left, err := r.remaining()
	r.t.Fatalf("still %d messages unacknowledged after 10 minutes (%v)", left, err)
}

// drained waits until every input message is acknowledged.
func (r *run) drained(workers ...*worker) { r.waitRemaining(0, workers...) }

// killPoints are the backlog sizes at which to kill -9: spread over the
// run, each at a random place within its share.
func (r *run) killPoints(kills int) []uint64 {
	total := uint64(len(r.input))
	share := total / uint64(kills+1)
	points := make([]uint64, kills)
	for i := range points {
		start := total - share*uint64(i+1)
		points[i] = start + share/4 - uint64(r.rng.IntN(int(share/2)+1))
	}
	return points
}
