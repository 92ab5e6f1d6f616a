package streams

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Backlog is how many input messages the worker's consumer has not settled
// yet: not yet delivered, or delivered and in hand. A consumer whose ack
// floor is short of the input stream's last message is not done, whatever
// its counts say: a consumer that has not delivered anything yet (or a
// newly elected consumer leader) reports nothing pending and nothing in hand.
func Backlog(ctx context.Context, js jetstream.JetStream, cfg Config) (uint64, error) {
	cfg = cfg.withDefaults()
	s, err := js.Stream(ctx, cfg.InputStream)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", cfg.InputStream, err)
	}
	sinfo, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", cfg.InputStream, err)
	}
	c, err := s.Consumer(ctx, cfg.Consumer)
	if err != nil {
		return 0, fmt.Errorf("consumer %s: %w", cfg.Consumer, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("consumer %s: %w", cfg.Consumer, err)
	}
	left := info.NumPending + uint64(info.NumAckPending)
	if last := sinfo.State.LastSeq; left == 0 && info.AckFloor.Stream < last {
		left = last - info.AckFloor.Stream
	}
	return left, nil
}
