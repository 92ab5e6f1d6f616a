package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/internal/testnats"
	"github.com/trialscout/trialscout/internal/testpki"
	"github.com/trialscout/trialscout/streams"
)

// startLockedNATS runs a NATS server with JetStream that requires TLS with a
// client certificate signed by the test CA, and a user and password.
func startLockedNATS(t *testing.T, c testpki.PKI) *server.Server {
	t.Helper()
	tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: c.ServerCert, KeyFile: c.ServerKey, CaFile: c.CA, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	return testnats.Start(t, &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		TLS: true, TLSVerify: true, TLSConfig: tc, TLSTimeout: 5,
		Username: "scout", Password: "right-password", NoSigs: true, NoLog: true})
}

// TestRunOverTLSWithCredentials: `trialscout run`, given the server, the
// user, the client certificate by flags and the password, the CA and the
// client key by TRIALSCOUT_* variables, consumes a resource from a server
// that requires all of them and publishes its status event; cancelled, it
// exits 0.
func TestRunOverTLSWithCredentials(t *testing.T) {
	c := testpki.New(t)
	srv := startLockedNATS(t, c)
	t.Setenv("TRIALSCOUT_NATS_PASSWORD", "right-password")
	t.Setenv("TRIALSCOUT_TLS_CA", c.CA)
	t.Setenv("TRIALSCOUT_TLS_KEY", c.ClientKey)

	// The test's own client, to publish the input and watch the output.
	nc, err := nats.Connect(srv.ClientURL(), nats.UserInfo("scout", "right-password"),
		nats.RootCAs(c.CA), nats.ClientCert(c.ClientCert, c.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	events, err := nc.SubscribeSync("eligibility.status.>")
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := streams.EnsureInput(ctx, js, streams.Config{}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "fhir.r4.Patient", []byte(patientA)); err != nil {
		t.Fatal(err)
	}

	runCtx, stop := context.WithCancel(ctx)
	var stderr bytes.Buffer
	exited, finished := make(chan int, 1), make(chan struct{})
	defer func() {
		stop()
		<-finished
	}()
	go func() {
		defer close(finished)
		exited <- execute(runCtx, []string{"run", "--nats-url", srv.ClientURL(), "--nats-user", "scout",
			"--tls-cert", c.ClientCert, "--http", "off", "--ui", "off", "--log-level", "error"}, strings.NewReader(""), &bytes.Buffer{}, &stderr)
	}()
	var ev streams.Event
	for ev.Patient == "" {
		select {
		case code := <-exited:
			t.Fatalf("run exited %d before publishing an event: %s", code, stderr.String())
		case <-ctx.Done():
			t.Fatal("no event within the test's deadline")
		default:
		}
		msg, err := events.NextMsg(100 * time.Millisecond)
		if err != nil {
			continue
		}
		if err := json.Unmarshal(msg.Data, &ev); err != nil {
			t.Fatalf("event is not JSON: %v", err)
		}
	}
	if ev.Patient != "Patient/a" || ev.Cause != "Patient/a" || ev.PreviousStatus != "" {
		t.Errorf("event %+v: want the first evaluation of Patient/a", ev)
	}
	stop()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("run exited %d after cancellation: %s", code, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("run did not stop after cancellation")
	}
}

// TestRunRefusedAccess: `trialscout run` against the same server with a
// wrong or missing piece exits 2 with the reason, and never shows a secret.
func TestRunRefusedAccess(t *testing.T) {
	c := testpki.New(t)
	srv := startLockedNATS(t, c)
	full := map[string]string{"TRIALSCOUT_NATS_URL": srv.ClientURL(), "TRIALSCOUT_NATS_USER": "scout",
		"TRIALSCOUT_NATS_PASSWORD": "right-password", "TRIALSCOUT_TLS_CA": c.CA,
		"TRIALSCOUT_TLS_CERT": c.ClientCert, "TRIALSCOUT_TLS_KEY": c.ClientKey, "TRIALSCOUT_HTTP_ADDR": "off"}
	cases := []struct {
		name   string
		change map[string]string // "" unsets
		want   string
	}{
		{"wrong password", map[string]string{"TRIALSCOUT_NATS_PASSWORD": "secret-but-wrong"}, "Authorization Violation"},
		{"no credentials", map[string]string{"TRIALSCOUT_NATS_USER": "", "TRIALSCOUT_NATS_PASSWORD": ""}, "Authorization Violation"},
		{"no CA", map[string]string{"TRIALSCOUT_TLS_CA": ""}, "certificate signed by unknown authority"},
		{"no client certificate", map[string]string{"TRIALSCOUT_TLS_CERT": "", "TRIALSCOUT_TLS_KEY": ""}, "tls: certificate required"},
		{"missing CA file", map[string]string{"TRIALSCOUT_TLS_CA": filepath.Join(t.TempDir(), "gone.pem")}, "gone.pem: no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range full {
				if nv, ok := tc.change[k]; ok {
					v = nv
				}
				t.Setenv(k, v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var stderr bytes.Buffer
			code := execute(ctx, []string{"run", "--ui", "off", "--log-level", "error"}, strings.NewReader(""), &bytes.Buffer{}, &stderr)
			if ctx.Err() != nil {
				t.Fatalf("run did not return before the test's deadline: %s", stderr.String())
			}
			if code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), exitUsage, tc.want)
			}
			for _, secret := range []string{"secret-but-wrong", "right-password"} {
				if strings.Contains(stderr.String(), secret) {
					t.Errorf("stderr shows a secret: %s", stderr.String())
				}
			}
		})
	}
}
