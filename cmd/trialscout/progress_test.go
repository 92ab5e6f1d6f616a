package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/trialscout/trialscout/engine"
)

func TestProgressLine(t *testing.T) {
	pr := &progress{files: 3, total: 200e6}
	pr.run.Inputs.Store(1)
	pr.run.Resources.Store(12345)
	pr.read.Store(50e6)
	got := pr.line(10 * time.Second)
	want := "eval: [#####---------------]  25%  1/3 files  50.0 MB of 200.0 MB  12,345 resources  1,234/s  30s left"
	if got != want {
		t.Errorf("line:\n got %q\nwant %q", got, want)
	}
	pr.total = 0 // standard input: no total
	if got, want := pr.line(10*time.Second), "eval: 1/3 files  50.0 MB  12,345 resources  1,234/s"; got != want {
		t.Errorf("line without a total:\n got %q\nwant %q", got, want)
	}
	pr.run.Patients.Store(1500)
	pr.run.Evaluated.Store(20)
	if got, want := pr.line(10*time.Second), "eval: 12,345 resources read; evaluating patients 20/1,500"; got != want {
		t.Errorf("line when evaluating:\n got %q\nwant %q", got, want)
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestNoProgressOffTerminal: on anything but a terminal, eval writes no
// progress, however long it takes.
func TestNoProgressOffTerminal(t *testing.T) {
	defer func(d, tick time.Duration) { progressDelay, progressTick = d, tick }(progressDelay, progressTick)
	progressDelay, progressTick = 0, time.Millisecond
	if pr := newProgress(&bytes.Buffer{}, []engine.Input{{Name: "x", R: strings.NewReader("")}}); pr != nil {
		t.Fatal("progress on a buffer")
	}
	dir := t.TempDir()
	a := writeFile(t, dir, "a.json", patientA)
	code, _, stderr := runCLI(t, "", "eval", "--as-of", "2026-11-01", a)
	if code != 0 || stderr != "" {
		t.Errorf("exit %d, standard error %q; want 0 and nothing", code, stderr)
	}
}
