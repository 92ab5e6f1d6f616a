package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Report is one run's figures. Rates are resources per second.
type Report struct {
	Date     time.Time `json:"date"`
	Machine  Machine   `json:"machine"`
	Workload Workload  `json:"workload"`
	// Parse is ceiling P; ParseErrors the payloads jsonformat refused.
	Parse       Throughput `json:"parse"`
	ParseErrors int        `json:"parse_errors"`
	// Publish and NATS are ceiling N: the backlog published, then drained
	// with fetch and ack only.
	Publish Throughput `json:"nats_publish"`
	NATS    Throughput `json:"nats_drain"`
	// EndToEnd is E: the backlog drained by the worker. E/P can pass 1:
	// P parses every payload in full, the worker only the relevant ones.
	EndToEnd Throughput `json:"end_to_end"`
	// EndToEndInterval is E again, the server syncing every
	// SyncIntervalSeconds instead of every write.
	EndToEndInterval    Throughput `json:"end_to_end_sync_interval"`
	SyncIntervalSeconds float64    `json:"sync_interval_seconds"`
	// Baseline is the earlier report E is compared with, when given.
	Baseline *Baseline `json:"baseline,omitempty"`
	EOverP   float64   `json:"e_over_p"`
	EOverN   float64   `json:"e_over_n"`
	// Irrelevant compares mapping resources no concept matches with
	// parsing them.
	Irrelevant Skip `json:"irrelevant"`
	// Latency is measured at half of E (unless a pace was set), and
	// LatencyFixed at a fixed pace.
	Latency      Latency   `json:"latency"`
	LatencyFixed Latency   `json:"latency_fixed"`
	History      []History `json:"history"`
	// HistoryRatio is the median per-event cost at the largest history
	// over that at the smallest.
	HistoryRatio float64 `json:"history_ratio"`
	// WorkerPeakRSS is the worker process's VmHWM in bytes; 0 when unknown.
	WorkerPeakRSS int64 `json:"worker_peak_rss_bytes"`
	State         State `json:"state"`
	// Eval is `trialscout eval`, against parsing what it reads.
	Eval    Eval     `json:"eval"`
	Targets []Target `json:"targets"`
	Seconds float64  `json:"seconds"`
}

// Eval is `trialscout eval` measured as a child process: its CPU time over a
// set of Bundles, and over the same resources as one NDJSON file, each
// against the CPU time of jsonformat parsing those resources in the bench
// process; and its peak RSS over a generated NDJSON export.
type Eval struct {
	Bundles EvalSet `json:"bundles"`
	NDJSON  EvalSet `json:"ndjson"`
	// SameOutput is whether eval printed the same over both.
	SameOutput bool   `json:"same_output"`
	Export     Export `json:"export"`
}

// EvalSet is eval over one set of files.
type EvalSet struct {
	Dir       string `json:"dir,omitempty"`
	Files     int    `json:"files"`
	Resources int    `json:"resources"`
	Bytes     int64  `json:"bytes"`
	// ParseCPUSeconds is jsonformat parsing every resource, on one
	// goroutine (garbage collection included).
	ParseCPUSeconds float64 `json:"parse_cpu_seconds"`
	// EvalCPUSeconds are eval's runs, user and system time; the median
	// counts.
	EvalCPUSeconds       []float64 `json:"eval_cpu_seconds"`
	MedianEvalCPUSeconds float64   `json:"median_eval_cpu_seconds"`
	// Ratio is the median eval CPU over the parse CPU.
	Ratio   float64 `json:"ratio"`
	PeakRSS int64   `json:"peak_rss_bytes"`
}

// Export is eval over a generated NDJSON export.
type Export struct {
	Patients   int     `json:"patients"`
	Resources  int     `json:"resources"`
	Bytes      int64   `json:"bytes"`
	CPUSeconds float64 `json:"cpu_seconds"`
	Seconds    float64 `json:"seconds"`
	PeakRSS    int64   `json:"peak_rss_bytes"`
}

// Workload describes what was sent. The classes are what the worker's
// mapper makes of each resource.
type Workload struct {
	Resources  int    `json:"resources"`
	Generated  int    `json:"generated"`
	Samples    int    `json:"samples"`
	SamplesDir string `json:"samples_dir,omitempty"`
	Patients   int    `json:"patients"`
	Bytes      int64  `json:"bytes"`
	Relevant   int    `json:"relevant"`
	Irrelevant int    `json:"irrelevant"`
	NotRead    int    `json:"not_read"`
	Rejected   int    `json:"rejected"`
	// RelevantFraction is Relevant / Resources.
	RelevantFraction float64 `json:"relevant_fraction"`
	// Unsplit sample entries could not be cut out; Duplicates repeated a
	// message id. Neither was sent.
	Unsplit    int `json:"unsplit"`
	Duplicates int `json:"duplicates"`
	// Disagree counts generated resources whose relevance the generator and
	// the mapper see differently.
	Disagree int `json:"generator_mapper_disagree"`
}

// Throughput is a number of resources handled in a time.
type Throughput struct {
	Resources int     `json:"resources"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
}

// Skip is the cost of the irrelevant resources: mapped by the worker's
// mapper, and parsed in full by jsonformat.
type Skip struct {
	Resources    int     `json:"resources"`
	MapSeconds   float64 `json:"map_seconds"`
	ParseSeconds float64 `json:"parse_seconds"`
	Ratio        float64 `json:"ratio"`
}

// Latency is from publishing a resource to receiving the status event it
// caused.
type Latency struct {
	// OfferedPerSecond is the pace: half of E unless set.
	OfferedPerSecond float64 `json:"offered_per_second"`
	HalfOfE          bool    `json:"half_of_e"`
	Seconds          float64 `json:"seconds"`
	Published        int     `json:"published"`
	// SettledSeconds is how long after the last publish every message was
	// settled: near zero when the worker keeps up with the pace.
	SettledSeconds float64 `json:"settled_seconds"`
	Events         int     `json:"events"`
	Samples        int     `json:"samples"`
	P50Ms          float64 `json:"p50_ms"`
	P99Ms          float64 `json:"p99_ms"`
}

// History is the median cost of one relevant resource after Prior others
// of the same patient.
type History struct {
	Prior    int     `json:"prior"`
	Probes   int     `json:"probes"`
	MedianMs float64 `json:"median_ms"`
	// StateBytes is the patient's stored record after the prior resources.
	StateBytes int64 `json:"state_bytes"`
}

// State is the worker's stored state after the backlog.
type State struct {
	Patients        int     `json:"patients"`
	Bytes           int64   `json:"bytes"`
	BytesPerPatient float64 `json:"bytes_per_patient"`
}

// Target is a figure the pipeline aims for.
type Target struct {
	Name  string  `json:"name"`
	Want  string  `json:"want"`
	Value float64 `json:"value"`
	Met   bool    `json:"met"`
}

// The targets.
const (
	targetEOverP       = 0.8
	targetSkip         = 0.25
	targetHistoryRatio = 1.2
	targetP99Fixed     = 20 * time.Millisecond  // at 400 resources/s
	targetP99Half      = 100 * time.Millisecond // at half of E
	targetEOverBase    = 2.0
	targetEvalCPU      = 0.25
	targetEvalRSS      = 150e6 // bytes
)

func throughput(n int, d time.Duration) Throughput {
	return Throughput{Resources: n, Seconds: d.Seconds(), PerSecond: perSecond(n, d)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// setTargets checks the figures against the targets.
func (r *Report) setTargets() {
	r.Targets = []Target{
		{Name: "E/P", Want: fmt.Sprintf(">= %.1f", targetEOverP), Value: r.EOverP, Met: r.EOverP >= targetEOverP},
		{Name: "irrelevant map/parse", Want: fmt.Sprintf("< %.2f", targetSkip), Value: r.Irrelevant.Ratio, Met: r.Irrelevant.Ratio < targetSkip},
		{Name: "latency p99 ms", Want: fmt.Sprintf("<= %.0f ms", ms(targetP99Half)), Value: r.Latency.P99Ms,
			Met: r.Latency.Samples > 0 && r.Latency.P99Ms <= ms(targetP99Half)},
		{Name: "latency p99 ms, fixed pace", Want: fmt.Sprintf("<= %.0f ms", ms(targetP99Fixed)), Value: r.LatencyFixed.P99Ms,
			Met: r.LatencyFixed.Samples > 0 && r.LatencyFixed.P99Ms <= ms(targetP99Fixed)},
		{Name: "per-event largest/smallest history", Want: fmt.Sprintf("<= %.1fx", targetHistoryRatio), Value: r.HistoryRatio,
			Met: r.HistoryRatio <= targetHistoryRatio},
		{Name: "eval/parse CPU, Bundles", Want: fmt.Sprintf("<= %.2fx", targetEvalCPU), Value: r.Eval.Bundles.Ratio,
			Met: r.Eval.Bundles.Ratio > 0 && r.Eval.Bundles.Ratio <= targetEvalCPU},
		{Name: "eval/parse CPU, NDJSON", Want: fmt.Sprintf("<= %.2fx", targetEvalCPU), Value: r.Eval.NDJSON.Ratio,
			Met: r.Eval.NDJSON.Ratio > 0 && r.Eval.NDJSON.Ratio <= targetEvalCPU},
		{Name: "eval peak RSS MB, export", Want: fmt.Sprintf("<= %.0f MB", targetEvalRSS/1e6), Value: float64(r.Eval.Export.PeakRSS) / 1e6,
			Met: r.Eval.Export.PeakRSS > 0 && r.Eval.Export.PeakRSS <= targetEvalRSS},
	}
	if b := r.Baseline; b != nil && b.EndToEndPerSecond > 0 {
		x := r.EndToEnd.PerSecond / b.EndToEndPerSecond
		r.Targets = append(r.Targets, Target{Name: "E / baseline E", Want: fmt.Sprintf(">= %.1fx", targetEOverBase), Value: x, Met: x >= targetEOverBase})
	}
}

func (r *Report) target(name string) (Target, bool) {
	for _, t := range r.Targets {
		if t.Name == name {
			return t, true
		}
	}
	return Target{}, false
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the header (date, machine, workload) and one table of
// every figure, with its target where there is one.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	wl := r.Workload
	fmt.Fprintf(&b, "trialscout bench, %s\n", r.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "machine:  %s, %d cores, %s/%s, %s\n", r.Machine.CPU, r.Machine.Cores, r.Machine.GOOS, r.Machine.GOARCH, r.Machine.Go)
	src := fmt.Sprintf("%s generated", group(wl.Generated))
	if wl.SamplesDir != "" {
		src += fmt.Sprintf(" + %s from %s", group(wl.Samples), wl.SamplesDir)
	}
	fmt.Fprintf(&b, "workload: %s resources (%s), %s patients, %.1f MB; relevant %.1f%%, irrelevant %.1f%%, not read %.1f%%, rejected %s\n",
		group(wl.Resources), src, group(wl.Patients), float64(wl.Bytes)/1e6, 100*wl.RelevantFraction,
		pct(wl.Irrelevant, wl.Resources), pct(wl.NotRead, wl.Resources), group(wl.Rejected))
	var notes []string
	for _, n := range []struct {
		count int
		what  string
	}{{wl.Duplicates, "resources repeated under one message id left out"}, {wl.Unsplit, "sample entries that could not be split left out"},
		{r.ParseErrors, "payloads jsonformat refused"}, {wl.Disagree, "generated resources whose relevance the generator and the mapper see differently"}} {
		if n.count > 0 {
			notes = append(notes, fmt.Sprintf("%s %s", group(n.count), n.what))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, "notes:    %s\n", strings.Join(notes, "; "))
	}
	b.WriteString("\n")

	var t table
	verdict := func(name string) string {
		tg, ok := r.target(name)
		if !ok {
			return ""
		}
		v := "MISSED"
		if tg.Met {
			v = "met"
		}
		return fmt.Sprintf("target %s: %s", tg.Want, v)
	}
	t.row("P   parse ceiling (jsonformat, 1 goroutine)", group(int(r.Parse.PerSecond+0.5)), "res/s", "")
	t.row(fmt.Sprintf("N   NATS publish, SyncAlways (%s of them)", group(r.Publish.Resources)), group(int(r.Publish.PerSecond+0.5)), "res/s", "")
	t.row("N   NATS drain (fetch 64, ack)", group(int(r.NATS.PerSecond+0.5)), "res/s", "")
	t.row("E   worker drain (child process), server syncs every write", group(int(r.EndToEnd.PerSecond+0.5)), "res/s", "")
	if b := r.Baseline; b != nil {
		t.row(fmt.Sprintf("    baseline E (%s)", b.Label()), group(int(b.EndToEndPerSecond+0.5)), "res/s", "")
		if tg, ok := r.target("E / baseline E"); ok {
			t.row("    E / baseline E", fmt.Sprintf("%.2f", tg.Value), "x", verdict("E / baseline E"))
		}
	} else {
		t.row("    E / baseline E", "-", "", "target >= 2x: not measured (--baseline REPORT.json)")
	}
	t.row(fmt.Sprintf("E   worker drain, server syncs every %s", time.Duration(r.SyncIntervalSeconds*float64(time.Second))),
		group(int(r.EndToEndInterval.PerSecond+0.5)), "res/s", "")
	t.row("    interval / every write", fmt.Sprintf("%.2f", ratio(r.EndToEndInterval.PerSecond, r.EndToEnd.PerSecond)), "x", "")
	t.row("    E/P", fmt.Sprintf("%.3f", r.EOverP), "", verdict("E/P"))
	t.row("    E/N", fmt.Sprintf("%.3f", r.EOverN), "", "")
	t.row(fmt.Sprintf("    irrelevant resource: map / parse (%s of them)", group(r.Irrelevant.Resources)),
		fmt.Sprintf("%.3f", r.Irrelevant.Ratio), "", verdict("irrelevant map/parse"))
	for _, lt := range []struct {
		l      Latency
		target string
	}{{r.Latency, "latency p99 ms"}, {r.LatencyFixed, "latency p99 ms, fixed pace"}} {
		l := lt.l
		pace := fmt.Sprintf("%.0f res/s", l.OfferedPerSecond)
		if l.HalfOfE {
			pace = "E/2 = " + pace
		}
		t.row(fmt.Sprintf("    publish to event p50 (%s for %.0fs, %s events; all settled %.1fs after)",
			pace, l.Seconds, group(l.Samples), l.SettledSeconds), fmt.Sprintf("%.1f", l.P50Ms), "ms", "")
		t.row(fmt.Sprintf("    publish to event p99 (%s)", pace), fmt.Sprintf("%.1f", l.P99Ms), "ms", verdict(lt.target))
	}
	for _, h := range r.History {
		t.row(fmt.Sprintf("    per event after %s prior resources (median of %d; record %s B)", group(h.Prior), h.Probes, group(int(h.StateBytes))),
			fmt.Sprintf("%.2f", h.MedianMs), "ms", "")
	}
	if n := len(r.History); n >= 2 {
		t.row(fmt.Sprintf("    per event, %s / %s prior", group(r.History[n-1].Prior), group(r.History[0].Prior)),
			fmt.Sprintf("%.2f", r.HistoryRatio), "x", verdict("per-event largest/smallest history"))
	}
	rss := "n/a"
	if r.WorkerPeakRSS > 0 {
		rss = fmt.Sprintf("%.1f", float64(r.WorkerPeakRSS)/(1<<20))
	}
	t.row("    worker peak RSS", rss, "MiB", "")
	t.row(fmt.Sprintf("    stored state per patient (%s patients)", group(r.State.Patients)), group(int(r.State.BytesPerPatient+0.5)), "B", "")
	r.evalRows(&t, verdict)
	t.write(&b)
	fmt.Fprintf(&b, "\ntook %s\n", time.Duration(r.Seconds*float64(time.Second)).Round(time.Second))
	_, err := io.WriteString(w, b.String())
	return err
}

// table lays rows out as name (left), value (right), unit and target.
type table struct{ rows [][4]string }

func (t *table) row(name, value, unit, target string) {
	t.rows = append(t.rows, [4]string{name, value, unit, target})
}

func (t *table) write(b *strings.Builder) {
	var wn, wv, wu int
	for _, r := range t.rows {
		wn, wv, wu = max(wn, len(r[0])), max(wv, len(r[1])), max(wu, len(r[2]))
	}
	for _, r := range t.rows {
		line := fmt.Sprintf("%-*s  %*s %-*s  %s", wn, r[0], wv, r[1], wu, r[2], r[3])
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// group writes n with thousands separators: 12,345.
func group(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// evalRows are the eval figures.
func (r *Report) evalRows(t *table, verdict func(string) string) {
	e := r.Eval
	set := func(what string, s EvalSet, target string) {
		t.row(fmt.Sprintf("V   eval over %s (%s resources, %.1f MB), CPU, median of %d", what, group(s.Resources), float64(s.Bytes)/1e6,
			len(s.EvalCPUSeconds)), fmt.Sprintf("%.2f", s.MedianEvalCPUSeconds), "s", "")
		t.row("    jsonformat parsing the same resources, CPU", fmt.Sprintf("%.2f", s.ParseCPUSeconds), "s", "")
		t.row("    eval / parse", fmt.Sprintf("%.3f", s.Ratio), "x", verdict(target))
	}
	set(fmt.Sprintf("%s Bundles of %s", group(e.Bundles.Files), e.Bundles.Dir), e.Bundles, "eval/parse CPU, Bundles")
	set("the same as one NDJSON file", e.NDJSON, "eval/parse CPU, NDJSON")
	same := "no"
	if e.SameOutput {
		same = "yes"
	}
	t.row("    same output over both", same, "", "")
	x := e.Export
	t.row(fmt.Sprintf("V   eval over a generated export (%s patients, %s resources, %.0f MB), peak RSS", group(x.Patients), group(x.Resources),
		float64(x.Bytes)/1e6), fmt.Sprintf("%.1f", float64(x.PeakRSS)/1e6), "MB", verdict("eval peak RSS MB, export"))
	t.row("    its CPU and wall time", fmt.Sprintf("%.1f / %.1f", x.CPUSeconds, x.Seconds), "s", "")
}
