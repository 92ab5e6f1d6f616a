package streams

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// settle maps a message's outcome to its acknowledgement: Ack when done; a
// copy to the rejected stream, then Term, when it can never be read (Ack
// when part of it was applied) or when it failed on its MaxDeliveries-th
// delivery; otherwise NakWithDelay with a backoff that grows with each
// delivery. A copy that cannot be written leaves the message for
// redelivery: nothing is terminated that is not set aside.
func (w *Worker) settle(ctx context.Context, in *message) {
	msg := in.msg
	n := deliveries(msg)
	var err error
	outcome := "acked"
	switch {
	case in.failed != nil && n >= uint64(w.cfg.MaxDeliveries):
		reason := in.failed.Error()
		if in.rej != nil {
			reason += "; and rejected: " + in.rej.Error()
		}
		w.giveUp(ctx, msg, n, reason)
		return
	case in.failed != nil:
		outcome = "retry"
		err = w.retry(msg, n, in.failed)
	case in.rej != nil:
		if perr := w.setAside(ctx, msg, in.rej.Error()); perr != nil {
			w.log.Warn("could not copy rejected input aside; will retry", zap.String("subject", bounded(msg.Subject(), maxLoggedSubject)),
				zap.Uint64("stream_seq", streamSeq(msg)), zap.Error(perr))
			w.retry(msg, n, perr) //nolint:errcheck // logged below when it fails
			return
		}
		w.logRejections(msg, in.rej)
		if in.rej.partial {
			err = msg.Ack() // the readable part was applied
		} else {
			outcome = "terminated"
			err = msg.Term()
		}
	default:
		err = msg.Ack()
	}
	w.settled(msg, n, outcome, err)
}

// settled records the end of a message's handling.
func (w *Worker) settled(msg jetstream.Msg, n uint64, outcome string, err error) {
	if err != nil {
		w.log.Warn("could not settle message", zap.String("subject", bounded(msg.Subject(), maxLoggedSubject)),
			zap.Uint64("stream_seq", streamSeq(msg)), zap.Error(err))
		return
	}
	if outcome != "retry" {
		w.health.settled(w.wall())
		w.lastErr.forget(msg)
	}
	w.log.Debug("message handled", zap.String("subject", bounded(msg.Subject(), maxLoggedSubject)),
		zap.Uint64("stream_seq", streamSeq(msg)), zap.Uint64("delivery", n), zap.String("outcome", outcome))
}

// retry leaves the message for redelivery after a backoff.
func (w *Worker) retry(msg jetstream.Msg, n uint64, cause error) error {
	delay := backoff(n, w.cfg.NakDelay, w.cfg.MaxNakDelay, rand.Float64)
	w.lastErr.remember(msg, cause.Error())
	if noStream(cause) {
		w.health.needEnsure.Store(true)
	}
	w.metrics.retries.Inc()
	w.log.Warn("processing failed; will retry", zap.String("subject", bounded(msg.Subject(), maxLoggedSubject)),
		zap.Uint64("stream_seq", streamSeq(msg)), zap.Uint64("delivery", n), zap.Int("max_deliveries", w.cfg.MaxDeliveries),
		zap.Duration("retry_in", delay), zap.Error(cause))
	return msg.NakWithDelay(delay)
}

// giveUp sets aside a message that failed its last allowed delivery: it is
// copied to the rejected stream with "gave up after N deliveries: <last
// error>" and terminated.
func (w *Worker) giveUp(ctx context.Context, msg jetstream.Msg, n uint64, lastErr string) {
	if lastErr == "" {
		lastErr = "no outcome recorded (the worker stopped, or the ack wait passed, while handling it)"
	}
	reason := fmt.Sprintf("gave up after %d deliveries: %s", n, lastErr)
	if err := w.setAside(ctx, msg, reason); err != nil {
		w.log.Warn("could not copy a message given up on aside; will retry", zap.String("subject", bounded(msg.Subject(), maxLoggedSubject)),
			zap.Uint64("stream_seq", streamSeq(msg)), zap.Error(err))
		w.retry(msg, n, err) //nolint:errcheck // a failed nak is redelivered after the ack wait anyway
		return
	}
	w.metrics.gaveUp.Inc()
	w.log.Warn("gave up on a message; copied to the rejected stream", zap.String("subject", bounded(msg.Subject(), maxLoggedSubject)),
		zap.Uint64("stream_seq", streamSeq(msg)), zap.Uint64("deliveries", n), zap.String("rejected_stream", w.cfg.RejectedStream))
	w.log.Debug("gave up", zap.Uint64("stream_seq", streamSeq(msg)), zap.String("reason", reason))
	w.settled(msg, n, "gave up", msg.Term())
}

// setAside copies the message to the rejected stream with the reason,
// counting a copy that fails.
func (w *Worker) setAside(ctx context.Context, msg jetstream.Msg, reason string) error {
	err := w.reject(ctx, msg, reason)
	if err != nil {
		w.metrics.rejectCopyFailures.Inc()
		if noStream(err) {
			w.health.needEnsure.Store(true)
		}
	}
	return err
}

// backoff is the delay before the next delivery of a message that failed
// its n-th: base doubled n-1 times, at most max, then jittered to between
// half and all of that (rnd returns [0,1)), so that messages failing
// together do not come back together.
func backoff(n uint64, base, max time.Duration, rnd func() float64) time.Duration {
	d := base
	for i := uint64(1); i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + time.Duration(rnd()*float64(d-d/2))
}

func streamSeq(msg jetstream.Msg) uint64 {
	if meta, err := msg.Metadata(); err == nil {
		return meta.Sequence.Stream
	}
	return 0
}

// failures remembers the last error of messages left for redelivery, by
// stream sequence, up to a bound (past it, the oldest half is forgotten).
type failures struct {
	mu    sync.Mutex
	max   int
	order []uint64
	errs  map[uint64]string
}

func newFailures(max int) *failures { return &failures{max: max, errs: map[uint64]string{}} }

func (f *failures) remember(msg jetstream.Msg, err string) {
	seq := streamSeq(msg)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.errs[seq]; !ok {
		f.order = append(f.order, seq)
	}
	f.errs[seq] = err
	if len(f.order) > f.max {
		for _, old := range f.order[:f.max/2] {
			delete(f.errs, old)
		}
		f.order = append([]uint64(nil), f.order[f.max/2:]...)
	}
}

func (f *failures) get(msg jetstream.Msg) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.errs[streamSeq(msg)]
}

func (f *failures) forget(msg jetstream.Msg) {
	seq := streamSeq(msg)
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.errs, seq)
}
