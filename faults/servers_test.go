package faults

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// node is one real NATS server with JetStream on loopback. It runs in the
// test process, so that the test can stop and start it on the same store
// and ports while the workers, separate processes, stay connected to it.
type node struct {
	opts *server.Options
	srv  *server.Server
}

func (n *node) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.opts.Port) }

func (n *node) start(t *testing.T) {
	t.Helper()
	srv, err := server.NewServer(n.opts)
	if err != nil {
		t.Fatalf("nats %s: %v", n.opts.ServerName, err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		t.Fatalf("nats %s did not start on port %d", n.opts.ServerName, n.opts.Port)
	}
	n.srv = srv
}

// stop shuts the server down as an operator's restart would.
func (n *node) stop() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
		n.srv = nil
	}
}

// baseOptions are the servers' settings: those the README recommends for
// a site's server (file store synced on every write, 8 MiB payloads).
func baseOptions(name, dir string, port int) *server.Options {
	return &server.Options{
		ServerName: name, Host: "127.0.0.1", Port: port,
		JetStream: true, StoreDir: dir,
		NoSigs: true, NoLog: true,
		MaxPayload: 8 << 20,
		SyncAlways: true,
	}
}

// startSingle starts one server on a free port.
func startSingle(t *testing.T) *node {
	t.Helper()
	n := &node{opts: baseOptions("single", filepath.Join(t.TempDir(), "nats"), freePort(t))}
	n.start(t)
	t.Cleanup(n.stop)
	return n
}

// startCluster starts a three-node JetStream cluster on loopback, each node
// with its own store, routed to the others.
func startCluster(t *testing.T) []*node {
	t.Helper()
	const size = 3
	clientPorts, routePorts := make([]int, size), make([]int, size)
	for i := range size {
		clientPorts[i], routePorts[i] = freePort(t), freePort(t)
	}
	var routes []string
	for _, p := range routePorts {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	nodes := make([]*node, size)
	for i := range size {
		opts := baseOptions(fmt.Sprintf("n%d", i+1), filepath.Join(t.TempDir(), fmt.Sprintf("n%d", i+1)), clientPorts[i])
		opts.Cluster = server.ClusterOpts{Name: "trialscout-faults", Host: "127.0.0.1", Port: routePorts[i]}
		opts.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		nodes[i] = &node{opts: opts}
	}
	// Start them together: each waits for its routes, and JetStream needs a
	// quorum before any node reports ready.
	done := make(chan struct{})
	for _, n := range nodes {
		go func() {
			defer func() { done <- struct{}{} }()
			srv, err := server.NewServer(n.opts)
			if err != nil {
				return
			}
			go srv.Start()
			srv.ReadyForConnections(30 * time.Second)
			n.srv = srv
		}()
	}
	for range nodes {
		<-done
	}
	for _, n := range nodes {
		if n.srv == nil || !n.srv.ReadyForConnections(time.Second) {
			t.Fatalf("cluster node %s did not start", n.opts.ServerName)
		}
		t.Cleanup(n.stop)
	}
	waitMetaLeader(t, nodes)
	return nodes
}

// waitMetaLeader waits until the cluster has elected a JetStream meta
// leader that knows every node: before that, stream requests go
// unanswered, or fail for want of peers to place three replicas on.
func waitMetaLeader(t *testing.T, nodes []*node) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, n := range nodes {
			if n.srv.JetStreamIsLeader() && len(n.srv.JetStreamClusterPeers()) == len(nodes) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the cluster elected no JetStream meta leader knowing all %d nodes within 30s", len(nodes))
}

func clusterURLs(nodes []*node) string {
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.url())
	}
	return strings.Join(urls, ",")
}

// freePort asks the kernel for a port that is free now. A server started
// on it moments later could in principle lose a race for it; the start
// then fails loudly rather than testing the wrong thing.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
