package streams

import (
	"regexp"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/trialscout/trialscout/fhirmap"
)

// maxRejectionLines bounds the info lines one message's rejections make (a
// Bundle can hold thousands of bad entries); the rest are counted.
const maxRejectionLines = 20

// maxLoggedSubject bounds a subject written to a log line.
const maxLoggedSubject = 256

// logRejections writes one info line per rejected resource: its type and
// id when known, the subject, the stream sequence and the kind of reason.
// The reason's text can quote the input (a malformed birth date, a value):
// it is written only at debug.
func (w *Worker) logRejections(msg jetstream.Msg, rej *rejection) {
	subject, seq := msg.Subject(), streamSeq(msg)
	for i, reason := range rej.reasons {
		if i == maxRejectionLines {
			w.log.Info("more input rejected in the same message", zap.String("subject", bounded(subject, maxLoggedSubject)),
				zap.Uint64("stream_seq", seq), zap.Int("not_logged", len(rej.reasons)-i))
			break
		}
		ref, entry := rejectedResource(subject, reason)
		w.log.Info("input rejected", zap.String("resource", ref), zap.String("entry", entry),
			zap.String("subject", bounded(subject, maxLoggedSubject)), zap.Uint64("stream_seq", seq),
			zap.String("reason", rejectionCategory(reason)), zap.Bool("partly_applied", rej.partial))
	}
	w.log.Debug("input rejected", zap.String("subject", bounded(subject, maxLoggedSubject)), zap.Uint64("stream_seq", seq),
		zap.String("reason", rej.Error()))
}

// rejectionCategories name the kinds of reason, found by the sentinel text
// the mapper's errors carry ("<position> (<Type/id>): <sentinel>: ...").
var rejectionCategories = []struct {
	text, label string
}{
	{fhirmap.ErrNotJSON.Error(), "not_json"}, {fhirmap.ErrNotFHIR.Error(), "not_fhir"},
	{fhirmap.ErrNoPatient.Error(), "no_patient"}, {fhirmap.ErrTooLarge.Error(), "too_large"},
	{fhirmap.ErrNoID.Error(), "no_id"},
}

// rejectionCategory is the kind of a rejection's reason, without its
// values: the first sentinel the text names wins.
func rejectionCategory(reason string) string {
	if strings.Contains(reason, ": message of ") && strings.Contains(reason, "-byte limit") {
		return "too_large"
	}
	best, label := -1, "other"
	for _, c := range rejectionCategories {
		if i := strings.Index(reason, ": "+c.text); i >= 0 && (best < 0 || i < best) {
			best, label = i, c.label
		}
	}
	return label
}

// plainRef is a reference that is safe to log: a resource type and a FHIR
// id, nothing else.
var plainRef = regexp.MustCompile(`^[A-Z][A-Za-z]{0,63}/[A-Za-z0-9\-.]{1,64}$`)

// plainEntry is a Bundle position: entry[3], entry[3].resource.entry[0].
var plainEntry = regexp.MustCompile(`^entry\[\d+\](\.resource\.entry\[\d+\])*$`)

// rejectedResource reads the resource and Bundle entry a reason names, when
// they are plain; "" otherwise.
func rejectedResource(subject, reason string) (ref, entry string) {
	rest, ok := strings.CutPrefix(reason, subject)
	if !ok {
		return "", ""
	}
	head, _, _ := strings.Cut(rest, ": ")
	head, r, hasRef := strings.Cut(head, " (")
	if hasRef {
		if r = strings.TrimSuffix(r, ")"); plainRef.MatchString(r) {
			ref = r
		}
	}
	if e := strings.TrimSpace(head); plainEntry.MatchString(e) {
		entry = e
	}
	return ref, entry
}
