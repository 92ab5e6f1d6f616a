package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/streams"
)

// defaultURL is where the embedded server of `trialscout run` listens.
const defaultURL = "nats://127.0.0.1:4222"

func connConfig(s config.Settings, url string) streams.ConnConfig {
	return streams.ConnConfig{URL: url, User: s.NATSUser, Password: s.NATSPassword, Token: s.NATSToken,
		CredsFile: s.NATSCreds, NKeySeedFile: s.NATSNKeySeed, TLSCA: s.TLSCA, TLSCert: s.TLSCert, TLSKey: s.TLSKey}
}

// streamsConfig is the worker's and the publisher's view of the settings.
func streamsConfig(s config.Settings) streams.Config {
	limits := func(age config.Duration, bytes config.ByteSize) streams.Limits {
		l := streams.Limits{MaxAge: time.Duration(age), MaxBytes: int64(bytes)}
		if l.MaxAge == 0 {
			l.MaxAge = -1 // the settings' 0 is no limit; the worker's is its default
		}
		if l.MaxBytes == 0 {
			l.MaxBytes = -1
		}
		return l
	}
	return streams.Config{NoCreate: s.NoCreate, Replicas: s.Replicas, AckWait: s.AckWait,
		MaxDeliveries: s.MaxDeliveries, NakDelay: s.RetryBackoff, MaxNakDelay: s.RetryBackoffMax, StallAfter: s.StallAfter,
		Retention: streams.Retention{
			Input:    limits(s.FHIRMaxAge, s.FHIRMaxBytes),
			Events:   limits(s.EligibilityMaxAge, s.EligibilityMaxBytes),
			Rejected: limits(s.RejectedMaxAge, s.RejectedMaxBytes),
		}}
}

// session is a NATS connection, with the embedded server it may run on.
type session struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	embedded *streams.Embedded
}

func (s *session) Close() {
	s.nc.Drain()
	if s.embedded != nil {
		s.embedded.Stop()
	}
}

// connectOrEmbed uses the configured server; with none, it starts an
// embedded one on host:port keeping data in the store directory.
// log receives the NATS client's own messages (nil: dropped).
func connectOrEmbed(ctx context.Context, s config.Settings, port int, log *zap.Logger) (*session, error) {
	if s.NATSURL != "" {
		return dial(ctx, s, s.NATSURL, log)
	}
	if err := os.MkdirAll(s.StoreDir, 0o750); err != nil {
		return nil, fmt.Errorf("store directory: %w", err)
	}
	srv, err := streams.StartEmbedded("127.0.0.1", port, s.StoreDir)
	if err != nil {
		return nil, err
	}
	sess, err := dial(ctx, s, srv.ClientURL(), log)
	if err != nil {
		srv.Stop()
		return nil, err
	}
	sess.embedded = srv
	return sess, nil
}

func dial(ctx context.Context, s config.Settings, url string, log *zap.Logger) (*session, error) {
	c := connConfig(s, url)
	c.Log = log
	nc, err := streams.Connect(ctx, c)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &session{nc: nc, js: js}, nil
}

func loadEngine(s config.Settings, selectors []string) (*engine.Evaluator, error) {
	loaded, err := config.LoadTrials(s.TrialsDir)
	if err != nil {
		return nil, usageError("%v", err)
	}
	trials, err := config.SelectTrials(loaded, selectors)
	if err != nil {
		return nil, usageError("%v", err)
	}
	eng, err := engine.New(trials, engine.WithSources(s.Sources))
	if err != nil {
		return nil, usageError("%v", err)
	}
	return eng, nil
}

// newLogger writes JSON logs to w (the command's standard error) at the
// configured level, with ISO 8601 timestamps.
func newLogger(level string, w io.Writer) (*zap.Logger, error) {
	var l zapcore.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, err
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	enc.EncodeDuration = zapcore.StringDurationEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.Lock(zapcore.AddSync(w)), l)
	return zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel)), nil
}
