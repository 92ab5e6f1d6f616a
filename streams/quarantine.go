package streams

import (
	"context"
	"strconv"

	"go.uber.org/zap"
)

// RecordHeader, on a rejected copy of a stored record, names the key and
// revision it was read from.
const RecordHeader = "Trialscout-Record"

// quarantine copies the bytes of a stored record that cannot be read to the
// rejected stream, with the reason, before the patient starts again from
// an empty record; nothing of it is lost, and it is never retried forever.
func (w *Worker) quarantine(ctx context.Context, key string, rev uint64, data []byte, err error) {
	w.metrics.quarantined.Inc()
	id := "record:" + key + ":" + strconv.FormatUint(rev, 10)
	header := map[string]string{ErrorHeader: headerValue("stored record cannot be read: "+err.Error(), maxErrorHeader), RecordHeader: key + "@" + strconv.FormatUint(rev, 10)}
	if limit := int(w.js.Conn().MaxPayload()) - headerRoom; limit > 0 && len(data) > limit {
		header[TruncatedHeader] = strconv.Itoa(len(data))
		data = data[:limit]
	}
	if perr := w.pub.Publish(ctx, w.cfg.RejectedSubject, data, id, header); perr != nil {
		w.log.Error("could not copy an unreadable record aside; starting it again anyway", zap.String("patient_key", key), zap.Error(perr))
		return
	}
	w.log.Error("stored record cannot be read: copied to the rejected stream, patient started again from the input still retained",
		zap.String("patient_key", key), zap.Uint64("revision", rev))
}
