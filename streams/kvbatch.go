package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"
)

// kvWrite is one key of an atomic write: its new value, and the revision
// the key must still have (0: it must not exist).
type kvWrite struct {
	key   string
	value []byte
	rev   uint64
}

// commitTimeout bounds how long a commit waits for the server's answer.
const commitTimeout = 10 * time.Second

// errConflict: another writer changed a key since it was read.
var errConflict = errors.New("state changed concurrently")

// errTooBusy: the batch did not go through for now (too many in flight, or
// a message lost on a reconnect); writing it again may work.
var errTooBusy = errors.New("atomic batch not taken")

// JetStream error codes the batch commit tells apart.
const (
	codeWrongLastSeq      = 10071 // a key's revision was not the expected one
	codeWrongLastSeqConst = 10164
	codeBatchTooMany      = 10210 // too many atomic batches in flight
	codeBatchIncomplete   = 10176 // a message of the batch went missing (a reconnect)
	codeBatchDisabled     = 10174 // atomic publish not allowed on the stream
)

// commitBatch writes every key at once with NATS's atomic batch publish,
// each compare-and-set on its revision: all are written, or none. It
// returns the revision of each key after the write, in order.
//
// The messages of a batch go out on one connection, so in order; only the
// last asks for the server's answer, which covers them all.
func commitBatch(ctx context.Context, nc *nats.Conn, bucket string, writes []kvWrite) ([]uint64, error) {
	if len(writes) == 0 {
		return nil, nil
	}
	// A commit whose answer is lost (the server restarted, the connection
	// dropped) must not wait forever: the caller reads the record again.
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	id := nuid.Next()
	var reply *nats.Msg
	for i, w := range writes {
		m := nats.NewMsg("$KV." + bucket + "." + w.key)
		m.Data = w.value
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		m.Header.Set("Nats-Expected-Last-Subject-Sequence", strconv.FormatUint(w.rev, 10))
		if i < len(writes)-1 {
			if err := nc.PublishMsg(m); err != nil {
				return nil, fmt.Errorf("write %s: %w", w.key, err)
			}
			continue
		}
		m.Header.Set("Nats-Batch-Commit", "1")
		var err error
		if reply, err = nc.RequestMsgWithContext(ctx, m); err != nil {
			return nil, fmt.Errorf("commit %d keys: %w", len(writes), err)
		}
	}
	return batchRevisions(reply.Data, writes)
}

// pubAck is the server's answer to a batch commit.
type pubAck struct {
	Seq   uint64 `json:"seq"`
	Count int    `json:"count"`
	Error *struct {
		Code        int    `json:"code"`
		ErrCode     int    `json:"err_code"`
		Description string `json:"description"`
	} `json:"error"`
}

// batchRevisions reads the answer: a batch's messages are stored one after
// the other, the last at the acknowledged sequence.
func batchRevisions(data []byte, writes []kvWrite) ([]uint64, error) {
	var ack pubAck
	if err := json.Unmarshal(data, &ack); err != nil {
		return nil, fmt.Errorf("commit: unreadable answer %q: %w", clipString(string(data), 200), err)
	}
	if e := ack.Error; e != nil {
		switch e.ErrCode {
		case codeWrongLastSeq, codeWrongLastSeqConst:
			return nil, errConflict
		case codeBatchTooMany, codeBatchIncomplete:
			return nil, fmt.Errorf("%w: %s", errTooBusy, e.Description)
		case codeBatchDisabled:
			return nil, fmt.Errorf("commit: the state bucket does not allow atomic batches (NATS server 2.12 or later is needed): %s", e.Description)
		}
		return nil, fmt.Errorf("commit: %s (%d)", e.Description, e.ErrCode)
	}
	if ack.Count != len(writes) || ack.Seq < uint64(len(writes)) {
		return nil, fmt.Errorf("commit: the server stored %d of %d keys at %d", ack.Count, len(writes), ack.Seq)
	}
	revs := make([]uint64, len(writes))
	first := ack.Seq - uint64(len(writes)) + 1
	for i := range revs {
		revs[i] = first + uint64(i)
	}
	return revs, nil
}

func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
