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
