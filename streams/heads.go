package streams

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Heads are what readers of the decisions need: each patient's last
// evaluations, without the facts. A watch of the heads streams every record
// in one pass, then each change as it is written, which is how `list` and
// the workspace's read model stay fast with many patients.

// HeadFunc receives one record head: the patient and its evaluations by
// trial (nil when the record was removed, then patient is its key).
type HeadFunc func(patient string, evals map[string]*StoredEvaluation)

// FollowHeads calls fn with every record head in the state bucket, then
// loaded (once all present ones are in), then with every head written
// after, until ctx ends. A head that cannot be read is skipped.
func FollowHeads(ctx context.Context, js jetstream.JetStream, cfg Config, fn HeadFunc, loaded func()) error {
	cfg = cfg.withDefaults()
	kv, err := js.KeyValue(ctx, cfg.StateBucket)
	if err != nil {
		return fmt.Errorf("state bucket %s: %w (has the worker run against this server?)", cfg.StateBucket, err)
	}
	watcher, err := kv.WatchFiltered(ctx, []string{patientPrefix + "*", hashedPrefix + "*"})
	if err != nil {
		return fmt.Errorf("watch %s: %w", cfg.StateBucket, err)
	}
	defer watcher.Stop() //nolint:errcheck // ends with ctx anyway
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-watcher.Updates():
			switch {
			case !ok && ctx.Err() != nil:
				return nil // the watch ends with ctx: not an error
			case !ok:
				return fmt.Errorf("watch %s: closed", cfg.StateBucket)
			case e == nil:
				if loaded != nil {
					loaded()
				}
			case e.Operation() != jetstream.KeyValuePut:
				fn(e.Key(), nil)
			default:
				var h head
				if json.Unmarshal(e.Value(), &h) == nil && h.Patient != "" {
					fn(h.Patient, h.Evaluations)
				}
			}
		}
	}
}

// ReadHeads calls fn with every record head present, and returns.
func ReadHeads(ctx context.Context, js jetstream.JetStream, cfg Config, fn HeadFunc) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	return FollowHeads(ctx, js, cfg, fn, cancel)
}
