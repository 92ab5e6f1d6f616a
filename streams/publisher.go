package streams

import (
	"bufio"
	"bytes"
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/fhirmap"
)

// InputSubject is where a resource of a type is published.
func InputSubject(resourceType string) string { return "fhir.r4." + resourceType }

// SplitFile cuts a file (one resource, a Bundle, or NDJSON) into single
// resources, Bundle-internal references rewritten (see fhirmap.Split).
func SplitFile(data []byte, name string) ([]fhirmap.Part, []error) {
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("{")) && !isNDJSON(trimmed) {
		return fhirmap.Split(trimmed, fhirmap.Position{File: name})
	}
	var parts []fhirmap.Part
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		l := bytes.TrimSpace(sc.Bytes())
		if len(l) == 0 {
			continue
		}
		p, e := fhirmap.Split(l, fhirmap.Position{File: name, Line: line})
		parts, errs = append(parts, p...), append(errs, e...)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	return parts, errs
}

// isNDJSON: more than one JSON value, one per line.
func isNDJSON(data []byte) bool {
	first, rest, found := bytes.Cut(data, []byte("\n"))
	return found && bytes.HasSuffix(bytes.TrimSpace(first), []byte("}")) && bytes.HasPrefix(bytes.TrimSpace(rest), []byte("{"))
}

// PartMsgID is a resource's Nats-Msg-Id: Type/id/versionId, so that the
// input stream drops a resend of the same version.
func PartMsgID(p fhirmap.Part) string {
	return p.Type + "/" + p.ID + "/" + p.VersionID
}

// PublishPart sends one resource to fhir.r4.<Type>.
func PublishPart(ctx context.Context, js jetstream.JetStream, p fhirmap.Part) error {
	m := nats.NewMsg(InputSubject(p.Type))
	m.Data = p.JSON
	if _, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(PartMsgID(p))); err != nil {
		return fmt.Errorf("%s (%s/%s): %w", p.Pos, p.Type, p.ID, err)
	}
	return nil
}
