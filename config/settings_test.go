package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSettingsPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "trialscout.yaml")
	if err := os.WriteFile(file, []byte("nats_url: nats://file:4222\nlog_level: warn\nnats_password: s3cret\nnats_user: u\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(file, map[string]string{"TRIALSCOUT_NATS_URL": "nats://env:4222"})
	if err != nil {
		t.Fatal(err)
	}
	if s.NATSURL != "nats://env:4222" || s.LogLevel != "warn" || s.StoreDir != "./data" {
		t.Errorf("settings %s: want the variable over the file, the file over defaults", s)
	}
	if strings.Contains(s.String(), "s3cret") {
		t.Errorf("String() shows the password: %s", s)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
}

func TestSettingsErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("nats_ulr: x\n"), 0o600)
	if _, err := LoadSettings(bad, nil); err == nil || !strings.Contains(err.Error(), "line 1: field nats_ulr not found") {
		t.Errorf("unknown key: %v", err)
	}
	with := func(change func(*Settings)) Settings {
		s := Defaults()
		change(&s)
		return s
	}
	cases := []struct {
		s    Settings
		want string
	}{
		{with(func(s *Settings) { s.LogLevel = "loud" }), `log_level "loud"`},
		{with(func(s *Settings) { s.NATSURL, s.TLSCert = "nats://x", "c" }), "tls_cert and tls_key go together"},
		{with(func(s *Settings) { s.NATSURL, s.NATSUser, s.NATSToken = "nats://x", "u", "t" }), "one kind of NATS credentials"},
		{with(func(s *Settings) { s.NATSToken = "t" }), "nats_url is empty"},
		{with(func(s *Settings) { s.Replicas = 0 }), "replicas 0: want 1 to 5"},
		{with(func(s *Settings) { s.AckWait = 10 * time.Millisecond }), "ack_wait 10ms"},
	}
	for _, c := range cases {
		if err := c.s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%s) = %v, want %q", c.s, err, c.want)
		}
	}
}

func TestTypedSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "trialscout.yaml")
	if err := os.WriteFile(file, []byte("replicas: 3\nack_wait: 45s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(file, map[string]string{"TRIALSCOUT_ACK_WAIT": "5s"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Replicas != 3 || s.AckWait != 5*time.Second {
		t.Errorf("replicas %d, ack_wait %s: want 3 from the file, 5s from the variable", s.Replicas, s.AckWait)
	}
	if _, err := LoadSettings("", map[string]string{"TRIALSCOUT_REPLICAS": "three"}); err == nil || !strings.Contains(err.Error(), "TRIALSCOUT_REPLICAS: replicas \"three\": want a number") {
		t.Errorf("bad variable: %v", err)
	}
}
