package fhirmap

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

const (
	patientA = `{"resourceType":"Patient","id":"a"}`
	patientB = `{"resourceType":"Patient","id":"b"}`
)

func TestReadFormats(t *testing.T) {
	tests := []struct {
		name, file, data string
		want             []string // Pos.String() of each result, then ":" and its outcome
	}{
		{"one-line document", "p.json", patientA + "\n", []string{"p.json:fact"}},
		{"pretty document", "p.json", "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"a\"\n}\n", []string{"p.json:fact"}},
		{"byte order mark", "p.json", "\xef\xbb\xbf" + patientA, []string{"p.json:fact"}},
		{"NDJSON by content", "export.json", patientA + "\n" + patientB + "\n", []string{"export.json:1:fact", "export.json:2:fact"}},
		{"NDJSON by name, one line", "one.ndjson", patientA, []string{"one.ndjson:1:fact"}},
		{"NDJSON with CRLF and blank lines", "crlf.ndjson", "\r\n" + patientA + "\r\n\r\n" + patientB + "\r\n", []string{"crlf.ndjson:2:fact", "crlf.ndjson:4:fact"}},
		{"NDJSON with a bad first line", "bad.json", "{oops\n" + patientA + "\n", []string{"bad.json:1:rejected", "bad.json:2:fact"}},
		{"NDJSON with a bad first line after a blank one", "bad.json", "\n{oops\n" + patientA + "\n", []string{"bad.json:2:rejected", "bad.json:3:fact"}},
		{"broken pretty document", "broken.json", "{\n  \"resourceType\": \"Patient\",\n", []string{"broken.json:rejected"}},
		{"JSON Lines name", "x.jsonl", patientA + "\n" + patientB, []string{"x.jsonl:1:fact", "x.jsonl:2:fact"}},
	}
	m := newTestMapper(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results, err := m.Read(strings.NewReader(tt.data), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range results {
				got = append(got, r.Pos.String()+":"+outcome(r))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadLongLine(t *testing.T) {
	m := newTestMapper(t, Options{MaxDocumentBytes: 100})
	long := `{"resourceType":"Patient","id":"` + strings.Repeat("x", 200) + `"}`
	data := patientA + "\n" + long + "\n" + patientB + "\n"
	results, err := m.Read(strings.NewReader(data), "long.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 || outcome(results[0]) != "fact" || outcome(results[2]) != "fact" ||
		!errors.Is(results[1].Err, ErrTooLarge) || !strings.Contains(results[1].Err.Error(), "line of more than") ||
		results[1].Pos.Line != 2 || results[2].Pos.Line != 3 {
		t.Errorf("want line 2 rejected as too large and lines 1, 3 read; got:\n%s", renderResults(results))
	}
}

// TestReadLineOverBuffer reads an NDJSON line longer than the read buffer.
func TestReadLineOverBuffer(t *testing.T) {
	big := `{"resourceType":"Patient","id":"big","name":[{"text":"` + strings.Repeat("n", 200<<10) + `"}]}`
	results, err := newTestMapper(t, Options{}).Read(strings.NewReader(patientA+"\n"+big+"\n"+patientB), "big.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 || results[1].Ref != "Patient/big" || outcome(results[1]) != "fact" || results[2].Pos.Line != 3 {
		t.Errorf("got:\n%s", renderResults(results))
	}
}

func TestReadNothing(t *testing.T) {
	m := newTestMapper(t, Options{})
	for _, data := range []string{"", " \n\r\n\t"} {
		results, err := m.Read(strings.NewReader(data), "empty.json")
		if !errors.Is(err, ErrNotJSON) || len(results) != 0 || !strings.Contains(err.Error(), "empty.json") {
			t.Errorf("%q: results %v, err %v; want no results and ErrNotJSON naming the file", data, results, err)
		}
	}
	boom := errors.New("disk on fire")
	_, err := m.Read(io.MultiReader(strings.NewReader("{"), errReader{boom}), "fail.json")
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "fail.json") {
		t.Errorf("read failure: err %v, want it wrapped with the file name", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestNew(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil vocabulary) succeeded")
	}
	if _, err := New(testVocabulary(t), Options{MaxResourceBytes: -1}); err == nil {
		t.Error("New with a negative limit succeeded")
	}
}

// TestConcurrentUse maps the same inputs from many goroutines (run with
// -race) and expects what one goroutine gets.
func TestConcurrentUse(t *testing.T) {
	m := newTestMapper(t, Options{})
	files := testdataInputs(t)
	want := map[string]string{}
	data := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data[f] = b
		want[f] = string(renderResults(m.Map(b, Position{File: f})))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(files))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, f := range files {
				if got := string(renderResults(m.Map(data[f], Position{File: f}))); got != want[f] {
					errs <- fmt.Errorf("%s: concurrent result differs", f)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestEveryResultHasOneOutcome checks the Result contract on every input.
func TestEveryResultHasOneOutcome(t *testing.T) {
	m := newTestMapper(t, Options{})
	for _, f := range testdataInputs(t) {
		for _, r := range readFile(t, m, f) {
			var e *Error
			if outcome(r) == "invalid" || (r.Err != nil && !errors.As(r.Err, &e)) {
				t.Errorf("%s: %+v: want exactly one of Fact, Ignored, Err (an *Error)", r.Pos, r)
			}
			if r.Fact != nil && (r.Fact.Meta().Ref != r.Ref || !isPatientRef(r.Fact.Patient)) {
				t.Errorf("%s: fact ref %q patient %q, result ref %q", r.Pos, r.Fact.Meta().Ref, r.Fact.Patient, r.Ref)
			}
		}
	}
}
