package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// Atomic batches (NATS 2.12 and later, on streams with allow_atomic) write
// many messages to one stream all or none, and a server that syncs every
// write syncs a batch once. Synced writes are what bound the worker (each
// costs about as much as the CPU of several messages), so a backlog's writes
// go out as one batch per fetch: a record's keys, the resource index, the
// events (group.go). A batch that fails, whatever the reason, has written
// nothing, and the worker writes the same changes key by key.

// batchMsg is one message of an atomic batch.
type batchMsg struct {
	subject string
	data    []byte
	header  nats.Header
}

// maxAtomicBatch keeps a batch within the server's limit (1,000 messages by
// default; a site may set it lower, and then a batch fails and the worker
// writes key by key).
const maxAtomicBatch = 500

// batchTimeout bounds the wait for a batch's answer, which a server that
// restarts meanwhile never sends. A batch whose answer is lost may have
// been written: its changes are made again from a fresh read, which finds
// them (or its events again, which the stream's duplicate window drops).
const batchTimeout = 10 * time.Second

// errBatchRefused: the server answered a batch with an error; nothing of it
// was written.
var errBatchRefused = errors.New("atomic batch refused")

// publishAtomic writes msgs to one stream as an atomic batch and returns the
// stream sequence of the first; the others follow it in order.
func publishAtomic(ctx context.Context, nc *nats.Conn, msgs []batchMsg) (uint64, error) {
	if len(msgs) == 0 || len(msgs) > maxAtomicBatch {
		return 0, fmt.Errorf("%w: %d messages", errBatchRefused, len(msgs))
	}
	id := nuid.Next()
	for i, bm := range msgs {
		m := nats.NewMsg(bm.subject)
		m.Data = bm.data
		for k, v := range bm.header {
			m.Header[k] = v
		}
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i < len(msgs)-1 {
			if err := nc.PublishMsg(m); err != nil {
				return 0, fmt.Errorf("atomic batch: %w", err)
			}
			continue
		}
		m.Header.Set("Nats-Batch-Commit", "1")
		ctx, cancel := context.WithTimeout(ctx, batchTimeout)
		reply, err := nc.RequestMsgWithContext(ctx, m)
		cancel()
		if err != nil {
			return 0, fmt.Errorf("atomic batch of %d: %w", len(msgs), err)
		}
		return batchAck(reply.Data, len(msgs))
	}
	panic("unreachable")
}

// batchAck reads the server's answer to a batch's commit.
func batchAck(data []byte, n int) (uint64, error) {
	var ack struct {
		Seq   uint64 `json:"seq"`
		Count int    `json:"count"`
		Error *struct {
			Code        int    `json:"code"`
			ErrCode     int    `json:"err_code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &ack); err != nil {
		return 0, fmt.Errorf("atomic batch: unreadable answer %q: %w", bounded(string(data), 200), err)
	}
	if ack.Error != nil {
		return 0, fmt.Errorf("%w: %s (code %d)", errBatchRefused, ack.Error.Description, ack.Error.ErrCode)
	}
	if ack.Count != n || ack.Seq < uint64(n) {
		return 0, fmt.Errorf("%w: %d of %d messages acknowledged at %d", errBatchRefused, ack.Count, n, ack.Seq)
	}
	return ack.Seq - uint64(n) + 1, nil
}

// kvSubject is the subject of a key of a KV bucket.
func kvSubject(bucket, key string) string { return "$KV." + bucket + "." + key }

// kvWrite is a write of a key at an expected revision (0: the key must not
// exist), as an atomic batch message.
func kvWrite(bucket, key string, data []byte, rev uint64) batchMsg {
	return batchMsg{subject: kvSubject(bucket, key), data: data,
		header: nats.Header{jetstream.ExpectedLastSubjSeqHeader: []string{strconv.FormatUint(rev, 10)}}}
}

// allowAtomic turns on atomic batches for a stream the worker owns (unless
// creating is off) and reports whether the stream takes them: a server
// before 2.12 keeps the setting off, and the worker writes key by key.
func allowAtomic(ctx context.Context, js jetstream.JetStream, stream string, mayChange bool) (bool, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return false, fmt.Errorf("stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return false, fmt.Errorf("stream %s: %w", stream, err)
	}
	if info.Config.AllowAtomicPublish || !mayChange {
		return info.Config.AllowAtomicPublish, nil
	}
	next := info.Config
	next.AllowAtomicPublish = true
	updated, err := js.UpdateStream(ctx, next)
	if err != nil {
		return false, nil // a server that cannot: key by key
	}
	return updated.CachedInfo().Config.AllowAtomicPublish, nil
}
