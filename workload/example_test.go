package workload_test

import (
	"bytes"
	"fmt"

	"github.com/trialscout/trialscout/workload"
)

// A stream of 50 patients (one of them with a long history), written as
// NDJSON, ready for `trialscout eval` or for publishing resource by
// resource on each Resource's Subject.
func ExampleGenerate() {
	rs, err := workload.Generate(workload.Config{Patients: 50, Seed: 1, LongHistoryLen: 200})
	if err != nil {
		fmt.Println(err)
		return
	}
	firsts := map[string]string{}
	for _, r := range rs {
		if _, seen := firsts[r.Patient]; !seen {
			firsts[r.Patient] = r.Ref
		}
	}
	fmt.Println(len(firsts), "patients; the first resource of Patient/wl-000007 is", firsts["Patient/wl-000007"])
	fmt.Println("the stream opens with a", rs[0].Type, "on", rs[0].Subject())

	var buf bytes.Buffer
	if err := workload.WriteNDJSON(&buf, rs); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bytes.Count(buf.Bytes(), []byte("\n")) == len(rs))
	// Output:
	// 50 patients; the first resource of Patient/wl-000007 is Patient/wl-000007
	// the stream opens with a Patient on fhir.r4.Patient
	// true
}
