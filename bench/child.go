package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is the worker running as a process of its own, so that its memory
// is its own.
type child struct {
	proc   *os.Process
	exited chan struct{} // closed when the process has ended
	err    error         // how it ended; read after exited is closed
}

// startChild starts the worker against the server at url. Its standard
// output and error go to log unless the command sets them.
func startChild(ctx context.Context, wc WorkerCommand, url string, asOf time.Time, log io.Writer) (*child, error) {
	cmd := wc(ctx, url, asOf)
	if cmd.Stdout == nil {
		cmd.Stdout = log
	}
	if cmd.Stderr == nil {
		cmd.Stderr = log
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the worker (%s): %w", cmd.Path, err)
	}
	c := &child{proc: cmd.Process, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// peakRSS is the process's peak resident set (VmHWM) in bytes, read from
// /proc; it must be read before the process ends.
func (c *child) peakRSS() (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(c.proc.Pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("worker peak RSS: %w", err)
	}
	defer f.Close()
	return vmHWM(f)
}

// vmHWM reads the VmHWM line ("VmHWM:   123456 kB") of a /proc status file.
func vmHWM(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmHWM %q: %w", rest, err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// stopWithin sends SIGTERM and waits for the worker to finish the message in
// hand and exit; past grace it is killed. A worker that exits 0 on SIGTERM
// returns nil.
func (c *child) stopWithin(ctx context.Context, grace time.Duration) error {
	select {
	case <-c.exited:
		return fmt.Errorf("the worker had already exited: %v", c.err)
	default:
	}
	if err := c.proc.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop the worker: %w", err)
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.exited:
		if c.err != nil {
			return fmt.Errorf("the worker, stopped with SIGTERM: %w", c.err)
		}
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	c.proc.Kill() //nolint:errcheck // it is waited for below either way
	<-c.exited
	return fmt.Errorf("the worker did not stop within %s of SIGTERM; killed", grace)
}

// abandon kills the worker if it still runs: for early returns.
func (c *child) abandon() {
	select {
	case <-c.exited:
	default:
		c.proc.Kill() //nolint:errcheck // waited for below
		<-c.exited
	}
}

// explain adds how the worker ended to an error caused by its exit.
func (c *child) explain(err error) error {
	if errors.Is(err, errWorkerExited) {
		return fmt.Errorf("%w (%v)", err, c.err)
	}
	return err
}
