package streams

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnConfig says how to reach NATS. An empty URL means the caller wants
// the embedded server.
type ConnConfig struct {
	URL           string
	User          string
	Password      string
	Token         string
	CredsFile     string
	NKeySeedFile  string
	TLSCA         string
	TLSCert       string
	TLSKey        string
	Name          string
	ConnectWithin time.Duration // default 10s
}

// Connect dials NATS and fails with a clear message, not a hang, when the
// server is unreachable or refuses the credentials. Once connected, the
// client reconnects on its own for as long as the process runs.
func Connect(ctx context.Context, c ConnConfig) (*nats.Conn, error) {
	if c.URL == "" {
		return nil, errors.New("no NATS URL")
	}
	opts, err := c.options()
	if err != nil {
		return nil, err
	}
	within := c.ConnectWithin
	if within == 0 {
		within = 10 * time.Second
	}
	deadline := time.Now().Add(within)
	for {
		nc, err := nats.Connect(c.URL, opts...)
		if err == nil {
			return nc, nil
		}
		if isAuthError(err) || time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to NATS at %s: %w", c.URL, err)
		}
		sleep(ctx, 250*time.Millisecond)
	}
}

func isAuthError(err error) bool {
	return errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) ||
		errors.Is(err, nats.ErrAuthRevoked) || errors.Is(err, nats.ErrAccountAuthExpired)
}

func (c ConnConfig) options() ([]nats.Option, error) {
	opts := []nats.Option{nats.Name(orDefault(c.Name, "trialscout")), nats.Timeout(5 * time.Second),
		nats.MaxReconnects(-1), nats.ReconnectWait(time.Second)}
	switch {
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	case c.Token != "":
		opts = append(opts, nats.Token(c.Token))
	case c.CredsFile != "":
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	case c.NKeySeedFile != "":
		o, err := nats.NkeyOptionFromSeed(c.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("NKey seed %s: %w", c.NKeySeedFile, err)
		}
		opts = append(opts, o)
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	return opts, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
