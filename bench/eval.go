package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"

	"github.com/trialscout/trialscout/streams"
	"github.com/trialscout/trialscout/workload"
)

// EvalCommand returns the command that runs `trialscout eval --as-of DATE
// FILE...` (its clock fixed at asOf); Run reads its CPU time and peak memory
// when it ends.
type EvalCommand func(ctx context.Context, asOf time.Time, files []string) *exec.Cmd

// The eval measurements, run first, while the bench process holds little:
//
//   - eval over a set of FHIR Bundles (the Synthea sample patients), as a
//     child process, against jsonformat parsing every resource of the set
//     in this process: both in CPU time, the parse's garbage collection
//     included, as eval's is;
//   - the same resources as one NDJSON file (split as `trialscout publish`
//     splits them, so that eval's output is the same), likewise;
//   - eval's peak RSS over a generated NDJSON export.

// evalPass is the eval measurements.
type evalPass struct {
	bundles, ndjson evalSet
	sameOutput      bool
	export          exportPass
}

// evalSet is eval over one set of files against parsing its resources.
type evalSet struct {
	files     int
	resources int
	bytes     int64
	parseCPU  time.Duration
	evalCPU   []time.Duration // per run
	peakRSS   int64
	output    [sha256.Size]byte
}

func (s evalSet) medianEvalCPU() time.Duration { return median(s.evalCPU) }

// exportPass is eval over a generated export.
type exportPass struct {
	patients, resources int
	bytes               int64
	cpu, wall           time.Duration
	peakRSS             int64
}

// measureEval runs the eval measurements.
func measureEval(ctx context.Context, cfg Config, tmp string) (evalPass, error) {
	var ep evalPass
	files, err := bundleFiles(cfg.BundlesDir)
	if err != nil {
		return ep, err
	}
	progress(cfg, "eval: %d Bundle files of %s, parse and eval %d times", len(files), cfg.BundlesDir, cfg.EvalRuns)
	resources, err := bundleResources(files)
	if err != nil {
		return ep, err
	}
	if ep.bundles, err = measureEvalSet(ctx, cfg, files, resources); err != nil {
		return ep, err
	}
	nd := filepath.Join(tmp, "bundles.ndjson")
	lines, err := writeSplit(files, nd)
	if err != nil {
		return ep, err
	}
	progress(cfg, "eval: the same %d resources as NDJSON", len(lines))
	if ep.ndjson, err = measureEvalSet(ctx, cfg, []string{nd}, lines); err != nil {
		return ep, err
	}
	ep.sameOutput = ep.bundles.output == ep.ndjson.output
	os.Remove(nd)
	ep.export, err = measureExport(ctx, cfg, filepath.Join(tmp, "export.ndjson"))
	return ep, err
}

// measureEvalSet parses the resources once and runs eval over the files
// cfg.EvalRuns times.
func measureEvalSet(ctx context.Context, cfg Config, files []string, resources [][]byte) (evalSet, error) {
	s := evalSet{files: len(files), resources: len(resources)}
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			s.bytes += st.Size()
		}
	}
	var err error
	if s.parseCPU, err = parseCPU(ctx, resources); err != nil {
		return s, err
	}
	for range cfg.EvalRuns {
		r, err := runEval(ctx, cfg, files)
		if err != nil {
			return s, err
		}
		s.evalCPU = append(s.evalCPU, r.cpu)
		s.peakRSS, s.output = max(s.peakRSS, r.peakRSS), r.output
	}
	return s, nil
}

// parseCPU is the CPU time this process spends parsing every resource with
// jsonformat, as the mapper parses them, on one goroutine.
func parseCPU(ctx context.Context, resources [][]byte) (time.Duration, error) {
	um, err := jsonformat.NewUnmarshallerWithoutValidation("UTC", fhirversion.R4)
	if err != nil {
		return 0, fmt.Errorf("eval: parse: %w", err)
	}
	runtime.GC()
	start := processCPU()
	for i, r := range resources {
		if i%1024 == 0 && ctx.Err() != nil {
			return 0, fmt.Errorf("eval: parse: %w", ctx.Err())
		}
		_, _ = um.UnmarshalR4(r) // refusals cost what they cost: the count is P's
	}
	return processCPU() - start, nil
}

// processCPU is this process's CPU time so far, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// evalRun is one eval process.
type evalRun struct {
	cpu, wall time.Duration
	peakRSS   int64
	output    [sha256.Size]byte
}

// runEval runs eval over files and reads its CPU time from the kernel's
// accounting when it exits, and its peak RSS from /proc while it runs.
// (The accounting's peak RSS will not do: the child is cloned sharing this
// process's memory, and its peak counts this process's until it execs.)
// Exit status 1 (some input rejected) is fine: the samples hold resources
// about no one.
func runEval(ctx context.Context, cfg Config, files []string) (evalRun, error) {
	cmd := cfg.Eval(ctx, cfg.Workload.AsOf, files)
	h := sha256.New()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = h, &limitedBuffer{b: &stderr, max: 4096}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return evalRun{}, fmt.Errorf("eval: %w", err)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	err := cmd.Wait()
	r := evalRun{wall: time.Since(start), peakRSS: peak()}
	if ee, ok := err.(*exec.ExitError); !(err == nil || ok && ee.ExitCode() == 1) {
		return r, fmt.Errorf("eval %s: %v: %s", strings.Join(abbreviate(files), " "), err, stderr.String())
	}
	copy(r.output[:], h.Sum(nil))
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return r, nil
}

// watchPeakRSS reads a process's VmHWM every few milliseconds until the
// returned function is called (once the process has ended), which returns
// the last value read: the peak, but for the last moments.
func watchPeakRSS(pid int) func() int64 {
	var peak atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if f, err := os.Open(path); err == nil {
				if n, err := vmHWM(f); err == nil {
					peak.Store(max(peak.Load(), n))
				}
				f.Close()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

// abbreviate names the first files of a long list, for messages.
func abbreviate(files []string) []string {
	if len(files) <= 3 {
		return files
	}
	return append(slices.Clip(files[:3]), fmt.Sprintf("(and %d more)", len(files)-3))
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// bundleFiles lists the .json files under dir, expected evaluations left
// out, sorted.
func bundleFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") && !strings.HasSuffix(path, ".expected.json") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("eval: no .json files under %s", dir)
	}
	return files, nil
}

// bundleResources cuts every resource out of the files as it stands in
// them: each entry's resource of a Bundle (nested Bundles too), or the
// document itself.
func bundleResources(files []string) ([][]byte, error) {
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		if out, err = appendResources(out, data); err != nil {
			return nil, fmt.Errorf("eval: %s: %w", f, err)
		}
	}
	return out, nil
}

func appendResources(out [][]byte, data []byte) ([][]byte, error) {
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, err
	}
	if b.ResourceType != "Bundle" {
		return append(out, data), nil
	}
	for _, e := range b.Entry {
		if len(e.Resource) == 0 {
			continue
		}
		var err error
		if out, err = appendResources(out, e.Resource); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// writeSplit writes the resources of the files to one NDJSON file, split
// as the publisher splits them (references within a Bundle rewritten), and
// returns its lines.
func writeSplit(files []string, path string) ([][]byte, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	var lines [][]byte
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		parts, _ := streams.SplitFile(data, name)
		for _, p := range parts {
			lines = append(lines, p.JSON)
			w.Write(p.JSON)
			w.WriteByte('\n')
		}
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	return lines, f.Close()
}

// measureExport generates an export of cfg.ExportPatients patients with
// long histories, about cfg.ExportBytes of NDJSON, and runs eval over it.
func measureExport(ctx context.Context, cfg Config, path string) (exportPass, error) {
	ex := exportPass{patients: cfg.ExportPatients}
	perPatient, err := historyLength(cfg)
	if err != nil {
		return ex, err
	}
	progress(cfg, "eval: generating an export of %d patients with %d resources each", cfg.ExportPatients, perPatient)
	ex.resources, ex.bytes, err = writeExport(cfg, perPatient, path)
	debug.FreeOSMemory() // the generated resources are gone: give their memory back
	if err != nil {
		return ex, err
	}
	defer os.Remove(path)
	progress(cfg, "eval: peak memory over the export (%.0f MB)", float64(ex.bytes)/1e6)
	r, err := runEval(ctx, cfg, []string{path})
	if err != nil {
		return ex, err
	}
	ex.cpu, ex.wall, ex.peakRSS = r.cpu, r.wall, r.peakRSS
	return ex, nil
}

// historyLength is how many resources each patient needs for the export
// to come to about cfg.ExportBytes, from a small sample's bytes per
// resource.
func historyLength(cfg Config) (int, error) {
	const sampleLen = 300
	rs, err := workload.Generate(workload.Config{Patients: 10, LongHistory: 10, LongHistoryLen: sampleLen,
		Seed: cfg.Workload.Seed, AsOf: cfg.Workload.AsOf})
	if err != nil {
		return 0, fmt.Errorf("eval: export: %w", err)
	}
	var size int64
	for _, r := range rs {
		size += int64(len(r.JSON) + 1)
	}
	per := float64(cfg.ExportBytes) / (float64(size) / float64(len(rs))) / float64(cfg.ExportPatients)
	return max(2, int(per+0.5)), nil
}

// writeExport generates the export and writes it.
func writeExport(cfg Config, perPatient int, path string) (int, int64, error) {
	rs, err := workload.Generate(workload.Config{Patients: cfg.ExportPatients, LongHistory: cfg.ExportPatients,
		LongHistoryLen: perPatient, Seed: cfg.Workload.Seed, AsOf: cfg.Workload.AsOf})
	if err != nil {
		return 0, 0, fmt.Errorf("eval: export: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, fmt.Errorf("eval: export: %w", err)
	}
	defer f.Close()
	if err := workload.WriteNDJSON(f, rs); err != nil {
		return 0, 0, fmt.Errorf("eval: export: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("eval: export: %w", err)
	}
	return len(rs), st.Size(), f.Close()
}

// median of durations; 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}
