package streams

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

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
	// Log receives the client's own messages (errors, disconnects,
	// reconnects); the default drops them. Without it nats.go would print
	// its errors to standard error, outside the JSON log.
	Log *zap.Logger
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
	if err := CheckURLs(c.URL); err != nil {
		return nil, err
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
	opts := append([]nats.Option{nats.Name(orDefault(c.Name, "trialscout")), nats.Timeout(5 * time.Second),
		nats.MaxReconnects(-1), nats.ReconnectWait(time.Second)}, logHandlers(c.Log)...)
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

// logHandlers send the client's own messages to the log.
func logHandlers(log *zap.Logger) []nats.Option {
	if log == nil {
		log = zap.NewNop()
	}
	log = log.Named("nats")
	return []nats.Option{
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			fields := []zap.Field{zap.Error(err)}
			if sub != nil {
				fields = append(fields, zap.String("subscription", sub.Subject))
			}
			log.Warn("NATS error", fields...)
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err == nil { // closed on purpose (shutdown)
				log.Info("disconnected from NATS")
				return
			}
			log.Warn("disconnected from NATS; reconnecting", zap.Error(err))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("reconnected to NATS", zap.String("url", config.RedactURLs(nc.ConnectedUrl())))
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				log.Warn("NATS connection closed", zap.Error(err))
				return
			}
			log.Info("NATS connection closed")
		}),
		nats.LameDuckModeHandler(func(*nats.Conn) { log.Warn("NATS server entering lame duck mode; will move to another") }),
	}
}

// CheckURLs checks a comma-separated list of NATS URLs as the client will
// read it, and describes a malformed one without showing it: the parser's
// own messages quote the URL, password included, and a comma in a password
// splits it in two.
func CheckURLs(list string) error {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if !strings.Contains(p, "://") {
			p = "nats://" + p
		}
		if _, err := url.Parse(p); err != nil {
			where := ""
			if len(parts) > 1 {
				where = fmt.Sprintf(" (entry %d of %d, split at commas)", i+1, len(parts))
			}
			return fmt.Errorf("NATS URL %s%s is malformed: %s; in a user or password, write %% as %%25, a comma as %%2C, a space as %%20 and @ as %%40",
				config.RedactURLs(list), where, urlProblem(err))
		}
	}
	return nil
}

// urlProblem names what is wrong with a URL without quoting it.
func urlProblem(err error) string {
	var esc url.EscapeError
	var host url.InvalidHostError
	switch msg := err.Error(); {
	case errors.As(err, &esc):
		return "a % not followed by two hexadecimal digits"
	case errors.As(err, &host):
		return "an invalid character in the host"
	case strings.Contains(msg, "invalid userinfo"):
		return "an invalid character in the user or password"
	case strings.Contains(msg, "invalid port"):
		return "an invalid port"
	case strings.Contains(msg, "invalid control character"):
		return "a control character"
	default:
		return "it cannot be parsed"
	}
}
