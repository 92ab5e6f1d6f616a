package streams

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

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

// PartMsgID is a resource's Nats-Msg-Id, with which the input stream drops
// a resend within its duplicate window: Type/id/versionId, or, for a
// resource without meta.versionId, Type/id/sha256:<its content's hash>, so
// that a correction sent without a new version is a new message and only a
// true repeat is dropped. An id too long or odd for a header is hashed.
func PartMsgID(p fhirmap.Part) string {
	version := p.VersionID
	if version == "" {
		sum := sha256.Sum256(p.JSON)
		version = "sha256:" + hex.EncodeToString(sum[:16])
	}
	id := p.Type + "/" + p.ID + "/" + version
	if len(id) > maxMsgID || headerValue(id, maxMsgID) != id || strings.ContainsRune(id, ' ') {
		sum := sha256.Sum256([]byte(id))
		return "sha256:" + hex.EncodeToString(sum[:16])
	}
	return id
}

// maxMsgID bounds a Nats-Msg-Id written by PublishPart.
const maxMsgID = 256

// ErrNotPublishable: a resource whose type cannot name a subject.
var ErrNotPublishable = errors.New("resource type cannot be a subject token")

// PublishPart sends one resource to fhir.r4.<Type>, with its source (the
// part's Pos.Source) in the Trialscout-Source header. duplicate is true when
// the stream already held a message with the same id (PartMsgID) within
// its duplicate window and dropped this one.
func PublishPart(ctx context.Context, js jetstream.JetStream, p fhirmap.Part) (duplicate bool, err error) {
	if !subjectTokens(p.Type, 64) || strings.Contains(p.Type, ".") {
		return false, fmt.Errorf("%s: %w: %q", p.Pos, ErrNotPublishable, bounded(p.Type, 80))
	}
	m := nats.NewMsg(InputSubject(p.Type))
	m.Data = p.JSON
	if p.Pos.Source != "" {
		m.Header.Set(SourceHeader, p.Pos.Source)
	}
	ack, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(PartMsgID(p)))
	if err != nil {
		return false, fmt.Errorf("%s (%s/%s): %w", p.Pos, p.Type, bounded(p.ID, 80), err)
	}
	return ack.Duplicate, nil
}
