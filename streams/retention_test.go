package streams

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/internal/testnats"
)

func streamLimits(t *testing.T, js jetstream.JetStream, name string) Limits {
	t.Helper()
	s, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Discard != jetstream.DiscardOld {
		t.Errorf("stream %s discards %v, want old messages first", name, info.Config.Discard)
	}
	return Limits{MaxAge: info.Config.MaxAge, MaxBytes: info.Config.MaxBytes}
}

// TestStreamsGetRetention: the streams the worker creates carry the
// configured limits (the defaults when none are given), and "no limit" is
// a negative value.
func TestStreamsGetRetention(t *testing.T) {
	e := startNATS(t)
	if _, err := Ensure(context.Background(), e.js, Config{}); err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	for stream, want := range map[string]Limits{
		"FHIR":        {90 * day, 4 << 30},
		"ELIGIBILITY": {365 * day, 1 << 30},
		"REJECTED":    {30 * day, 256 << 20},
	} {
		if got := streamLimits(t, e.js, stream); got != want {
			t.Errorf("%s: limits %+v, want the defaults %+v", stream, got, want)
		}
	}
	e2 := startNATS(t)
	cfg := Config{Retention: Retention{Input: Limits{MaxAge: -1, MaxBytes: -1}, Rejected: Limits{MaxAge: 7 * day, MaxBytes: 64 << 20}}}
	if _, err := Ensure(context.Background(), e2.js, cfg); err != nil {
		t.Fatal(err)
	}
	if got := streamLimits(t, e2.js, "FHIR"); got != (Limits{0, -1}) {
		t.Errorf("FHIR without limits: %+v", got)
	}
	if got := streamLimits(t, e2.js, "REJECTED"); got != (Limits{7 * day, 64 << 20}) {
		t.Errorf("REJECTED: %+v", got)
	}
}

// TestExistingStreamsGetRetention: streams made before (by an older worker,
// or by hand, with no limits) get the configured limits at start, keeping
// their messages and the rest of their configuration; with creation off
// they are left as they are.
func TestExistingStreamsGetRetention(t *testing.T) {
	e := startNATS(t)
	ctx := context.Background()
	old := jetstream.StreamConfig{Name: "FHIR", Subjects: []string{"fhir.r4.>"}, Duplicates: 10 * time.Minute, Description: "made by hand"}
	if _, err := e.js.CreateStream(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.Publish(ctx, "fhir.r4.Patient", []byte(`{"resourceType":"Patient","id":"p1"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := Ensure(ctx, e.js, Config{NoCreate: true}); err == nil {
		t.Fatal("with creation off, missing streams are an error")
	}
	if got := streamLimits(t, e.js, "FHIR"); got != (Limits{0, -1}) {
		t.Errorf("creation off: FHIR limits changed to %+v", got)
	}
	want := Limits{MaxAge: 30 * 24 * time.Hour, MaxBytes: 1 << 30}
	if _, err := Ensure(ctx, e.js, Config{Retention: Retention{Input: want}}); err != nil {
		t.Fatal(err)
	}
	if got := streamLimits(t, e.js, "FHIR"); got != want {
		t.Errorf("FHIR limits %+v after start, want %+v", got, want)
	}
	s, _ := e.js.Stream(ctx, "FHIR")
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 || info.Config.Description != "made by hand" {
		t.Errorf("stream kept %d messages and description %q; want 1 and its own", info.State.Msgs, info.Config.Description)
	}
}

// TestRetentionValidation: an age shorter than the duplicate window cannot
// be configured.
func TestRetentionValidation(t *testing.T) {
	cfg := Config{Retention: Retention{Events: Limits{MaxAge: time.Minute}}}
	if err := cfg.Validate(); err == nil {
		t.Error("an event stream keeping one minute, under the 10-minute duplicate window: no error")
	}
}

// TestRetentionOverServerStorage: a server that cannot reserve a stream's
// byte limit refuses the stream; the error says which settings to lower.
func TestRetentionOverServerStorage(t *testing.T) {
	srv := testnats.Start(t, &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		JetStreamMaxStore: 1 << 30, NoSigs: true, NoLog: true})
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	_, err = Ensure(context.Background(), js, Config{}) // FHIR wants 4 GiB
	if err == nil || !strings.Contains(err.Error(), "create stream FHIR") || !strings.Contains(err.Error(), "lower fhir_max_bytes") {
		t.Errorf("Ensure on a 1 GiB server: %v", err)
	}
}
