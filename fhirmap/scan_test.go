package fhirmap

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// scanCases are documents the scan must judge as encoding/json does: the
// awkward corners of JSON and of decoding into the header.
var scanCases = []string{
	``, ` `, `{}`, ` {} `, `{"resourceType":"Patient","id":"a"}`, "{\n \"resourceType\" : \"Patient\" ,\n \"id\" : \"a\"\n}\n",
	`[]`, `[{}]`, `"x"`, `1`, `-0.5e+3`, `true`, `null`, `nul`, `{} x`, `{}{}`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`,
	`{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":1e}`, `{"a":.5}`, `{"a":1E+2}`, `{"a":-0}`, `{"a":[1,]}`, `{"a":[,1]}`,
	`{"a":"\u00e9\n\"\\\/\b\f\r\t"}`, `{"a":"\u12"}`, `{"a":"\x"}`, "{\"a\":\"tab\there\"}", "{\"a\":\"\x01\"}",
	"{\"a\":\"\xff\"}", "{\"\xff\":1}", "{\"a\":\"\xe2\x82\"}", `{"a":"€ ü 𝄞"}`, "\xef\xbb\xbf{}", "{\"a\":1}\x00",
	`{"a":tru}`, `{"a":true,"b":false,"c":null}`, `{"a":{"b":[{"c":[]}]}}`,
	// Header fields: wrong types, case folding, escapes, repeats.
	`{"resourceType":1,"id":{"x":1},"meta":[],"code":"x"}`, `{"ResourceType":"Patient","ID":"a"}`,
	`{"RESOURCETYPE":"Patient","resourceType":"Observation"}`, `{"resourceType":"Patient","RESOURCETYPE":"Observation"}`,
	`{"reſourceType":"Patient"}`, `{"\u212Ad":1}`, `{"resource\u0054ype":"Patient"}`, `{"status":"a","status":"b"}`,
	`{"code":{"coding":[]},"Code":null}`, `{"effectivePeriod":{"start":"2020"},"EFFECTIVEPERIOD":null}`,
	// Entries.
	`{"resourceType":"Bundle","entry":null}`, `{"resourceType":"Bundle","entry":[]}`, `{"resourceType":"Bundle","entry":{}}`,
	`{"resourceType":"Bundle","entry":"x"}`, `{"resourceType":"Bundle","entry":[null]}`, `{"resourceType":"Bundle","entry":[1]}`,
	`{"resourceType":"Bundle","entry":[[]]}`, `{"resourceType":"Bundle","entry":[{},null,{"resource":null}]}`,
	`{"resourceType":"Bundle","entry":[{"resource":[]}]}`, `{"resourceType":"Bundle","entry":[{"resource":"x","fullUrl":3}]}`,
	`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"a"},"fullUrl":"urn:uuid:1"}]}`,
	`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"},"resource":{"resourceType":"Condition"}}]}`,
	`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"},"resource":7}]}`,
	`{"resourceType":"Bundle","entry":[{"RESOURCE":{"resourceType":"Patient"},"FullURL":"x"}]}`,
	`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}],"entry":[{}]}`,
	`{"resourceType":"Bundle","Entry":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{"id":"x"}},5]}}]}`,
	`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{"id":"x"}}]}}],"entry2":1}`,
	`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","status":"x"}},{"resource":{"resourceType":"Patient"`,
	`{"resourceType":"Bundle","entry":[{"re\u0073ource":{"resourceType":"Patient"}}]}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`, `{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
}

// checkScan holds the scan of one document to what peek and json.Valid
// make of it.
func checkScan(t *testing.T, data []byte) {
	t.Helper()
	valid := json.Valid(data)
	if got := validJSON(data); got != valid {
		t.Fatalf("%.80q: validJSON %v, json.Valid %v", data, got, valid)
	}
	h, st := scanHeader(data)
	ph, perr := peek(data)
	switch st {
	case invalid:
		if valid && utf8.Valid(data) {
			t.Fatalf("%.80q: scanned as invalid, but it is UTF-8 JSON", data)
		}
		if perr == nil {
			t.Fatalf("%.80q: scanned as invalid, but peek reads it", data)
		}
	case validOnly:
		if !valid {
			t.Fatalf("%.80q: scanned as valid, json.Valid disagrees", data)
		}
	case scanned:
		if !valid || perr != nil {
			t.Fatalf("%.80q: scanned, but json.Valid %v, peek: %v", data, valid, perr)
		}
		compareHeaders(t, string(data), h, ph)
	}
}

// compareHeaders compares a scanned header with peek's, and the headers
// the scan read of the entries with what peek reads of each.
func compareHeaders(t *testing.T, where string, scanned, peeked header) {
	t.Helper()
	if len(scanned.Entry) != len(peeked.Entry) || (scanned.Entry == nil) != (peeked.Entry == nil) {
		t.Fatalf("%.80q: entries %d (nil %v), peek %d (nil %v)", where, len(scanned.Entry), scanned.Entry == nil,
			len(peeked.Entry), peeked.Entry == nil)
	}
	for i, e := range scanned.Entry {
		if e.hdr == nil {
			continue
		}
		ph, err := peek(e.Resource)
		if err != nil {
			t.Fatalf("%.80q: entry %d scanned, but peek: %v", where, i, err)
		}
		compareHeaders(t, where, *e.hdr, ph)
	}
	strip := func(h header) header {
		h.Entry = append([]rawEntry(nil), h.Entry...)
		for i := range h.Entry {
			h.Entry[i].hdr = nil
		}
		if h.Entry == nil && scanned.Entry != nil {
			h.Entry = []rawEntry{}
		}
		return h
	}
	if s, p := strip(scanned), strip(peeked); !reflect.DeepEqual(s, p) {
		t.Fatalf("%.80q: header differs from peek's:\nscan %+v\npeek %+v", where, s, p)
	}
}

func TestScanMatchesPeek(t *testing.T) {
	for _, c := range scanCases {
		checkScan(t, []byte(c))
	}
	for _, f := range testdataInputs(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkScan(t, data)
	}
}

// TestScanMatchesPeekOnSamples scans every public sample file, whole and
// line by line.
func TestScanMatchesPeekOnSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100 MB")
	}
	root := requireShared(t, "fhir-samples")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".ndjson")) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".ndjson") {
			for _, l := range strings.Split(string(data), "\n") {
				checkScan(t, []byte(l))
			}
			return nil
		}
		if _, st := scanHeader(trimBOM(data)); st != scanned {
			t.Errorf("%s: scan status %d, want the header read", p, st)
		}
		checkScan(t, trimBOM(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func FuzzScan(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	for _, file := range testdataInputs(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkScan(t, data) })
}

// liteCases are field values the skim decodes.
var liteCases = []string{
	`null`, `"x"`, `""`, `"a\"b"`, `"\u00e9"`, `1`, `true`, `[]`, `{}`, `[null]`, `[1]`, `{"x":1}`,
	`{"coding":[{"system":"s","code":"c","display":"d","userSelected":true}],"text":"t"}`,
	`{"coding":[],"text":null}`, `{"coding":null}`, `{"coding":[null,{}]}`, `{"coding":{}}`, `{"coding":[1]}`,
	`{"coding":[{"code":1}]}`, `{"coding":[{"code":null}]}`, `{"text":["x"]}`, `{"Text":"t"}`, `{"text":"a","text":"b"}`,
	`{"coding":[{"code":"a"}],"coding":[{"system":"s"}]}`, `{"te\u0078t":"t"}`, `{"codinG":[{"CODE":"x"}]}`,
	`{"coding":[{"code":"a","code":"b"}]}`, `{"coding":[{"code":"a\nb"}]}`, `{"ſystem":"s"}`,
	`[{"code":{"coding":[{"code":"x"}]}},null,{}]`, `[{"code":null}]`, `[{"code":1}]`, `[{"Code":{}}]`, `[[]]`,
	`{"start":"2020","end":null}`, `{"start":1,"end":{"a":[]}}`, `{"START":"x"}`, `{"start":"a","start":"b"}`,
	`{"reference":"Patient/1"}`, `{"reference":null}`, `{"reference":1}`, `{"Reference":"x"}`, `{"reference":"a\/b"}`,
	`{"versionId":"1","lastUpdated":"2020-01-01T00:00:00Z"}`, `{"versionId":1}`, `{"lastUpdated":{}}`, `{"VersionId":"2"}`,
}

// liteTargets makes a fresh value of each type the skim decodes into.
var liteTargets = []func() any{
	func() any { return new(string) }, func() any { return new(concept) }, func() any { return new([]component) },
	func() any { return new(period) }, func() any { return new(reference) }, func() any { return new(metaFields) },
	func() any { return new(facts.Coding) }, // not a lite type: encoding/json itself
}

func checkLite(t *testing.T, raw []byte) {
	t.Helper()
	if !json.Valid(raw) || !utf8.Valid(raw) {
		return
	}
	for _, target := range liteTargets {
		got, want := target(), target()
		gotOK := liteDecode(raw, got)
		wantOK := json.Unmarshal(raw, want) == nil
		if gotOK != wantOK || (gotOK && !reflect.DeepEqual(got, want)) {
			t.Fatalf("%q into %T: lite %v %+v, encoding/json %v %+v", raw, got, gotOK, got, wantOK, want)
		}
	}
}

func TestLiteDecodeMatchesUnmarshal(t *testing.T) {
	for _, c := range liteCases {
		checkLite(t, []byte(c))
	}
}

func FuzzLiteDecode(f *testing.F) {
	for _, c := range liteCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkLite(t, raw) })
}

// benchmarkDocument is a Synthea patient Bundle when the shared samples are
// there (pretty-printed, 0.1 to 3 MB), else the largest testdata input.
func benchmarkDocument(b *testing.B) []byte {
	b.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedDir, "fhir-samples", "synthea-r4-smart-generated-sample-data", "A*.json"))
	if len(files) == 0 {
		files = testdataInputs(b)
	}
	var best []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if len(data) > len(best) {
			best = data
		}
	}
	return best
}

// BenchmarkScan is the one pass over a Bundle that reads every entry's
// header; BenchmarkValid is json.Valid over the same bytes, for scale.
func BenchmarkScan(b *testing.B) {
	data := benchmarkDocument(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, st := scanHeader(data); st != scanned {
			b.Fatal(st)
		}
	}
}

func BenchmarkValid(b *testing.B) {
	data := benchmarkDocument(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if !json.Valid(data) {
			b.Fatal("invalid")
		}
	}
}
