package streams

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// Ensure creates the input, event and rejected streams and the state bucket
// when they are missing (or only looks them up with NoCreate), and returns
// the bucket. Unless NoCreate, existing streams get the configured
// retention limits.
func Ensure(ctx context.Context, js jetstream.JetStream, cfg Config) (jetstream.KeyValue, error) {
	return ensure(ctx, js, cfg.withDefaults(), zap.NewNop())
}

func ensure(ctx context.Context, js jetstream.JetStream, cfg Config, log *zap.Logger) (jetstream.KeyValue, error) {
	for _, sc := range streamConfigs(cfg) {
		if err := ensureStream(ctx, js, sc, cfg.NoCreate, true, log); err != nil {
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
	// The state is the record of every patient: one revision per key, no
	// age limit (a record expiring would lose lifetime facts).
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: cfg.StateBucket, Description: "trialscout: each patient's facts and evaluations", History: 1, Replicas: cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("state bucket %s: %w", cfg.StateBucket, err)
	}
	return kv, nil
}

// streamConfigs are the worker's three streams with their limits. Old
// messages are discarded first: a full stream keeps taking input.
func streamConfigs(cfg Config) []jetstream.StreamConfig {
	stream := func(name, desc string, l Limits, subjects ...string) jetstream.StreamConfig {
		return jetstream.StreamConfig{Name: name, Description: desc, Subjects: subjects, Replicas: cfg.Replicas,
			Duplicates: cfg.DuplicateWindow, MaxAge: l.natsAge(), MaxBytes: l.natsBytes(), Discard: jetstream.DiscardOld}
	}
	return []jetstream.StreamConfig{
		stream(cfg.InputStream, "trialscout: FHIR R4 input", cfg.Retention.Input, cfg.InputSubject),
		stream(cfg.EventStream, "trialscout: eligibility status changes, and each as a FHIR ResearchSubject", cfg.Retention.Events,
			cfg.EventPrefix+">", cfg.ResearchSubjectPrefix+">"),
		stream(cfg.RejectedStream, "trialscout: input set aside, with the reason", cfg.Retention.Rejected, cfg.RejectedSubject),
	}
}

// EnsureInput creates only the input stream, for publishers; it does not
// change the limits of an existing one (the worker does).
func EnsureInput(ctx context.Context, js jetstream.JetStream, cfg Config) error {
	cfg = cfg.withDefaults()
	return ensureStream(ctx, js, streamConfigs(cfg)[0], cfg.NoCreate, false, zap.NewNop())
}

func ensureStream(ctx context.Context, js jetstream.JetStream, sc jetstream.StreamConfig, noCreate, setLimits bool, log *zap.Logger) error {
	s, err := js.Stream(ctx, sc.Name)
	switch {
	case err == nil:
		if noCreate || !setLimits {
			return nil
		}
		return updateLimits(ctx, js, s, sc, log)
	case !errors.Is(err, jetstream.ErrStreamNotFound):
		return fmt.Errorf("stream %s: %w", sc.Name, err)
	case noCreate:
		return fmt.Errorf("stream %s is missing and creating streams is off: %w", sc.Name, err)
	}
	if _, err := js.CreateStream(ctx, sc); err != nil {
		return fmt.Errorf("create stream %s: %w%s", sc.Name, err, storageHint(err))
	}
	log.Info("created stream", zap.String("stream", sc.Name), zap.Duration("max_age", sc.MaxAge), zap.Int64("max_bytes", sc.MaxBytes))
	return nil
}

// updateLimits gives an existing stream the configured age and size limits
// and discard policy, leaving the rest of its configuration as it is.
func updateLimits(ctx context.Context, js jetstream.JetStream, s jetstream.Stream, want jetstream.StreamConfig, log *zap.Logger) error {
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s: %w", want.Name, err)
	}
	cur := info.Config
	missing := missingSubjects(cur.Subjects, want.Subjects)
	if cur.MaxAge == want.MaxAge && cur.MaxBytes == want.MaxBytes && cur.Discard == want.Discard && len(missing) == 0 {
		return nil
	}
	next := cur
	next.MaxAge, next.MaxBytes, next.Discard = want.MaxAge, want.MaxBytes, want.Discard
	next.Subjects = append(slices.Clone(cur.Subjects), missing...) // a stream of an earlier version lacks the newer subjects
	if _, err := js.UpdateStream(ctx, next); err != nil {
		return fmt.Errorf("update limits of stream %s: %w%s", want.Name, err, storageHint(err))
	}
	log.Info("updated stream limits", zap.String("stream", want.Name),
		zap.Duration("max_age", next.MaxAge), zap.Int64("max_bytes", next.MaxBytes),
		zap.Duration("was_max_age", cur.MaxAge), zap.Int64("was_max_bytes", cur.MaxBytes))
	return nil
}

// missingSubjects lists the wanted subjects a stream does not have.
func missingSubjects(have, want []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// storageHint explains a server that cannot reserve a stream's byte limit.
func storageHint(err error) string {
	var api *jetstream.APIError
	// 10023 insufficient resources, 10047 insufficient storage resources.
	if errors.As(err, &api) && (api.ErrorCode == 10023 || api.ErrorCode == 10047) {
		return " (the server reserves each stream's max bytes on disk: lower fhir_max_bytes, eligibility_max_bytes or rejected_max_bytes, or give JetStream more storage)"
	}
	return ""
}
