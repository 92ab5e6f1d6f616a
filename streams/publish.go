package streams

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// jsPublisher publishes through JetStream and waits for the stream's ack.
type jsPublisher struct{ js jetstream.JetStream }

var _ Publisher = jsPublisher{}

func (p jsPublisher) Publish(ctx context.Context, subject string, data []byte, msgID string, header map[string]string) error {
	m := nats.NewMsg(subject)
	m.Data = data
	for k, v := range header {
		m.Header.Set(k, v)
	}
	_, err := p.js.PublishMsg(ctx, m, jetstream.WithMsgID(msgID))
	return err
}

func (w *Worker) publishEvent(ctx context.Context, e Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	if err := w.pub.Publish(ctx, w.cfg.EventPrefix+e.Trial, data, e.ID, nil); err != nil {
		return fmt.Errorf("publish event %s: %w", e.ID, err)
	}
	w.metrics.statusChanges.WithLabelValues(e.Trial, string(e.Status)).Inc()
	return nil
}

// ErrorHeader carries the reason on a rejected copy; SubjectHeader the
// subject it arrived on.
const (
	ErrorHeader   = "Trialscout-Error"
	SubjectHeader = "Trialscout-Subject"
)

// reject copies the message to the rejected stream with the reason. The
// copy's id is the input's stream sequence, so a redelivery adds no copy.
func (w *Worker) reject(ctx context.Context, msg jetstream.Msg, rej *rejection) error {
	reason := rej.Error()
	if len(reason) > maxReasonBytes {
		reason = reason[:maxReasonBytes-3] + "..."
	}
	id := "rejected"
	if meta, err := msg.Metadata(); err == nil {
		id = "rejected:" + w.cfg.InputStream + ":" + strconv.FormatUint(meta.Sequence.Stream, 10)
	}
	return w.pub.Publish(ctx, w.cfg.RejectedSubject, msg.Data(), id, map[string]string{ErrorHeader: reason, SubjectHeader: msg.Subject()})
}
