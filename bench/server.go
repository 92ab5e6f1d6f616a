package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/streams"
)

// The worker's names, as streams.Config's defaults give them.
const (
	inputStream    = "FHIR"
	workerConsumer = "trialscout"
	eventSubjects  = "eligibility.status.>"
)

// server is an embedded NATS server with the worker's settings
// (streams.StartEmbedded: file store, SyncAlways) and a connection to it.
type server struct {
	*streams.Embedded
	nc *nats.Conn
	js jetstream.JetStream
}

// startServer starts a server keeping its data in dir (created if missing).
func startServer(ctx context.Context, dir string, opts ...streams.EmbeddedOption) (*server, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("server store: %w", err)
	}
	e, err := streams.StartEmbedded("127.0.0.1", -1, dir, opts...)
	if err != nil {
		return nil, err
	}
	nc, err := streams.Connect(ctx, streams.ConnConfig{URL: e.ClientURL(), Name: "trialscout-bench"})
	if err != nil {
		e.Stop()
		return nil, err
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(2*publishWindow))
	if err != nil {
		nc.Close()
		e.Stop()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &server{Embedded: e, nc: nc, js: js}, nil
}

// stop closes the connection and shuts the server down; its data stays.
func (s *server) stop() {
	s.nc.Close()
	s.Stop()
}

// seedStore stores items in the input stream of a store at dir, through a
// server like the embedded one but without SyncAlways, and stops it. The
// files are those a SyncAlways server writes (the setting only decides when
// they reach the disk), so a server started on them afterwards holds the
// same backlog; filling it costs seconds instead of one fsync per message.
// The publish rate with SyncAlways is measured on its own (publishSample).
func seedStore(ctx context.Context, dir string, items []item) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("seed store: %w", err)
	}
	ns, err := natsserver.NewServer(&natsserver.Options{ServerName: "trialscout-embedded", Host: "127.0.0.1", Port: -1,
		JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true, MaxPayload: 8 << 20})
	if err != nil {
		return fmt.Errorf("seed store: %w", err)
	}
	go ns.Start()
	defer func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	}()
	if !ns.ReadyForConnections(10 * time.Second) {
		return errors.New("seed store: the server did not start within 10s")
	}
	nc, err := streams.Connect(ctx, streams.ConnConfig{URL: ns.ClientURL(), Name: "trialscout-bench-seed"})
	if err != nil {
		return fmt.Errorf("seed store: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(2*publishWindow))
	if err != nil {
		return fmt.Errorf("seed store: %w", err)
	}
	if err := streams.EnsureInput(ctx, js, streams.Config{}); err != nil {
		return fmt.Errorf("seed store: input stream: %w", err)
	}
	if err := publishAll(ctx, js, items); err != nil {
		return fmt.Errorf("seed store: %w", err)
	}
	stored, err := streamMessages(ctx, js)
	if err != nil {
		return fmt.Errorf("seed store: %w", err)
	}
	if stored != len(items) {
		return fmt.Errorf("seed store: %d resources sent, the stream holds %d", len(items), stored)
	}
	return nil
}

// publishWindow bounds the publishes awaiting the stream's ack.
const publishWindow = 256

// publishAll sends the items in order, asynchronously with at most
// publishWindow awaiting their ack, and returns once every one is stored.
func publishAll(ctx context.Context, js jetstream.JetStream, items []item) error {
	pending := make([]jetstream.PubAckFuture, 0, publishWindow)
	for _, it := range items {
		m := nats.NewMsg(it.subject)
		m.Data = it.json
		f, err := js.PublishMsgAsync(m, jetstream.WithMsgID(it.msgID))
		if err != nil {
			return fmt.Errorf("publish %s: %w", it.ref, err)
		}
		pending = append(pending, f)
		if len(pending) == publishWindow {
			if err := awaitAck(ctx, pending[0]); err != nil {
				return err
			}
			pending = pending[1:]
		}
	}
	for _, f := range pending {
		if err := awaitAck(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

func awaitAck(ctx context.Context, f jetstream.PubAckFuture) error {
	select {
	case <-f.Ok():
		return nil
	case err := <-f.Err():
		return fmt.Errorf("publish %s: %w", f.Msg().Header.Get(jetstream.MsgIDHeader), err)
	case <-ctx.Done():
		return fmt.Errorf("publish: %w", ctx.Err())
	}
}

// streamMessages is the number of messages the input stream holds.
func streamMessages(ctx context.Context, js jetstream.JetStream) (int, error) {
	st, err := js.Stream(ctx, inputStream)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", inputStream, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", inputStream, err)
	}
	return int(info.State.Msgs), nil
}

// The worker's fetch (streams.Fetch) with the worker's defaults.
const (
	fetchBatch = 64
	fetchWait  = 500 * time.Millisecond
)

func fetchLikeWorker(cons jetstream.Consumer) ([]jetstream.Msg, error) {
	return streams.Fetch(cons, fetchBatch, fetchWait)
}

// pollEvery is how often a consumer's progress is read while waiting.
const pollEvery = 20 * time.Millisecond

// waitConsumer returns when the durable consumer exists (the worker creates
// it as it starts to consume), or an error when gone is closed first.
func waitConsumer(ctx context.Context, js jetstream.JetStream, name string, gone <-chan struct{}) (jetstream.Consumer, time.Time, error) {
	for {
		cons, err := js.Consumer(ctx, inputStream, name)
		if err == nil {
			return cons, time.Now(), nil
		}
		if !errors.Is(err, jetstream.ErrConsumerNotFound) && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, time.Time{}, fmt.Errorf("consumer %s: %w", name, err)
		}
		if err := pause(ctx, gone); err != nil {
			return nil, time.Time{}, fmt.Errorf("waiting for consumer %s: %w", name, err)
		}
	}
}

// waitSettled returns the time at which the consumer is first seen with
// nothing pending and nothing awaiting an ack, or an error when gone is
// closed first.
func waitSettled(ctx context.Context, cons jetstream.Consumer, gone <-chan struct{}) (time.Time, error) {
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			return time.Time{}, fmt.Errorf("consumer info: %w", err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			return time.Now(), nil
		}
		if err := pause(ctx, gone); err != nil {
			return time.Time{}, fmt.Errorf("waiting for the consumer to settle (%d pending, %d unacked): %w",
				info.NumPending, info.NumAckPending, err)
		}
	}
}

// errWorkerExited: the worker process ended while it was waited on.
var errWorkerExited = errors.New("the worker exited")

func pause(ctx context.Context, gone <-chan struct{}) error {
	t := time.NewTimer(pollEvery)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-gone:
		return errWorkerExited
	case <-t.C:
		return nil
	}
}

// copyDir copies the regular files under src to dst: a stopped server's
// store, to start another server on the same data.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o750)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, target)
	})
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}
