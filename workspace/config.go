package workspace

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// DefaultAddr is where the workspace listens unless told otherwise: loopback only.
const DefaultAddr = "127.0.0.1:8080"

// Off, as the address, disables the workspace.
const Off = "off"

// ErrDisabled is NewServer's error when the address is Off.
var ErrDisabled = errors.New("workspace: ui_addr is off")

// Config is the workspace's settings. Errors name them as the settings file
// does (ui_addr, ui_users, ui_token, ui_tls_cert, ui_tls_key).
type Config struct {
	// Addr is host:port (ui_addr); empty means DefaultAddr, Off disables.
	Addr string
	// UsersFile (ui_users) holds one "user:bcrypt-hash" per line.
	UsersFile string
	// Token (ui_token) is accepted as "Authorization: Bearer <token>", or as
	// the password of HTTP basic auth for the user TokenUser.
	Token string
	// TokenUser is the name a decision made with the token carries; default "token".
	TokenUser string
	// TLSCert and TLSKey (ui_tls_cert, ui_tls_key) are PEM files; with both
	// set the workspace serves HTTPS only.
	TLSCert, TLSKey string
	// CSRFKey signs the forms' tokens; empty: a random key per process (forms
	// open across a restart then need a reload).
	CSRFKey []byte
	// Now is the clock decisions are stamped with; default time.Now.
	Now func() time.Time
}

// minTokenLength keeps a guessable token out.
const minTokenLength = 16

// Validate checks the settings without reading files. Bound beyond loopback,
// the workspace needs authentication and TLS.
func (c Config) Validate() error {
	addr := c.addr()
	if addr == Off {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("ui_addr %q: want host:port (e.g. %s) or %s", addr, DefaultAddr, Off)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("ui_tls_cert and ui_tls_key: set both or neither")
	}
	if c.Token != "" && len(c.Token) < minTokenLength {
		return fmt.Errorf("ui_token: at least %d characters", minTokenLength)
	}
	if isLoopback(host) {
		return nil
	}
	var missing []string
	if c.UsersFile == "" && c.Token == "" {
		missing = append(missing, "authentication (ui_users or ui_token)")
	}
	if c.TLSCert == "" {
		missing = append(missing, "TLS (ui_tls_cert and ui_tls_key)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("ui_addr %s is not a loopback address: the workspace shows patient data, so beyond loopback it needs %s",
			addr, strings.Join(missing, " and "))
	}
	return nil
}

func (c Config) addr() string {
	if c.Addr == "" {
		return DefaultAddr
	}
	return c.Addr
}

// isLoopback: localhost or a loopback IP. An empty host (every interface)
// or any other name is not.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadTLS reads the certificate and key, so that a bad pair fails at start.
func (c Config) loadTLS() (*tls.Config, error) {
	if c.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("ui_tls_cert, ui_tls_key: %w", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}
