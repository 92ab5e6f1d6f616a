package streams

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// health is what the worker knows of its own progress, for Readiness. It
// is shared by every copy of the worker (see uncounted).
type health struct {
	mu           sync.Mutex
	started      bool
	missing      error     // why the consumer cannot be used; nil when it can
	pending      uint64    // input not yet settled, at the last look
	pendingSince time.Time // when input last became pending after none was
	lastSettled  time.Time // when a message was last acked or set aside

	// needEnsure asks the next tick to create missing streams: a publish
	// found no stream listening.
	needEnsure atomic.Bool
}

func (h *health) settled(at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastSettled = at
}

func (h *health) setMissing(err error) (changed bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	changed = (h.missing == nil) != (err == nil)
	h.missing = err
	return changed
}

func (h *health) setPending(n uint64, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending == 0 && n > 0 {
		h.pendingSince = at
	}
	h.pending = n
}

// Readiness says why the worker is not ready, or nil when it is: it is set
// up and consuming, its NATS connection is up, its consumer exists, and
// when input is pending some message has been settled (acknowledged, or
// set aside) within StallAfter.
func (w *Worker) Readiness() error {
	h := w.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.started {
		return errors.New("not started: setting up streams and consumer")
	}
	if st := w.js.Conn().Status(); st != nats.CONNECTED {
		return fmt.Errorf("NATS connection is %s", st)
	}
	if h.missing != nil {
		return fmt.Errorf("consumer %s on stream %s: %w", w.cfg.Consumer, w.cfg.InputStream, h.missing)
	}
	if h.pending > 0 {
		since := h.pendingSince
		if h.lastSettled.After(since) {
			since = h.lastSettled
		}
		if idle := w.wall().Sub(since); idle > w.cfg.StallAfter {
			return fmt.Errorf("no input message settled for %s while %d are pending", idle.Round(time.Second), h.pending)
		}
	}
	return nil
}

// gone reports errors that say the consumer or its stream no longer exists.
func gone(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrConsumerDeleted) ||
		errors.Is(err, jetstream.ErrConsumerDoesNotExist) || errors.Is(err, jetstream.ErrStreamNotFound)
}

// noStream reports a publish or read that found no stream or bucket: one
// was deleted while the worker ran.
func noStream(err error) bool {
	return errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, jetstream.ErrStreamNotFound) ||
		errors.Is(err, jetstream.ErrBucketNotFound) || errors.Is(err, nats.ErrNoResponders)
}

// observe looks at the consumer (Run calls it every TickInterval): the
// pending count and the age of the oldest unsettled message go to the
// metrics and readiness; a consumer that is gone is recovered. It returns
// the consumer to use from now on.
func (w *Worker) observe(ctx context.Context, cons jetstream.Consumer) jetstream.Consumer {
	reqCtx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	if w.health.needEnsure.Swap(false) && !w.cfg.NoCreate {
		if _, err := ensure(reqCtx, w.js, w.cfg, w.log); err != nil {
			w.health.needEnsure.Store(true)
			w.log.Warn("could not create the missing streams; will retry", zap.Error(err))
		}
	}
	info, err := cons.Info(reqCtx)
	switch {
	case gone(err):
		return w.recover(ctx, cons, err)
	case err != nil:
		w.log.Debug("consumer info failed", zap.Error(err))
		return cons
	}
	if w.health.setMissing(nil) {
		w.log.Info("consumer is back", zap.String("stream", w.cfg.InputStream), zap.String("consumer", w.cfg.Consumer))
	}
	pending := info.NumPending + uint64(info.NumAckPending)
	w.health.setPending(pending, w.wall())
	w.metrics.pending.Set(float64(pending))
	w.metrics.oldestPending.Set(w.oldestPendingAge(reqCtx, info, pending).Seconds())
	w.metrics.scheduled.Set(float64(w.due.len()))
	return cons
}

// oldestPendingAge is how long the oldest input message not yet settled has
// been in the stream: the first one after the consumer's ack floor.
func (w *Worker) oldestPendingAge(ctx context.Context, info *jetstream.ConsumerInfo, pending uint64) time.Duration {
	if pending == 0 {
		return 0
	}
	s, err := w.js.Stream(ctx, w.cfg.InputStream)
	if err != nil {
		return 0
	}
	m, err := s.GetMsg(ctx, info.AckFloor.Stream+1, jetstream.WithGetMsgSubject(w.cfg.InputSubject))
	if err != nil {
		return 0
	}
	return max(w.wall().Sub(m.Time), 0)
}

// recover finds or recreates a consumer that is gone. With creation allowed
// the streams and the consumer are created again, and the log says so;
// with NoCreate the worker only looks for a consumer someone else created,
// and is not ready until there is one.
func (w *Worker) recover(ctx context.Context, old jetstream.Consumer, cause error) jetstream.Consumer {
	reqCtx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	if w.cfg.NoCreate {
		cons, err := w.js.Consumer(reqCtx, w.cfg.InputStream, w.cfg.Consumer)
		if err != nil {
			if w.health.setMissing(fmt.Errorf("missing, and creating is off (no_create): %w", cause)) {
				w.log.Error("consumer is missing and creating is off; not ready until it is back",
					zap.String("stream", w.cfg.InputStream), zap.String("consumer", w.cfg.Consumer), zap.Error(cause))
			}
			return old
		}
		w.health.setMissing(nil)
		w.log.Info("consumer is back", zap.String("stream", w.cfg.InputStream), zap.String("consumer", w.cfg.Consumer))
		return cons
	}
	cons, err := w.openConsumer(reqCtx)
	if err != nil {
		if w.health.setMissing(fmt.Errorf("missing, and recreating it failed: %w", err)) {
			w.log.Error("consumer is missing and could not be recreated; will retry",
				zap.String("stream", w.cfg.InputStream), zap.String("consumer", w.cfg.Consumer), zap.Error(err))
		}
		return old
	}
	w.health.setMissing(nil)
	w.metrics.recreated.Inc()
	w.log.Warn("consumer was missing; recreated it (and any missing stream)",
		zap.String("stream", w.cfg.InputStream), zap.String("consumer", w.cfg.Consumer), zap.Error(cause))
	return cons
}
