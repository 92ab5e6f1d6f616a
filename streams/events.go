package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// FollowEvents calls fn with every status-change event in the event stream,
// oldest first, then with each new one as it is published, until ctx ends.
// An event that cannot be decoded is skipped.
func FollowEvents(ctx context.Context, js jetstream.JetStream, cfg Config, fn func(Event)) error {
	cfg = cfg.withDefaults()
	cons, err := js.OrderedConsumer(ctx, cfg.EventStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{cfg.EventPrefix + ">"}})
	if err != nil {
		return fmt.Errorf("event stream %s: %w", cfg.EventStream, err)
	}
	for ctx.Err() == nil {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, jetstream.ErrNoMessages) {
				continue
			}
			return fmt.Errorf("event stream %s: %w", cfg.EventStream, err)
		}
		for m := range batch.Messages() {
			var e Event
			if json.Unmarshal(m.Data(), &e) == nil {
				fn(e)
			}
		}
	}
	return nil
}
