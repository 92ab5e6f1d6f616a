package workload

import (
	"bufio"
	"io"
)

// Resource is one generated FHIR R4 resource, as the feed sends it.
type Resource struct {
	Patient  string // "Patient/<id>"
	Type     string // resourceType, e.g. "Observation"
	Ref      string // "<Type>/<id>"
	Relevant bool   // its code is one a shipped trial reads (the mapper turns it into a fact)
	JSON     []byte // one FHIR R4 resource, compact JSON
}

// Subject is the NATS subject trialscout reads the resource from:
// "fhir.r4.<Type>".
func (r Resource) Subject() string { return "fhir.r4." + r.Type }

// WriteNDJSON writes the resources as NDJSON, one resource per line, in
// order.
func WriteNDJSON(w io.Writer, rs []Resource) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, r := range rs {
		if _, err := bw.Write(r.JSON); err != nil {
			return err
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}
