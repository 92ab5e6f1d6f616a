package streams

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trialscout/trialscout/config"
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
// server is unreachable or refuses the credentials. A refusal (credentials,
// certificates, a TLS mismatch, a missing file) fails at once; only a server
// that cannot be reached is tried again until ConnectWithin has passed. Once
// connected, the client reconnects on its own for as long as the process runs.
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
		if isRefusal(err) || time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to NATS at %s: %w", config.RedactURLs(c.URL), err)
		}
		sleep(ctx, 250*time.Millisecond)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect to NATS at %s: %w", config.RedactURLs(c.URL), err)
		}
	}
}

// isRefusal reports errors that trying again cannot mend: the server or the
// configuration has to change first.
func isRefusal(err error) bool {
	if errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) ||
		errors.Is(err, nats.ErrAuthRevoked) || errors.Is(err, nats.ErrAccountAuthExpired) ||
		errors.Is(err, nats.ErrSecureConnWanted) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return true
	}
	// The server's certificate is not trusted, or the server refused the
	// handshake (no or an untrusted client certificate: a TLS alert).
	var verify *tls.CertificateVerificationError
	var op *net.OpError
	return errors.As(err, &verify) || errors.As(err, &op) && op.Op == "remote error"
}

// options builds the client options, reading every file they name now, so
// that a missing or broken file is reported once, with the setting, rather
// than at each attempt to connect.
func (c ConnConfig) options() ([]nats.Option, error) {
	opts := []nats.Option{nats.Name(orDefault(c.Name, "trialscout")), nats.Timeout(5 * time.Second),
		nats.MaxReconnects(-1), nats.ReconnectWait(time.Second)}
	switch {
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	case c.Token != "":
		opts = append(opts, nats.Token(c.Token))
	case c.CredsFile != "":
		// The client reads the file at each connect; check it can now.
		if _, err := os.ReadFile(c.CredsFile); err != nil {
			return nil, fmt.Errorf("NATS creds file: %w", err)
		}
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	case c.NKeySeedFile != "":
		o, err := nats.NkeyOptionFromSeed(c.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("NKey seed %s: %w", c.NKeySeedFile, err)
		}
		opts = append(opts, o)
	}
	// Both TLS options load their files when applied: apply them to a
	// scratch copy to find a broken one before dialing.
	var probe nats.Options
	if c.TLSCA != "" {
		o := nats.RootCAs(c.TLSCA)
		if err := o(&probe); err != nil {
			return nil, fmt.Errorf("TLS CA %s: %w", c.TLSCA, err)
		}
		opts = append(opts, o)
	}
	if c.TLSCert != "" || c.TLSKey != "" {
		o := nats.ClientCert(c.TLSCert, c.TLSKey)
		if err := o(&probe); err != nil {
			return nil, fmt.Errorf("TLS client certificate %s and key %s: %w", c.TLSCert, c.TLSKey, err)
		}
		opts = append(opts, o)
	}
	return opts, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
