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

	// MaxDeliveries is how many times a message that keeps failing is
	// delivered before it is copied to the rejected stream ("gave up after
	// N deliveries: <last error>") and terminated: 10.
	MaxDeliveries int `yaml:"max_deliveries"`
	// RetryBackoff is the delay before the first redelivery of a message
	// that failed; each next one doubles, up to RetryBackoffMax, and is
	// jittered (between half and all of it): 2s and 5m.
	RetryBackoff    time.Duration `yaml:"retry_backoff"`
	RetryBackoffMax time.Duration `yaml:"retry_backoff_max"`
	// StallAfter: /readyz fails when input is pending and no message has
	// been settled (acknowledged, or set aside) for this long: 10m.
	StallAfter time.Duration `yaml:"stall_after"`

	// Retention of the streams (0: no limit). The worker sets these on the
	// streams it creates, and on existing ones at start unless no_create.
	FHIRMaxAge          Duration `yaml:"fhir_max_age"`          // 90d
	FHIRMaxBytes        ByteSize `yaml:"fhir_max_bytes"`        // 4GiB
	EligibilityMaxAge   Duration `yaml:"eligibility_max_age"`   // 365d
	EligibilityMaxBytes ByteSize `yaml:"eligibility_max_bytes"` // 1GiB
	RejectedMaxAge      Duration `yaml:"rejected_max_age"`      // 30d
	RejectedMaxBytes    ByteSize `yaml:"rejected_max_bytes"`    // 256MiB

	// The coordinator's workspace, served by run: its address (default
	// 127.0.0.1:8080; "off" disables it), and beyond loopback its users
	// file (user:bcrypt-hash lines) or token, and TLS certificate and key.
	UIAddr    string `yaml:"ui_addr"`
	UIUsers   string `yaml:"ui_users"`
	UIToken   string `yaml:"ui_token"`
	UITLSCert string `yaml:"ui_tls_cert"`
	UITLSKey  string `yaml:"ui_tls_key"`

	// Sources says which FHIR server bases are one source and which is the
	// local one (whose resources are named "Type/id"): base URL → the base
	// it belongs to, "" for local. As text: "base=,base2=base3".
	Sources Sources `yaml:"sources"`
}

// The retention defaults; see the README (Operations) for the reasons.
const (
	DefaultFHIRMaxAge          = Duration(90 * 24 * time.Hour)
	DefaultFHIRMaxBytes        = ByteSize(4 << 30)
	DefaultEligibilityMaxAge   = Duration(365 * 24 * time.Hour)
	DefaultEligibilityMaxBytes = ByteSize(1 << 30)
	DefaultRejectedMaxAge      = Duration(30 * 24 * time.Hour)
	DefaultRejectedMaxBytes    = ByteSize(256 << 20)
)

// String describes the settings without secrets.
func (s Settings) String() string {
	hidden := func(v string) string {
		if v == "" {
			return ""
		}
		return "(set)"
	}
	return fmt.Sprintf("nats_url=%q store_dir=%q nats_user=%q nats_password=%s nats_token=%s nats_creds=%q nats_nkey_seed=%q tls_ca=%q tls_cert=%q http_addr=%q trials_dir=%q log_level=%s replicas=%d ack_wait=%s"+
		" max_deliveries=%d retry_backoff=%s retry_backoff_max=%s stall_after=%s"+
		" fhir_max_age=%s fhir_max_bytes=%s eligibility_max_age=%s eligibility_max_bytes=%s rejected_max_age=%s rejected_max_bytes=%s"+
		" ui_addr=%q ui_users=%q ui_token=%s ui_tls_cert=%q sources=%s",
		RedactURLs(s.NATSURL), s.StoreDir, s.NATSUser, hidden(s.NATSPassword), hidden(s.NATSToken), s.NATSCreds, s.NATSNKeySeed, s.TLSCA, s.TLSCert, s.HTTPAddr, s.TrialsDir, s.LogLevel, s.Replicas, s.AckWait,
		s.MaxDeliveries, s.RetryBackoff, s.RetryBackoffMax, s.StallAfter,
		s.FHIRMaxAge, s.FHIRMaxBytes, s.EligibilityMaxAge, s.EligibilityMaxBytes, s.RejectedMaxAge, s.RejectedMaxBytes,
		s.UIAddr, s.UIUsers, hidden(s.UIToken), s.UITLSCert, s.Sources)
}

// Defaults are the settings with nothing configured.
func Defaults() Settings {
	return Settings{LogLevel: "info", StoreDir: "./data", HTTPAddr: "127.0.0.1:9464", UIAddr: "127.0.0.1:8080", Replicas: 1, AckWait: 30 * time.Second,
		MaxDeliveries: 10, RetryBackoff: 2 * time.Second, RetryBackoffMax: 5 * time.Minute, StallAfter: 10 * time.Minute,
		FHIRMaxAge: DefaultFHIRMaxAge, FHIRMaxBytes: DefaultFHIRMaxBytes,
		EligibilityMaxAge: DefaultEligibilityMaxAge, EligibilityMaxBytes: DefaultEligibilityMaxBytes,
		RejectedMaxAge: DefaultRejectedMaxAge, RejectedMaxBytes: DefaultRejectedMaxBytes}
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
		"ui_addr": &s.UIAddr, "ui_users": &s.UIUsers, "ui_token": &s.UIToken, "ui_tls_cert": &s.UITLSCert, "ui_tls_key": &s.UITLSKey,
	}
}

// typed maps each setting that is not a plain string to how it is set
// from text.
func (s *Settings) typed() map[string]func(string) error {
	duration := func(name string, d *time.Duration) func(string) error {
		return func(v string) error {
			x, err := ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s %w", name, err)
			}
			*d = x
			return nil
		}
	}
	days := func(name string, d *Duration) func(string) error {
		return func(v string) error {
			var x time.Duration
			err := duration(name, &x)(v)
			*d = Duration(x)
			return err
		}
	}
	size := func(name string, b *ByteSize) func(string) error {
		return func(v string) error {
			x, err := ParseByteSize(v)
			if err != nil {
				return fmt.Errorf("%s %w", name, err)
			}
			*b = x
			return nil
		}
	}
	number := func(name string, n *int) func(string) error {
		return func(v string) error {
			x, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s %q: want a number", name, v)
			}
			*n = x
			return nil
		}
	}
	return map[string]func(string) error{
		"replicas":              number("replicas", &s.Replicas),
		"ack_wait":              duration("ack_wait", &s.AckWait),
		"max_deliveries":        number("max_deliveries", &s.MaxDeliveries),
		"retry_backoff":         duration("retry_backoff", &s.RetryBackoff),
		"retry_backoff_max":     duration("retry_backoff_max", &s.RetryBackoffMax),
		"stall_after":           duration("stall_after", &s.StallAfter),
		"fhir_max_age":          days("fhir_max_age", &s.FHIRMaxAge),
		"fhir_max_bytes":        size("fhir_max_bytes", &s.FHIRMaxBytes),
		"eligibility_max_age":   days("eligibility_max_age", &s.EligibilityMaxAge),
		"eligibility_max_bytes": size("eligibility_max_bytes", &s.EligibilityMaxBytes),
		"rejected_max_age":      days("rejected_max_age", &s.RejectedMaxAge),
		"rejected_max_bytes":    size("rejected_max_bytes", &s.RejectedMaxBytes),
		"sources": func(v string) error {
			src, err := ParseSources(v)
			s.Sources = src
			return err
		},
	}
}

// Names lists the settings that Set accepts, sorted.
func Names() []string {
	var s Settings
	var names []string
	for name := range s.fields() {
		names = append(names, name)
	}
	for name := range s.typed() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Set sets a setting by its YAML name from text (for flags and variables).
func (s *Settings) Set(name, value string) error {
	if set, ok := s.typed()[name]; ok {
		return set(value)
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
	if err := s.validateDelivery(); err != nil {
		return err
	}
	if err := s.validateRetention(); err != nil {
		return err
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

func (s Settings) validateDelivery() error {
	switch {
	case s.MaxDeliveries < 1 || s.MaxDeliveries > 1000:
		return fmt.Errorf("max_deliveries %d: want 1 to 1000 (1: never retry)", s.MaxDeliveries)
	case s.RetryBackoff < 10*time.Millisecond:
		return fmt.Errorf("retry_backoff %s: want at least 10ms", s.RetryBackoff)
	case s.RetryBackoffMax < s.RetryBackoff:
		return fmt.Errorf("retry_backoff_max %s is shorter than retry_backoff %s", s.RetryBackoffMax, s.RetryBackoff)
	case s.StallAfter < s.AckWait:
		return fmt.Errorf("stall_after %s is shorter than ack_wait %s: a message may be in hand that long", s.StallAfter, s.AckWait)
	}
	return nil
}

// minRetentionAge is the shortest retention the streams accept: well above
// the streams' 10-minute duplicate window, which may not exceed it.
const minRetentionAge = time.Hour

// minRetentionBytes is the smallest byte limit: a stream must hold at
// least a few of the largest messages (8 MiB).
const minRetentionBytes = 64 << 20

func (s Settings) validateRetention() error {
	for _, r := range []struct {
		name  string
		age   Duration
		bytes ByteSize
	}{{"fhir", s.FHIRMaxAge, s.FHIRMaxBytes}, {"eligibility", s.EligibilityMaxAge, s.EligibilityMaxBytes},
		{"rejected", s.RejectedMaxAge, s.RejectedMaxBytes}} {
		if r.age < 0 || r.age > 0 && time.Duration(r.age) < minRetentionAge {
			return fmt.Errorf("%s_max_age %s: want at least 1h, or 0 for no limit", r.name, r.age)
		}
		if r.bytes < 0 || r.bytes > 0 && r.bytes < minRetentionBytes {
			return fmt.Errorf("%s_max_bytes %s: want at least 64MiB, or 0 for no limit", r.name, r.bytes)
		}
	}
	return nil
}
