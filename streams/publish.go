package streams

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
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
	if !subjectTokens(e.Trial, maxTrialID) {
		// A trial file's id, not input: the subject it would make could
		// close the connection (a space) or pass the server's limits.
		return fmt.Errorf("event %s: trial id %q is not a valid subject token of at most %d bytes", e.ID, bounded(e.Trial, 80), maxTrialID)
	}
	if err := w.pub.Publish(ctx, w.cfg.EventPrefix+e.Trial, data, e.ID, nil); err != nil {
		return fmt.Errorf("publish event %s: %w", e.ID, err)
	}
	rs, err := researchSubject(e)
	if err != nil {
		return fmt.Errorf("event %s: research subject: %w", e.ID, err)
	}
	if err := w.pub.Publish(ctx, w.cfg.ResearchSubjectPrefix+e.Trial, rs, e.ID+"/ResearchSubject", nil); err != nil {
		return fmt.Errorf("publish research subject of event %s: %w", e.ID, err)
	}
	w.metrics.statusChanges.WithLabelValues(e.Trial, string(e.Status)).Inc()
	w.log.Info("status changed", zap.String("trial", e.Trial), zap.String("patient_key", bounded(e.Patient, maxLoggedSubject)),
		zap.String("previous_status", string(e.PreviousStatus)), zap.String("status", string(e.Status)), zap.String("event_id", e.ID))
	return nil
}

// maxTrialID bounds the trial id in an event's subject.
const maxTrialID = 128

// subjectTokens reports whether s can follow a subject prefix: dot-separated
// tokens of printable ASCII without spaces or wildcards, at most max bytes.
func subjectTokens(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || tok == "*" || tok == ">" {
			return false
		}
		for i := 0; i < len(tok); i++ {
			if c := tok[i]; c <= ' ' || c >= 0x7f {
				return false
			}
		}
	}
	return true
}

// ErrorHeader carries the reason on a rejected copy; SubjectHeader the
// subject it arrived on.
const (
	ErrorHeader   = "Trialscout-Error"
	SubjectHeader = "Trialscout-Subject"
)

// reject copies the message to the rejected stream with the reason. The
// copy's id is the input's stream sequence, so a redelivery adds no copy.
// Every header the copy carries is bounded and on one line (see
// headerValue): nothing a message holds can make the copy unsendable.
func (w *Worker) reject(ctx context.Context, msg jetstream.Msg, reason string) error {
	id := "rejected"
	if meta, err := msg.Metadata(); err == nil {
		id = "rejected:" + w.cfg.InputStream + ":" + strconv.FormatUint(meta.Sequence.Stream, 10)
	}
	header := map[string]string{ErrorHeader: headerValue(reason, maxErrorHeader), SubjectHeader: headerValue(msg.Subject(), maxSubjectHeader)}
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

// The bounds of what the worker writes in headers. NATS carries headers in
// the payload, but a header line must stay a line (no CR or LF) and small
// next to the message: the reason is cut at 2 KiB, the input subject (which
// can be as long as the server's 4 KiB control line) at 512 bytes.
const (
	maxErrorHeader   = 2048
	maxSubjectHeader = 512
)

// headerRoom is what the rejected copy's headers may take, with room for
// the names, the message id and NATS's own headers.
const headerRoom = maxErrorHeader + maxSubjectHeader + 1024

// headerValue makes text safe as a header value: valid UTF-8, control
// characters (CR, LF among them) as spaces, at most max bytes (cut on a
// character boundary, marked with "...").
func headerValue(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return bounded(s, max)
}

// bounded cuts s to at most max bytes on a character boundary, ending in
// "..." when cut.
func bounded(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
