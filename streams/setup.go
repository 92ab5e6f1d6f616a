package streams

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Ensure creates the input, event and rejected streams and the state bucket
// when they are missing (or only looks them up with NoCreate), and returns
// the bucket.
func Ensure(ctx context.Context, js jetstream.JetStream, cfg Config) (jetstream.KeyValue, error) {
	cfg = cfg.withDefaults()
	streams := []jetstream.StreamConfig{
		{Name: cfg.InputStream, Subjects: []string{cfg.InputSubject}, Replicas: cfg.Replicas, Duplicates: cfg.DuplicateWindow},
		{Name: cfg.EventStream, Subjects: []string{cfg.EventPrefix + ">"}, Replicas: cfg.Replicas, Duplicates: cfg.DuplicateWindow},
		{Name: cfg.RejectedStream, Subjects: []string{cfg.RejectedSubject}, Replicas: cfg.Replicas, Duplicates: cfg.DuplicateWindow},
	}
	for _, sc := range streams {
		if err := ensureStream(ctx, js, sc, cfg.NoCreate); err != nil {
			return nil, err
		}
	}
	if cfg.NoCreate {
		kv, err := js.KeyValue(ctx, cfg.StateBucket)
		if err != nil {
			return nil, fmt.Errorf("state bucket %s: %w", cfg.StateBucket, err)
		}
		return kv, nil
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: cfg.StateBucket, Description: "trialscout: each patient's facts and evaluations", History: 1, Replicas: cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("state bucket %s: %w", cfg.StateBucket, err)
	}
	return kv, nil
}

// EnsureInput creates only the input stream, for publishers.
func EnsureInput(ctx context.Context, js jetstream.JetStream, cfg Config) error {
	cfg = cfg.withDefaults()
	return ensureStream(ctx, js, jetstream.StreamConfig{Name: cfg.InputStream, Subjects: []string{cfg.InputSubject},
		Replicas: cfg.Replicas, Duplicates: cfg.DuplicateWindow}, cfg.NoCreate)
}

func ensureStream(ctx context.Context, js jetstream.JetStream, sc jetstream.StreamConfig, noCreate bool) error {
	_, err := js.Stream(ctx, sc.Name)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, jetstream.ErrStreamNotFound):
		return fmt.Errorf("stream %s: %w", sc.Name, err)
	case noCreate:
		return fmt.Errorf("stream %s is missing and creating streams is off: %w", sc.Name, err)
	}
	if _, err := js.CreateStream(ctx, sc); err != nil {
		return fmt.Errorf("create stream %s: %w", sc.Name, err)
	}
	return nil
}
