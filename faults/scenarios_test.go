package faults

import (
	"context"
	"testing"
	"time"
)

// TestKillNine: a worker killed with SIGKILL at random points of a backlog,
// and started again each time, loses and doubles nothing.
func TestKillNine(t *testing.T) {
	sz := sizeFor(size{patients: 300, perPatient: 20, kills: 5}, size{patients: 1000, perPatient: 20, kills: 10})
	n := startSingle(t)
	r := newRun(t, n.url(), 1)
	r.generate(sz, 1)
	r.publishAll()
	w := r.startWorker("worker")
	for _, at := range r.killPoints(sz.kills) {
		r.waitRemaining(at, w)
		r.kill9(w)
		w = r.startWorker("worker")
	}
	r.drained(w)
	w.stop(t)
	t.Logf("kill -9: %s kills=%d in_hand_at_kills=%d", r.check(), r.kills, r.inHand)
	if r.inHand == 0 {
		t.Error("no kill caught a worker holding messages: the kills tested nothing")
	}
}

// TestNATSRestart: the server is stopped and started again on the same
// store twice while a worker drains a backlog; the worker reconnects and
// carries on.
func TestNATSRestart(t *testing.T) {
	sz := sizeFor(size{patients: 200, perPatient: 20}, size{patients: 1000, perPatient: 20})
	n := startSingle(t)
	r := newRun(t, n.url(), 1)
	r.generate(sz, 2)
	r.publishAll()
	w := r.startWorker("worker")
	total := uint64(len(r.input))
	for _, at := range []uint64{total * 2 / 3, total / 3} {
		r.waitRemaining(at, w)
		n.stop()
		time.Sleep(2 * time.Second) // long enough for the worker to notice
		n.start(t)
		r.restarts++
	}
	r.drained(w)
	w.stop(t)
	t.Logf("NATS restart: %s restarts=%d", r.check(), r.restarts)
}

// TestThreeWorkers: three workers share the consumer; patients' records
// are updated concurrently under compare-and-set.
func TestThreeWorkers(t *testing.T) {
	sz := sizeFor(size{patients: 200, perPatient: 20}, size{patients: 1000, perPatient: 20})
	n := startSingle(t)
	r := newRun(t, n.url(), 1)
	r.generate(sz, 3)
	r.publishAll()
	workers := []*worker{r.startWorker("a"), r.startWorker("b"), r.startWorker("c")}
	r.drained(workers...)
	for _, w := range workers {
		w.stop(t)
	}
	t.Logf("three workers: %s", r.check())
}

// TestClusterNodeLoss: on a three-node cluster with every stream and the
// state bucket replicated three times, the node leading the input stream
// is stopped mid-stream and brought back.
func TestClusterNodeLoss(t *testing.T) {
	sz := sizeFor(size{patients: 150, perPatient: 20}, size{patients: 1000, perPatient: 20})
	nodes := startCluster(t)
	r := newRun(t, clusterURLs(nodes), 3)
	r.generate(sz, 4)
	r.publishAll()
	w := r.startWorker("worker")
	r.waitRemaining(uint64(len(r.input))/2, w)
	leader := r.streamLeader("FHIR", nodes)
	leader.stop()
	time.Sleep(3 * time.Second)
	leader.start(t)
	r.restarts++
	r.drained(w)
	w.stop(t)
	t.Logf("cluster, %s stopped and restarted: %s", leader.opts.ServerName, r.check())
}

// streamLeader is the node leading a stream's replicas.
func (r *run) streamLeader(name string, nodes []*node) *node {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	defer cancel()
	s, err := r.js.Stream(ctx, name)
	if err != nil {
		r.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil {
		r.t.Fatalf("stream %s: %d replicas, cluster %+v: want 3 on the cluster", name, info.Config.Replicas, info.Cluster)
	}
	for _, n := range nodes {
		if n.opts.ServerName == info.Cluster.Leader {
			return n
		}
	}
	r.t.Fatalf("stream %s: leader %q is none of the nodes", name, info.Cluster.Leader)
	return nil
}
