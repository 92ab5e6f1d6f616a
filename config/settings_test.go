package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	cases := []struct {
		s    Settings
		want string
	}{
		{Settings{LogLevel: "loud"}, `log_level "loud"`},
		{Settings{LogLevel: "info", NATSURL: "nats://x", TLSCert: "c"}, "tls_cert and tls_key go together"},
		{Settings{LogLevel: "info", NATSURL: "nats://x", NATSUser: "u", NATSToken: "t"}, "one kind of NATS credentials"},
		{Settings{LogLevel: "info", NATSToken: "t"}, "nats_url is empty"},
	}
	for _, c := range cases {
		if err := c.s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%s) = %v, want %q", c.s, err, c.want)
		}
	}
}
