package faults

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// worker is one `trialscout run` process.
type worker struct {
	name string
	cmd  *exec.Cmd
	log  string // its standard error: JSON logs at warn
	done chan error
}

// workerArgs are what every worker of a run is started with: the servers,
// the instant the workload was generated for (so that its status can be
// compared with eval at the same instant), and a short ack wait so that
// the messages a killed worker held come back within seconds.
func (r *run) workerArgs() []string {
	return []string{"run", "--nats-url", r.urls, "--http", "off", "--ui", "off", "--log-level", "warn",
		"--as-of", r.asOf.Format(time.RFC3339), "--ack-wait", r.ackWait.String(),
		"--replicas", fmt.Sprint(r.replicas)}
}

// startWorker starts a worker process; the test's cleanup kills whatever
// is still running.
func (r *run) startWorker(name string) *worker {
	r.t.Helper()
	r.starts++
	w := &worker{name: name, log: filepath.Join(r.dir, fmt.Sprintf("%s-%d.log", name, r.starts)), done: make(chan error, 1)}
	logFile, err := os.Create(w.log)
	if err != nil {
		r.t.Fatal(err)
	}
	w.cmd = exec.Command(binary, r.workerArgs()...)
	w.cmd.Dir = r.dir
	w.cmd.Stderr = logFile
	if err := w.cmd.Start(); err != nil {
		logFile.Close()
		r.t.Fatalf("start worker %s: %v", name, err)
	}
	go func() {
		w.done <- w.cmd.Wait()
		logFile.Close()
	}()
	r.t.Cleanup(func() {
		if w.running() {
			w.cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

func (w *worker) running() bool { return w.cmd.ProcessState == nil && w.cmd.Process != nil }

// kill9 ends the worker the way a crash or an OOM kill does: no cleanup,
// messages in hand neither acked nor finished.
func (w *worker) kill9(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %s: %v (it exited early?)\n%s", w.name, err, w.tail())
	}
	err := <-w.done
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("worker %s: want death by SIGKILL, got %v\n%s", w.name, err, w.tail())
	}
}

// stop asks the worker to shut down (SIGTERM) and expects a clean exit.
func (w *worker) stop(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop %s: %v\n%s", w.name, err, w.tail())
	}
	select {
	case err := <-w.done:
		if err != nil {
			t.Errorf("worker %s exited with %v after SIGTERM\n%s", w.name, err, w.tail())
		}
	case <-time.After(30 * time.Second):
		w.cmd.Process.Kill()
		<-w.done
		t.Errorf("worker %s did not stop within 30s of SIGTERM\n%s", w.name, w.tail())
	}
}

// exited reports a worker that ended on its own: a worker must never exit
// because of its input or of a server going away.
func (w *worker) exited() error {
	select {
	case err := <-w.done:
		w.done <- err
		return fmt.Errorf("worker %s exited by itself: %v\n%s", w.name, err, w.tail())
	default:
		return nil
	}
}

// tail is the end of the worker's log, for failure messages.
func (w *worker) tail() string {
	data, _ := os.ReadFile(w.log)
	const keep = 4000
	if len(data) > keep {
		data = data[len(data)-keep:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}
