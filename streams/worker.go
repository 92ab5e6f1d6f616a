package streams

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"go.uber.org/zap"

	"github.com/trialscout/trialscout/engine"
)

// Publisher sends one message to a JetStream subject with a Nats-Msg-Id.
type Publisher interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string, header map[string]string) error
}

// Worker consumes FHIR resources and publishes status changes. Create it
// with NewWorker; Run blocks until its context ends.
type Worker struct {
	js      jetstream.JetStream
	cfg     Config
	eng     *engine.Evaluator
	log     *zap.Logger
	now     func() time.Time
	kv      jetstream.KeyValue
	store   *stateStore
	pub     Publisher
	due     *schedule
	metrics *Metrics
	ready   chan struct{}
	health  *health
	// wall is the real clock, for readiness and ages; now is the
	// evaluations' clock, which a replay or a demo fixes.
	wall func() time.Time
	// lastErr remembers why a message last failed, by stream sequence, so
	// that one set aside after a delivery that never finished still says.
	lastErr *failures
	// id names this worker in the catalog (who holds a replay).
	id string
	// cat is the latest trial catalog seen; pause, when set, says why the
	// worker does not consume; replaying is set while it runs a replay.
	cat       atomic.Pointer[catalog]
	pause     atomic.Pointer[string]
	replaying atomic.Bool
	// atomicKV and eventsAtomic: the state bucket and the event stream take
	// atomic batches (atomic.go).
	atomicKV, eventsAtomic bool
	// clears are records whose published events their head still holds.
	clears clearList
	// left are the patients whose records held events in their outbox when
	// the worker started (leftOutboxes).
	left leftOutboxes
}

// Option changes a Worker.
type Option func(*Worker)

// WithClock makes the worker read time from now (tests, demos).
func WithClock(now func() time.Time) Option { return func(w *Worker) { w.now = now } }

// WithLogger sets the logger; the default logs nothing.
func WithLogger(l *zap.Logger) Option { return func(w *Worker) { w.log = l.Named("streams") } }

// WithMetrics sets where the worker counts what it does.
func WithMetrics(m *Metrics) Option { return func(w *Worker) { w.metrics = m } }

// NewWorker prepares a worker; Setup or Run connects it to its streams.
func NewWorker(js jetstream.JetStream, eng *engine.Evaluator, cfg Config, opts ...Option) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &Worker{js: js, cfg: cfg.withDefaults(), eng: eng, log: zap.NewNop(), now: time.Now,
		due: newSchedule(), pub: jsPublisher{js}, ready: make(chan struct{}),
		health: &health{}, wall: time.Now, lastErr: newFailures(1024), id: workerID()}
	for _, o := range opts {
		o(w)
	}
	if w.metrics == nil {
		w.metrics = NewMetrics(nil)
	}
	return w, nil
}

// Ready is closed once the worker has its streams and state and consumes.
func (w *Worker) Ready() <-chan struct{} { return w.ready }

// Setup creates (or finds) the streams and bucket, and starts following the
// bucket for the schedule of time-driven re-evaluations (until ctx ends).
func (w *Worker) Setup(ctx context.Context) (jetstream.Consumer, error) {
	// Each step is bounded: a cluster busy electing leaders can leave a
	// request unanswered, and the caller retries rather than waits forever.
	reqCtx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	kv, err := ensure(reqCtx, w.js, w.cfg, w.log)
	if err != nil {
		return nil, err
	}
	w.kv = kv
	w.store = &stateStore{kv: kv, bucket: w.cfg.StateBucket, cache: newRecordCache(w.cfg.StateCache), quarantine: w.quarantine, watched: true}
	if w.atomicKV, err = allowAtomic(reqCtx, w.js, "KV_"+w.cfg.StateBucket, !w.cfg.NoCreate); err != nil {
		return nil, err
	}
	if w.eventsAtomic, err = allowAtomic(reqCtx, w.js, w.cfg.EventStream, !w.cfg.NoCreate); err != nil {
		return nil, err
	}
	if _, ok := w.pub.(jsPublisher); !ok {
		w.eventsAtomic = false // a publisher of a test's making sees every event
	}
	w.log.Info("atomic batches", zap.Bool("state", w.atomicKV), zap.Bool("events", w.eventsAtomic))
	cons, err := w.createConsumer(reqCtx)
	if err != nil {
		return nil, err
	}
	if err := w.startTrials(reqCtx, cons); err != nil {
		return nil, err
	}
	if err := w.followCatalog(ctx); err != nil {
		return nil, err
	}
	return cons, w.watchSchedule(ctx, kv)
}

// workerID names this worker: host, process and a random part.
func workerID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), nuid.Next()[:8])
}

// Paused says why the worker does not consume ("" when it does).
func (w *Worker) Paused() string {
	if r := w.pause.Load(); r != nil {
		return *r
	}
	return ""
}

// openConsumer creates what is missing (streams, bucket, consumer), as
// Setup does, for a worker that found its consumer gone.
func (w *Worker) openConsumer(ctx context.Context) (jetstream.Consumer, error) {
	if _, err := ensure(ctx, w.js, w.cfg, w.log); err != nil {
		return nil, err
	}
	return w.createConsumer(ctx)
}

func (w *Worker) createConsumer(ctx context.Context) (jetstream.Consumer, error) {
	cons, err := w.js.CreateOrUpdateConsumer(ctx, w.cfg.InputStream, jetstream.ConsumerConfig{
		Durable: w.cfg.Consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: w.cfg.AckWait,
		FilterSubject: w.cfg.InputSubject, MaxAckPending: 1024,
	})
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", w.cfg.Consumer, w.cfg.InputStream, err)
	}
	return cons, nil
}

// Run consumes until ctx ends: it stops fetching, finishes and acks the
// message in hand, and returns nil. Setup is retried while NATS is only
// slow or busy (a cluster electing leaders); other errors are returned.
// A consumer deleted while it runs is recreated (see recover).
func (w *Worker) Run(ctx context.Context) error {
	cons, err := w.setupWithRetry(ctx)
	if err != nil {
		return err
	}
	w.health.mu.Lock()
	w.health.started, w.health.lastSettled = true, w.wall()
	w.health.mu.Unlock()
	close(w.ready)
	w.log.Info("worker started", zap.String("stream", w.cfg.InputStream), zap.String("consumer", w.cfg.Consumer),
		zap.Int("max_deliveries", w.cfg.MaxDeliveries))
	tick := time.NewTicker(w.cfg.TickInterval)
	defer tick.Stop()
	cons = w.observe(ctx, cons)
	w.sendLeftOutboxes(ctx)
	// One batch is read while the one before is written: reading is CPU,
	// writing mostly waits on the server. A batch is applied only once the
	// one before is settled, so a patient's messages stay in order.
	var applying chan struct{}
	wait := func() {
		if applying != nil {
			<-applying
			applying = nil
		}
	}
	for ctx.Err() == nil {
		select {
		case <-tick.C:
			wait()
			cons = w.observe(ctx, cons)
			w.CheckDue(ctx)
		default:
		}
		if w.Paused() != "" {
			wait()
			sleep(ctx, w.cfg.FetchWait)
			continue
		}
		msgs, err := w.fetch(cons)
		switch {
		case err != nil && ctx.Err() != nil:
		case gone(err):
			wait()
			cons = w.recover(ctx, cons, err)
			sleep(ctx, w.cfg.NakDelay)
		case err != nil:
			w.log.Warn("fetch failed; retrying", zap.Error(err))
			sleep(ctx, w.cfg.NakDelay)
		case len(msgs) == 0:
			wait()
			w.flushClears(ctx, true) // idle
		default:
			b := w.readBatch(msgs)
			wait()
			done := make(chan struct{})
			applying = done
			go func() {
				defer close(done)
				// Finish what was fetched even when ctx ends: each message
				// is then acked, or left for redelivery by NATS.
				w.applyBatch(context.WithoutCancel(ctx), b)
				w.flushClears(ctx, false)
			}()
		}
	}
	wait()
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), setupTimeout)
	w.flushClears(stopCtx, true)
	cancel()
	w.log.Info("worker stopped")
	return nil
}

// setupTimeout bounds the requests that set the worker up.
const setupTimeout = 15 * time.Second

func (w *Worker) setupWithRetry(ctx context.Context) (jetstream.Consumer, error) {
	for {
		cons, err := w.Setup(ctx)
		if err == nil || !transient(err) || ctx.Err() != nil {
			return cons, err
		}
		w.log.Warn("setting up streams failed; retrying", zap.Error(err))
		sleep(ctx, w.cfg.NakDelay)
	}
}

// transient reports errors that waiting can mend: a request that timed
// out, no JetStream responder yet, a cluster without a leader or without
// enough live nodes for the replicas (503). A server without JetStream, or
// a stream missing with creation off, fails at once.
func transient(err error) bool {
	if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
		return false
	}
	var api *jetstream.APIError
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.As(err, &api) && api.Code == 503
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (w *Worker) fetch(cons jetstream.Consumer) ([]jetstream.Msg, error) {
	return Fetch(cons, w.cfg.FetchBatch, w.cfg.FetchWait)
}

// Fetch is how the worker pulls: it takes what is waiting, up to max
// messages, without waiting for more; when nothing is, it waits up to wait
// for one message, so that a lone message is handled at once and a backlog
// in batches.
func Fetch(cons jetstream.Consumer, max int, wait time.Duration) ([]jetstream.Msg, error) {
	batch, err := cons.FetchNoWait(max)
	if err != nil {
		return nil, err
	}
	msgs, err := collect(batch)
	if len(msgs) > 0 || err != nil {
		return msgs, err
	}
	batch, err = cons.Fetch(1, jetstream.FetchMaxWait(wait))
	if err != nil {
		return nil, err
	}
	return collect(batch)
}

func collect(batch jetstream.MessageBatch) ([]jetstream.Msg, error) {
	var msgs []jetstream.Msg
	for msg := range batch.Messages() {
		msgs = append(msgs, msg)
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, nats.ErrTimeout) && len(msgs) == 0 {
		return nil, err
	}
	return msgs, nil
}

// Handle processes one message and settles it; see HandleBatch.
func (w *Worker) Handle(ctx context.Context, msg jetstream.Msg) {
	w.HandleBatch(ctx, []jetstream.Msg{msg})
}

// HandleBatch processes messages and settles each: Ack when done; a copy
// to the rejected stream, then Term, when the input can never be read or
// has failed MaxDeliveries times; NakWithDelay, with a backoff that grows
// with each delivery, for anything that may work later. A patient's facts
// from all the messages are applied together, so a backlog costs one
// record write per patient per batch rather than one per message; its
// status events then reflect the batch as a whole.
//
// What a message holds is counted on its first delivery only (see
// mapMessage).
func (w *Worker) HandleBatch(ctx context.Context, msgs []jetstream.Msg) {
	w.applyBatch(ctx, w.readBatch(msgs))
}

// fetchedBatch is a batch of messages read, not yet applied.
type fetchedBatch struct {
	start time.Time
	// spent were delivered past MaxDeliveries: the deliveries before
	// never settled (the worker stopped, or the ack wait passed, while
	// handling them). They are set aside without being handled again.
	spent []jetstream.Msg
	read  *mapped
}

// readBatch reads a batch's messages (see mapAll).
func (w *Worker) readBatch(msgs []jetstream.Msg) *fetchedBatch {
	b := &fetchedBatch{start: time.Now()}
	run := make([]jetstream.Msg, 0, len(msgs))
	for _, msg := range msgs {
		if deliveries(msg) > uint64(w.cfg.MaxDeliveries) {
			b.spent = append(b.spent, msg)
			continue
		}
		run = append(run, msg)
	}
	b.read = w.mapAll(run)
	return b
}

// applyBatch applies a batch read, and settles its messages.
func (w *Worker) applyBatch(ctx context.Context, b *fetchedBatch) {
	for _, msg := range b.spent {
		w.giveUp(ctx, msg, deliveries(msg), w.lastErr.get(msg))
	}
	if len(b.read.msgs) == 0 {
		return
	}
	w.applyAll(ctx, b.read, true)
	for _, in := range b.read.msgs {
		w.settle(ctx, in)
		w.metrics.latency.Observe(time.Since(b.start).Seconds())
	}
}

// deliveries is how many times the message has been delivered, this time
// included (1 when unknown).
func deliveries(msg jetstream.Msg) uint64 {
	if meta, err := msg.Metadata(); err == nil && meta.NumDelivered > 0 {
		return meta.NumDelivered
	}
	return 1
}
