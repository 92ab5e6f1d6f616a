package streams

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// phiOf collects what must never reach a log at info level: every name,
// birth date and quantity value in the input files.
func phiOf(t *testing.T, files []string) []string {
	t.Helper()
	var phi []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(k, c)
			}
		case []any:
			for _, c := range x {
				walk(key, c)
			}
		case string:
			if key == "birthDate" || key == "family" || key == "text" && strings.Contains(x, "patient") || key == "given" {
				phi = append(phi, x)
			}
		case json.Number:
			if key == "value" && len(x.String()) >= 3 {
				phi = append(phi, x.String())
			}
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			dec := json.NewDecoder(strings.NewReader(line))
			dec.UseNumber()
			var doc any
			if dec.Decode(&doc) == nil {
				walk("", doc)
			}
		}
	}
	return phi
}

// TestNoPHIInLogs replays the sample patients and a malformed resource
// through the worker at info level and finds none of their names, birth
// dates or values in any log entry.
func TestNoPHIInLogs(t *testing.T) {
	e := startNATS(t)
	core, logs := observer.New(zapcore.InfoLevel)
	clk := &clock{t: scenarioAsOf}
	_, stop := e.startWorker(t, Config{}, WithClock(clk.Now), WithLogger(zap.New(core)))
	files := samplePatients(t)
	e.publishFiles(t, files...)
	const badBirth = "1961-02-30"
	if _, err := e.js.Publish(t.Context(), "fhir.r4.Patient", []byte(`{"resourceType":"Patient","id":"x","birthDate":"`+badBirth+`","name":[{"family":"Quixotic"}]}`)); err != nil {
		t.Fatal(err)
	}
	e.drain(t, Config{})
	stop() // the worker has returned: every entry it logs is in the observer
	phi := append(phiOf(t, files), badBirth, "Quixotic")
	if len(phi) < 20 {
		t.Fatalf("only %d PHI strings collected from the inputs: the scan would prove little", len(phi))
	}
	entries := logs.All()
	if len(entries) == 0 {
		t.Fatal("no log entries at info level")
	}
	for _, entry := range entries {
		fields := entry.ContextMap()
		// An event id is a hash in hex: its digits can spell any number.
		delete(fields, "event_id")
		line := entry.Message + " " + fmt.Sprint(fields)
		for _, s := range phi {
			if strings.Contains(line, s) {
				t.Errorf("log entry %q contains %q", line, s)
			}
		}
	}
}
