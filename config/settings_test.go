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

// TestDeliveryAndRetentionSettings: the retry and retention settings come
// from the file, the environment and their defaults, in days and binary
// units, and bad values are refused with the setting's name.
func TestDeliveryAndRetentionSettings(t *testing.T) {
	d := Defaults()
	if d.MaxDeliveries != 10 || d.RetryBackoff != 2*time.Second || d.RetryBackoffMax != 5*time.Minute || d.StallAfter != 10*time.Minute ||
		d.FHIRMaxAge != DefaultFHIRMaxAge || d.FHIRMaxBytes != 4<<30 || d.RejectedMaxAge.String() != "30d" || d.RejectedMaxBytes.String() != "256MiB" {
		t.Errorf("defaults: %s", d)
	}
	file := filepath.Join(t.TempDir(), "trialscout.yaml")
	yaml := "max_deliveries: 5\nretry_backoff: 500ms\nfhir_max_age: 180d\nfhir_max_bytes: 20GiB\nrejected_max_age: 7d12h\nrejected_max_bytes: 0\neligibility_max_bytes: 2000000000\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(file, map[string]string{"TRIALSCOUT_MAX_DELIVERIES": "3", "TRIALSCOUT_ELIGIBILITY_MAX_AGE": "400d", "TRIALSCOUT_STALL_AFTER": "1h"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"max_deliveries": "3", "retry_backoff": "500ms", "retry_backoff_max": "5m0s", "stall_after": "1h0m0s",
		"fhir_max_age": "180d", "fhir_max_bytes": "20GiB", "rejected_max_age": "180h0m0s", "rejected_max_bytes": "0",
		"eligibility_max_age": "400d", "eligibility_max_bytes": "2000000000"}
	for name, v := range want {
		if !strings.Contains(s.String(), " "+name+"="+v) {
			t.Errorf("%s: want %s in %s", name, v, s)
		}
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	bad := []struct{ env, want string }{
		{"TRIALSCOUT_FHIR_MAX_AGE=ninety", `TRIALSCOUT_FHIR_MAX_AGE: fhir_max_age "ninety": want a duration such as 90d`},
		{"TRIALSCOUT_FHIR_MAX_BYTES=4 gigs", `TRIALSCOUT_FHIR_MAX_BYTES: fhir_max_bytes "4 gigs": want a size such as 4GiB`},
		{"TRIALSCOUT_MAX_DELIVERIES=ten", `TRIALSCOUT_MAX_DELIVERIES: max_deliveries "ten": want a number`},
	}
	for _, c := range bad {
		k, v, _ := strings.Cut(c.env, "=")
		if _, err := LoadSettings("", map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.env, err, c.want)
		}
	}
	os.WriteFile(file, []byte("fhir_max_bytes: lots\n"), 0o600)
	if _, err := LoadSettings(file, nil); err == nil || !strings.Contains(err.Error(), `line 1: fhir_max_bytes "lots"`) && !strings.Contains(err.Error(), `line 1: "lots"`) {
		t.Errorf("bad size in the file: %v", err)
	}
}

func TestDeliveryAndRetentionValidation(t *testing.T) {
	with := func(change func(*Settings)) Settings {
		s := Defaults()
		change(&s)
		return s
	}
	cases := []struct {
		s    Settings
		want string
	}{
		{with(func(s *Settings) { s.MaxDeliveries = 0 }), "max_deliveries 0: want 1 to 1000"},
		{with(func(s *Settings) { s.RetryBackoff = time.Millisecond }), "retry_backoff 1ms: want at least 10ms"},
		{with(func(s *Settings) { s.RetryBackoffMax = time.Second }), "retry_backoff_max 1s is shorter than retry_backoff 2s"},
		{with(func(s *Settings) { s.StallAfter = time.Second }), "stall_after 1s is shorter than ack_wait 30s"},
		{with(func(s *Settings) { s.FHIRMaxAge = Duration(time.Minute) }), "fhir_max_age 1m0s: want at least 1h, or 0 for no limit"},
		{with(func(s *Settings) { s.RejectedMaxBytes = 1 << 20 }), "rejected_max_bytes 1MiB: want at least 64MiB, or 0 for no limit"},
	}
	for _, c := range cases {
		if err := c.s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%s) = %v, want %q", c.s, err, c.want)
		}
	}
	if err := with(func(s *Settings) { s.FHIRMaxAge, s.FHIRMaxBytes = 0, 0 }).Validate(); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

func TestParseUnits(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "1d12h": 36 * time.Hour, "45s": 45 * time.Second, " 2h ": 2 * time.Hour} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1d", "1.5d", "3days", "1dx"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q): no error", in)
		}
	}
	for in, want := range map[string]ByteSize{"4GiB": 4 << 30, "512 MiB": 512 << 20, "10GB": 10e9, "1000": 1000, "0": 0, "1.5KiB": 1536} {
		if got, err := ParseByteSize(in); err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "GiB", "4 gigs", "1e30TB"} {
		if _, err := ParseByteSize(in); err == nil {
			t.Errorf("ParseByteSize(%q): no error", in)
		}
	}
}

// TestRedactURLsHidesMalformed: secrets in malformed URLs (a space, a bad %
// escape, a comma in the password, a token) are hidden too, and found by
// URLSecrets.
func TestRedactURLsHidesMalformed(t *testing.T) {
	cases := []struct{ in, want, secret string }{
		{"nats://scout:pa ss-word@h:4222", "nats://scout:xxxxx@h:4222", "pa ss-word"},
		{"nats://scout:p%zzword@h:4222", "nats://scout:xxxxx@h:4222", "p%zzword"},
		{"nats://scout:pa,ss-word@h:4222", "nats://scout:xxxxx@h:4222", "pa,ss-word"},
		{"nats://a:4222,nats://scout:pa,ss-word@h:4222", "nats://a:4222,nats://scout:xxxxx@h:4222", "pa,ss-word"},
		{"tls://tok en-secret@h:4222", "tls://xxxxx@h:4222", "tok en-secret"},
		{"scout:pa,ss-word@h:4222", "scout:xxxxx@h:4222", "pa,ss-word"},
		{"nats://scout:p@ss@word@h", "nats://scout:xxxxx@h", "p@ss@word"},
	}
	for _, c := range cases {
		if got := RedactURLs(c.in); got != c.want {
			t.Errorf("RedactURLs(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := URLSecrets(c.in); len(got) == 0 || got[0] != c.secret {
			t.Errorf("URLSecrets(%q) = %q, want %q first", c.in, got, c.secret)
		}
	}
	if got := URLSecrets("nats://u:p%40ss@h"); len(got) != 2 || got[1] != "p@ss" {
		t.Errorf("URLSecrets of an escaped password = %q, want it unescaped too", got)
	}
}

// TestExampleSettingsFile: the example in deploy/ loads, validates and
// states the defaults.
func TestExampleSettingsFile(t *testing.T) {
	s, err := LoadSettings("../deploy/trialscout.example.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.String() != Defaults().String() {
		t.Errorf("the example's values differ from the defaults:\n%s\n%s", s, Defaults())
	}
}

// TestSyncPolicy: nats_sync is always (the default) or an interval, from
// the file or the environment; anything else is refused by name, and it
// is a setting of the embedded server only.
func TestSyncPolicy(t *testing.T) {
	file := filepath.Join(t.TempDir(), "trialscout.yaml")
	if err := os.WriteFile(file, []byte("nats_sync: 2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file string
		env  map[string]string
		want SyncPolicy
		err  string
	}{
		{"", nil, SyncAlways, ""},
		{file, nil, SyncPolicy(2 * time.Second), ""},
		{file, map[string]string{"TRIALSCOUT_NATS_SYNC": "always"}, SyncAlways, ""},
		{"", map[string]string{"TRIALSCOUT_NATS_SYNC": "1d"}, SyncPolicy(24 * time.Hour), ""},
		{"", map[string]string{"TRIALSCOUT_NATS_SYNC": "sometimes"}, 0, `TRIALSCOUT_NATS_SYNC: nats_sync "sometimes": want always, or an interval`},
		{"", map[string]string{"TRIALSCOUT_NATS_SYNC": "-1s"}, 0, "want always, or an interval"},
	}
	for _, c := range cases {
		s, err := LoadSettings(c.file, c.env)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s %v: error %v, want %q", c.file, c.env, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s %v: %v", c.file, c.env, err)
		case c.err == "" && s.NATSSync != c.want:
			t.Errorf("%s %v: nats_sync %s, want %s", c.file, c.env, s.NATSSync, c.want)
		}
	}
	s := Defaults()
	s.NATSURL, s.NATSSync = "nats://x:4222", SyncPolicy(time.Second)
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "nats_sync is a setting of the embedded server") {
		t.Errorf("nats_sync with nats_url: %v", err)
	}
}
