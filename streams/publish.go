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
	header := map[string]string{ErrorHeader: reason, SubjectHeader: msg.Subject()}
	data := msg.Data()
	// A message at the server's payload limit no longer fits with the
	// headers: keep what fits, and say so, rather than retry forever.
	if limit := int(w.js.Conn().MaxPayload()) - headerRoom; limit > 0 && len(data) > limit {
		header[TruncatedHeader] = strconv.Itoa(len(data))
		data = data[:limit]
	}
	return w.pub.Publish(ctx, w.cfg.RejectedSubject, data, id, header)
}

// TruncatedHeader, on a rejected copy, gives the original size when the
// copy had to be cut to fit the server's payload limit.
const TruncatedHeader = "Trialscout-Truncated"

// headerRoom is what the rejected copy's headers may take.
const headerRoom = maxReasonBytes + 1024
