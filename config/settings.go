package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Settings are trialscout's run-time settings. Each field can be set in the
// YAML file (its yaml name), by a TRIALSCOUT_<NAME> variable (the yaml name
// in upper case), or by a flag; a flag beats a variable, which beats the file.
type Settings struct {
	// TrialsDir adds trial files to, or overrides by id, the shipped ones.
	TrialsDir string `yaml:"trials_dir"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`

	// NATSURL is the server to use; empty: an embedded server with
	// JetStream on 127.0.0.1:4222 keeping its data in StoreDir.
	NATSURL  string `yaml:"nats_url"`
	StoreDir string `yaml:"store_dir"`
	// Credentials for a server that requires them (use one kind).
	NATSUser     string `yaml:"nats_user"`
	NATSPassword string `yaml:"nats_password"`
	NATSToken    string `yaml:"nats_token"`
	NATSCreds    string `yaml:"nats_creds"`     // a .creds file (JWT + NKey seed)
	NATSNKeySeed string `yaml:"nats_nkey_seed"` // a file holding an NKey seed
	// TLS: a CA to trust, and a client certificate and key when the server
	// asks for one.
	TLSCA   string `yaml:"tls_ca"`
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// NoCreate stops the worker creating missing streams and its bucket.
	NoCreate bool `yaml:"no_create"`
	// HTTPAddr serves /metrics, /healthz and /readyz; empty: off.
	HTTPAddr string `yaml:"http_addr"`
	// Replicas of the streams and the state bucket the worker creates: 1
	// on a single server, 3 on a cluster.
	Replicas int `yaml:"replicas"`
	// AckWait is how long a message may stay unacknowledged before NATS
	// delivers it again (after a worker died holding it): 30s.
	AckWait time.Duration `yaml:"ack_wait"`
}

// String describes the settings without secrets.
func (s Settings) String() string {
	hidden := func(v string) string {
		if v == "" {
			return ""
		}
		return "(set)"
	}
	return fmt.Sprintf("nats_url=%q store_dir=%q nats_user=%q nats_password=%s nats_token=%s nats_creds=%q nats_nkey_seed=%q tls_ca=%q tls_cert=%q http_addr=%q trials_dir=%q log_level=%s replicas=%d ack_wait=%s",
		RedactURLs(s.NATSURL), s.StoreDir, s.NATSUser, hidden(s.NATSPassword), hidden(s.NATSToken), s.NATSCreds, s.NATSNKeySeed, s.TLSCA, s.TLSCert, s.HTTPAddr, s.TrialsDir, s.LogLevel, s.Replicas, s.AckWait)
}

// RedactURLs hides the secret of each URL in a comma-separated list: the
// password of user:password@, or the whole of token@.
func RedactURLs(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		at := strings.LastIndex(p, "@")
		if at < 0 {
			continue
		}
		start := strings.Index(p, "://")
		if start >= 0 && start < at {
			start += len("://")
		} else {
			start = 0
		}
		if user, _, ok := strings.Cut(p[start:at], ":"); ok {
			parts[i] = p[:start] + user + ":xxxxx" + p[at:]
		} else {
			parts[i] = p[:start] + "xxxxx" + p[at:]
		}
	}
	return strings.Join(parts, ",")
}

// Defaults are the settings with nothing configured.
func Defaults() Settings {
	return Settings{LogLevel: "info", StoreDir: "./data", HTTPAddr: "127.0.0.1:9464", Replicas: 1, AckWait: 30 * time.Second}
}

// Environ returns the TRIALSCOUT_* variables of the process.
func Environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "TRIALSCOUT_") {
			env[k] = v
		}
	}
	return env
}

// LoadSettings reads the optional YAML file (strictly: an unknown key is an
// error) over the defaults, then applies the environment.
func LoadSettings(file string, env map[string]string) (Settings, error) {
	s := Defaults()
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return s, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) { // an empty file sets nothing
			return s, fmt.Errorf("config %s: %w", file, yamlError(err))
		}
	}
	for _, name := range Names() {
		if v, ok := env["TRIALSCOUT_"+strings.ToUpper(name)]; ok {
			if err := s.Set(name, v); err != nil {
				return s, fmt.Errorf("TRIALSCOUT_%s: %w", strings.ToUpper(name), err)
			}
		}
	}
	if v, ok := env["TRIALSCOUT_NO_CREATE"]; ok {
		s.NoCreate = v == "1" || strings.EqualFold(v, "true")
	}
	return s, nil
}

// fields maps each string setting's YAML name to the field, for the
// environment and for flags.
func (s *Settings) fields() map[string]*string {
	return map[string]*string{
		"trials_dir": &s.TrialsDir, "log_level": &s.LogLevel, "nats_url": &s.NATSURL, "store_dir": &s.StoreDir,
		"nats_user": &s.NATSUser, "nats_password": &s.NATSPassword, "nats_token": &s.NATSToken,
		"nats_creds": &s.NATSCreds, "nats_nkey_seed": &s.NATSNKeySeed,
		"tls_ca": &s.TLSCA, "tls_cert": &s.TLSCert, "tls_key": &s.TLSKey, "http_addr": &s.HTTPAddr,
	}
}

// Names lists the settings that Set accepts, sorted.
func Names() []string {
	var s Settings
	names := []string{"replicas", "ack_wait"}
	for name := range s.fields() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Set sets a setting by its YAML name from text (for flags and variables).
func (s *Settings) Set(name, value string) error {
	switch name {
	case "replicas":
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("replicas %q: want a number", value)
		}
		s.Replicas = n
		return nil
	case "ack_wait":
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("ack_wait %q: want a duration such as 30s", value)
		}
		s.AckWait = d
		return nil
	}
	f, ok := s.fields()[name]
	if !ok {
		return fmt.Errorf("no setting %q", name)
	}
	*f = value
	return nil
}

// Validate reports settings that cannot work.
func (s Settings) Validate() error {
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log_level %q: want debug, info, warn or error", s.LogLevel)
	}
	if s.Replicas < 1 || s.Replicas > 5 {
		return fmt.Errorf("replicas %d: want 1 to 5 (3 on a three-node cluster)", s.Replicas)
	}
	if s.AckWait < time.Second {
		return fmt.Errorf("ack_wait %s: want at least 1s, or a slow message is delivered twice while in hand", s.AckWait)
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		return fmt.Errorf("tls_cert and tls_key go together")
	}
	kinds := 0
	for _, v := range []string{s.NATSUser, s.NATSToken, s.NATSCreds, s.NATSNKeySeed} {
		if v != "" {
			kinds++
		}
	}
	if kinds > 1 {
		return fmt.Errorf("give one kind of NATS credentials: user/password, token, creds file or NKey seed")
	}
	if s.NATSURL == "" && (kinds > 0 || s.TLSCA != "" || s.TLSCert != "") {
		return fmt.Errorf("NATS credentials or TLS are set but nats_url is empty (the embedded server needs none)")
	}
	return nil
}
