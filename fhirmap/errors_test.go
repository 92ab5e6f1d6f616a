package fhirmap

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestRejections(t *testing.T) {
	deep := strings.Repeat(`{"resourceType":"Bundle","entry":[{"resource":`, 10) +
		`{"resourceType":"Patient","id":"deep"}` + strings.Repeat(`}]}`, 10)
	tests := []struct {
		name string
		file string // under testdata/, or the name given to data
		data string // used when set
		opts Options
		want error
		in   []string // the message must name these (file, position, ...)
	}{
		{name: "not JSON", file: "not-json.json", want: ErrNotJSON, in: []string{"not-json.json: ", "invalid JSON at byte 2"}},
		{name: "not UTF-8", file: "not-utf8.json", want: ErrNotJSON, in: []string{"not-utf8.json: ", "invalid UTF-8 at byte 60"}},
		{name: "NDJSON line not JSON", file: "mixed.ndjson", want: ErrNotJSON, in: []string{"mixed.ndjson:3: "}},
		{name: "unknown resourceType", file: "unknown-type.json", want: ErrNotFHIR, in: []string{"unknown-type.json: ", `unknown resourceType "Observaton"`}},
		{name: "jsonformat rejects", file: "not-fhir.json", want: ErrNotFHIR, in: []string{"not-fhir.json (Observation/bad-status): ", "code type mismatch", "expected decimal"}},
		{name: "unknown field", file: "mixed.ndjson", want: ErrNotFHIR, in: []string{"mixed.ndjson:7 (Observation/nd-unknown-field): ", "unknown field"}},
		{name: "not an object", file: "array.json", want: ErrNotFHIR, in: []string{"array.json: ", "found an array"}},
		{name: "entry not an object", file: "bad-entries.json", want: ErrNotFHIR, in: []string{"bad-entries.json entry[0]: ", "a number"}},
		{name: "entry without resourceType", file: "bad-entries.json", want: ErrNotFHIR, in: []string{"bad-entries.json entry[4]: ", "no resourceType"}},
		{name: "no subject", file: "references.json", want: ErrNoPatient, in: []string{"references.json entry[21] (Procedure/proc-no-subject): ", "no subject"}},
		{name: "subject a Group", file: "references.json", want: ErrNoPatient, in: []string{"references.json entry[19] (Observation/obs-group): ", "Group/herd, not a Patient"}},
		{name: "subject a contained Patient", file: "references.json", want: ErrNoPatient, in: []string{"entry[18]", "contained Patient"}},
		{name: "subject urn:uuid not in the Bundle", file: "references.json", want: ErrNoPatient, in: []string{"entry[17]", "not a fullUrl in the Bundle"}},
		{name: "subject display only", file: "references.json", want: ErrNoPatient, in: []string{"entry[20]", "only a display"}},
		{name: "no id", file: "no-id.ndjson", want: ErrNoID, in: []string{"no-id.ndjson:4: ", "no id"}},
		{name: "resource too large", file: "values.json", opts: Options{MaxResourceBytes: 600}, want: ErrTooLarge, in: []string{"values.json entry[0] (Observation/quantity-ucum): ", "937 bytes is over the 600 bytes limit"}},
		{name: "document too large", file: "dates.json", opts: Options{MaxDocumentBytes: 1000}, want: ErrTooLarge, in: []string{"dates.json: ", "document"}},
		{name: "Bundles nested too deep", file: "deep.json", data: deep, want: ErrTooLarge, in: []string{"deep.json entry[0].resource.entry[0]", "nested more than 8 deep"}},
		{name: "NDJSON in a .json file", file: "lines.json", data: "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n[1]\n", want: ErrNotFHIR, in: []string{"lines.json:2: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			if tt.data == "" {
				var err error
				if data, err = os.ReadFile("testdata/" + tt.file); err != nil {
					t.Fatal(err)
				}
			}
			results, err := newTestMapper(t, tt.opts).Read(bytes.NewReader(data), tt.file)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !hasRejection(results, tt.want, tt.in) {
				t.Errorf("no rejection wrapping %v naming %q in:\n%s", tt.want, tt.in, renderResults(results))
			}
		})
	}
}

// hasRejection reports whether some result is an *Error wrapping want whose
// message contains every string of in.
func hasRejection(results []Result, want error, in []string) bool {
	for _, r := range results {
		var e *Error
		if !errors.As(r.Err, &e) || !errors.Is(r.Err, want) || e.Pos != r.Pos || e.Ref != r.Ref {
			continue
		}
		ok := true
		for _, s := range in {
			ok = ok && strings.Contains(r.Err.Error(), s)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestPositionString(t *testing.T) {
	tests := []struct {
		pos  Position
		want string
	}{
		{Position{File: "file.ndjson", Line: 12}, "file.ndjson:12"},
		{Position{File: "bundle.json", Entry: "entry[3]"}, "bundle.json entry[3]"},
		{Position{File: "b.ndjson", Line: 2}.entry(1).entry(5), "b.ndjson:2 entry[1].resource.entry[5]"},
		{Position{}, "<input>"},
	}
	for _, tt := range tests {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.pos, got, tt.want)
		}
	}
}
