package streams

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// TestConnectCredentials: a server that requires a password accepts the
// right one and refuses a wrong or missing one at once, with the reason.
func TestConnectCredentials(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, Username: "scout", Password: "right", NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(5 * time.Second) {
		t.Fatal("server not ready")
	}
	t.Cleanup(srv.Shutdown)
	ctx := context.Background()
	nc, err := Connect(ctx, ConnConfig{URL: srv.ClientURL(), User: "scout", Password: "right"})
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	nc.Close()
	for name, c := range map[string]ConnConfig{
		"wrong password": {URL: srv.ClientURL(), User: "scout", Password: "wrong"},
		"no credentials": {URL: srv.ClientURL()},
	} {
		start := time.Now()
		_, err := Connect(ctx, c)
		if err == nil || !strings.Contains(err.Error(), "Authorization Violation") {
			t.Errorf("%s: %v, want an authorization error", name, err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%s: took %s: a refusal must not be retried until the deadline", name, time.Since(start))
		}
	}
}

func TestConnectUnreachable(t *testing.T) {
	_, err := Connect(context.Background(), ConnConfig{URL: "nats://127.0.0.1:1", ConnectWithin: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "connect to NATS at nats://127.0.0.1:1") {
		t.Errorf("unreachable server: %v", err)
	}
}

// TestConnectMalformedURLs: a malformed URL fails Connect at once, saying
// what is wrong, and the error shows no part of the password or token.
func TestConnectMalformedURLs(t *testing.T) {
	cases := []struct{ url, secret, want string }{
		{"nats://scout:sek ret-1@127.0.0.1:1", "sek ret-1", "an invalid character in the user or password"},
		{"nats://scout:sek%zzret-2@127.0.0.1:1", "sek%zzret-2", "a % not followed by two hexadecimal digits"},
		{"nats://scout:sek,ret-3@127.0.0.1:1", "sek,ret-3", "entry 1 of 2, split at commas"},
		{"nats://127.0.0.1:2,nats://scout:sek,ret-4@127.0.0.1:1", "sek,ret-4", "entry 2 of 3"},
		{"tls://tok en-5@127.0.0.1:1", "tok en-5", "user or password"},
		{"nats://scout:sek\x7fret-6@127.0.0.1:1", "sek\x7fret-6", "is malformed"},
	}
	for _, c := range cases {
		_, err := Connect(context.Background(), ConnConfig{URL: c.url, ConnectWithin: time.Hour})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "is malformed") {
			t.Errorf("%q: %v, want %q", c.url, err, c.want)
			continue
		}
		for _, part := range append(strings.FieldsFunc(c.secret, func(r rune) bool { return r == ',' || r == ' ' || r == '%' }), c.secret) {
			if len(part) >= 3 && strings.Contains(err.Error(), part) {
				t.Errorf("%q: error %q shows %q", c.url, err, part)
			}
		}
	}
}
