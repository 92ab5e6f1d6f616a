package streams

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/internal/testnats"
	"github.com/trialscout/trialscout/internal/testpki"
)

// newNKey makes a user NKey and writes its seed to a file: the public key
// goes to the server, the file to the client.
func newNKey(t *testing.T) (public, seedFile string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	public, err = kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := kp.Seed()
	if err != nil {
		t.Fatal(err)
	}
	seedFile = filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	return public, seedFile
}

// startSecureNATS runs a real NATS server with JetStream that requires TLS
// with the PKI's server certificate; auth adds what it asks of clients
// (credentials, client certificates).
func startSecureNATS(t *testing.T, p testpki.PKI, auth func(*server.Options)) *server.Server {
	t.Helper()
	tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: p.ServerCert, KeyFile: p.ServerKey, CaFile: p.CA})
	if err != nil {
		t.Fatal(err)
	}
	opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		TLS: true, TLSConfig: tc, TLSTimeout: 5, NoSigs: true, NoLog: true}
	if auth != nil {
		auth(opts)
	}
	if opts.TLSVerify {
		tc, err = server.GenTLSConfig(&server.TLSConfigOpts{CertFile: p.ServerCert, KeyFile: p.ServerKey, CaFile: p.CA, Verify: true})
		if err != nil {
			t.Fatal(err)
		}
		opts.TLSConfig = tc
	}
	return testnats.Start(t, opts)
}

// usersAndNKey requires a user and password, or the NKey.
func usersAndNKey(nkey string) func(*server.Options) {
	return func(o *server.Options) {
		o.Users = []*server.User{{Username: "scout", Password: "right-password"}}
		o.Nkeys = []*server.NkeyUser{{Nkey: nkey}}
	}
}

// TestWorkerOverTLSWithCredentials: against a server that requires TLS and
// credentials, a worker connected by Connect with the CA and each kind of
// credentials consumes a resource and publishes its event, over TLS.
func TestWorkerOverTLSWithCredentials(t *testing.T) {
	p := testpki.New(t)
	nkeyPub, seedFile := newNKey(t)
	cases := []struct {
		name string
		auth func(*server.Options)
		conn ConnConfig
	}{
		{"user and password", usersAndNKey(nkeyPub), ConnConfig{User: "scout", Password: "right-password", TLSCA: p.CA}},
		{"NKey seed file", usersAndNKey(nkeyPub), ConnConfig{NKeySeedFile: seedFile, TLSCA: p.CA}},
		{"token and client certificate", func(o *server.Options) { o.Authorization = "right-token"; o.TLSVerify = true },
			ConnConfig{Token: "right-token", TLSCA: p.CA, TLSCert: p.ClientCert, TLSKey: p.ClientKey}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := startSecureNATS(t, p, c.auth)
			if !strings.HasPrefix(srv.ClientURL(), "tls://") {
				t.Fatalf("server URL %s: the server does not require TLS", srv.ClientURL())
			}
			c.conn.URL = srv.ClientURL()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			nc, err := Connect(ctx, c.conn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close)
			if _, err := nc.TLSConnectionState(); err != nil {
				t.Fatalf("connection is not TLS: %v", err)
			}
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			e := &env{srv: &Embedded{srv}, nc: nc, js: js, eng: newEngine(t)}
			e.startWorker(t, Config{}, WithClock((&clock{t: scenarioAsOf}).Now))
			file := samplePatients(t)[0]
			e.publishFiles(t, file)
			e.drain(t, Config{})
			evs := e.events(t)
			want := offline(t, e.eng, scenarioAsOf, file)
			if len(evs) == 0 || len(finalStatuses(evs)) != len(want) {
				t.Fatalf("events %+v, want the statuses of %v", finalStatuses(evs), want)
			}
			for k, s := range finalStatuses(evs) {
				if want[k] != s {
					t.Errorf("%s: %s over TLS, %s offline", k, s, want[k])
				}
			}
		})
	}
}

// TestConnectRefusals: each wrong or missing piece of access fails Connect
// by itself (not by running into the caller's deadline) with an error that
// names the problem and shows no secret.
func TestConnectRefusals(t *testing.T) {
	p := testpki.New(t)
	nkeyPub, _ := newNKey(t)
	_, strangerSeed := newNKey(t)
	passwords := startSecureNATS(t, p, usersAndNKey(nkeyPub))
	mutual := startSecureNATS(t, p, func(o *server.Options) { o.Authorization = "right-token"; o.TLSVerify = true })
	plain := testnats.Start(t, &server.Options{Host: "127.0.0.1", Port: -1, Username: "scout", Password: "right-password", NoSigs: true, NoLog: true})
	tlsURL := passwords.ClientURL()
	natsURL := "nats://" + strings.TrimPrefix(tlsURL, "tls://")
	missing := filepath.Join(t.TempDir(), "missing.pem")
	notPEM := filepath.Join(t.TempDir(), "not-a-cert.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	user := func(c ConnConfig) ConnConfig { c.User, c.Password = "scout", "right-password"; return c }
	token := func(c ConnConfig) ConnConfig { c.URL, c.Token = mutual.ClientURL(), "right-token"; return c }
	cases := []struct {
		name string
		conn ConnConfig
		want []string // the error contains all of these
	}{
		{"wrong password", ConnConfig{URL: tlsURL, TLSCA: p.CA, User: "scout", Password: "secret-but-wrong"}, []string{"Authorization Violation"}},
		{"wrong password in the URL", ConnConfig{URL: "tls://scout:secret-but-wrong@" + strings.TrimPrefix(tlsURL, "tls://"), TLSCA: p.CA}, []string{"Authorization Violation"}},
		{"wrong token in the URL", ConnConfig{URL: "tls://secret-but-wrong@" + strings.TrimPrefix(mutual.ClientURL(), "tls://"), TLSCA: p.CA, TLSCert: p.ClientCert, TLSKey: p.ClientKey}, []string{"Authorization Violation"}},
		{"no credentials", ConnConfig{URL: tlsURL, TLSCA: p.CA}, []string{"Authorization Violation"}},
		{"missing creds file", ConnConfig{URL: tlsURL, TLSCA: p.CA, CredsFile: missing}, []string{"creds file", "missing.pem: no such file"}},
		{"unknown NKey", ConnConfig{URL: tlsURL, TLSCA: p.CA, NKeySeedFile: strangerSeed}, []string{"Authorization Violation"}},
		{"missing NKey seed file", ConnConfig{URL: tlsURL, TLSCA: p.CA, NKeySeedFile: missing}, []string{"NKey seed", "missing.pem: no such file"}},
		{"wrong token", ConnConfig{URL: mutual.ClientURL(), TLSCA: p.CA, TLSCert: p.ClientCert, TLSKey: p.ClientKey, Token: "secret-but-wrong"}, []string{"Authorization Violation"}},
		{"no CA: server certificate not trusted", user(ConnConfig{URL: tlsURL}), []string{"certificate signed by unknown authority"}},
		{"wrong CA", user(ConnConfig{URL: tlsURL, TLSCA: p.OtherCA}), []string{"certificate signed by unknown authority"}},
		{"missing CA file", user(ConnConfig{URL: tlsURL, TLSCA: missing}), []string{"TLS CA", "missing.pem: no such file"}},
		{"CA file that is not a certificate", user(ConnConfig{URL: tlsURL, TLSCA: notPEM}), []string{"TLS CA", "failed to parse root certificate"}},
		{"plain nats:// URL and no TLS settings", user(ConnConfig{URL: natsURL}), []string{"x509: certificate signed by unknown authority"}},
		{"no client certificate", token(ConnConfig{TLSCA: p.CA}), []string{"tls: certificate required"}},
		{"client certificate from another CA (the client does not offer it)", token(ConnConfig{TLSCA: p.CA, TLSCert: p.StrangerCert, TLSKey: p.StrangerKey}), []string{"tls: certificate required"}},
		{"missing client certificate file", token(ConnConfig{TLSCA: p.CA, TLSCert: missing, TLSKey: p.ClientKey}), []string{"client certificate", "missing.pem: no such file"}},
		{"TLS asked of a server without it", user(ConnConfig{URL: "tls://" + strings.TrimPrefix(plain.ClientURL(), "nats://"), TLSCA: p.CA}), []string{"secure connection not available"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// A retried refusal would run into this deadline, not the
			// connect window, which is far away.
			c.conn.ConnectWithin = time.Hour
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			nc, err := Connect(ctx, c.conn)
			if err == nil {
				nc.Close()
				t.Fatal("connected")
			}
			t.Log(err)
			if ctx.Err() != nil {
				t.Errorf("Connect retried a refusal until the caller's deadline: %v", err)
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			for _, secret := range []string{"secret-but-wrong", "right-password", "right-token"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows a secret", err)
				}
			}
		})
	}
}

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                     "nats://127.0.0.1:4222",
		"tls://scout:pw@nats.example:4222":          "tls://scout:xxxxx@nats.example:4222",
		"nats://tok3n@a:4222, nats://u:p@ss@b:4222": "nats://xxxxx@a:4222, nats://u:xxxxx@b:4222",
		"scout:pw@nats.example:4222":                "scout:xxxxx@nats.example:4222",
		"nats://a:4222,nats://b:4222":               "nats://a:4222,nats://b:4222",
	} {
		if got := config.RedactURLs(in); got != want {
			t.Errorf("RedactURLs(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConnectWaitsForServer: a server that is not up yet is not a refusal:
// Connect tries again until it is.
func TestConnectWaitsForServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	// The first attempt meets a socket that hangs up; the server starts
	// only after it.
	hungUp := make(chan struct{})
	go func() {
		defer close(hungUp)
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
		ln.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type result struct {
		nc  *nats.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := Connect(ctx, ConnConfig{URL: fmt.Sprintf("nats://127.0.0.1:%d", port), ConnectWithin: time.Minute})
		done <- result{nc, err}
	}()
	<-hungUp
	testnats.Start(t, &server.Options{Host: "127.0.0.1", Port: port, NoSigs: true, NoLog: true})
	r := <-done
	if r.err != nil {
		t.Fatalf("Connect gave up on a server that was starting: %v", r.err)
	}
	r.nc.Close()
}
