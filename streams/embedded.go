package streams

import (
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Embedded is an in-process NATS server with JetStream, for a bare machine,
// the demo and tests.
type Embedded struct {
	*server.Server
}

// EmbeddedOption changes how the embedded server runs.
type EmbeddedOption func(*server.Options)

// SyncEvery makes the server sync JetStream writes to disk every interval
// rather than each one before it is acknowledged (the default): several
// times the throughput, at the risk of losing up to one interval of writes
// if the machine (not only the process) fails. 0 keeps syncing each write.
func SyncEvery(interval time.Duration) EmbeddedOption {
	return func(o *server.Options) {
		if interval > 0 {
			o.SyncAlways, o.SyncInterval = false, interval
		}
	}
}

// StartEmbedded starts a server on host:port (port -1: a free one) keeping
// JetStream data under storeDir.
func StartEmbedded(host string, port int, storeDir string, options ...EmbeddedOption) (*Embedded, error) {
	opts := &server.Options{
		ServerName: "trialscout-embedded",
		Host:       host, Port: port,
		JetStream: true, StoreDir: storeDir,
		NoSigs: true, NoLog: true,
		// Bundles of a whole patient can pass NATS's 1 MiB default; the
		// worker's own limit (MaxMessageBytes, 8 MiB) is the one that rejects.
		MaxPayload: 8 << 20,
		// Sync JetStream writes to disk at once: a patient's state and the
		// events derived from it survive a crash of the machine, not only of
		// the process. The embedded server serves one site's feed, where
		// this costs far less than a lost alert.
		SyncAlways: true,
	}
	for _, o := range options {
		o(opts)
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("embedded NATS on %s:%d did not start within 10s (port in use?)", host, port)
	}
	return &Embedded{s}, nil
}

// Stop shuts the server down and waits for it.
func (e *Embedded) Stop() {
	e.Shutdown()
	e.WaitForShutdown()
}
