package fhirmap

import (
	"errors"
	"fmt"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Defaults for Options.
const (
	DefaultMaxResourceBytes = 1 << 20
	DefaultMaxDocumentBytes = 256 << 20
)

const (
	// maxNestingDepth bounds how deep jsonformat follows a resource's fields;
	// real resources stay far below it, and it keeps hostile input cheap.
	maxNestingDepth = 64
	// maxBundleDepth bounds Bundles nested in Bundles: each level is split
	// again, so unbounded nesting would cost quadratic time.
	maxBundleDepth = 8
)

// Options tune a Mapper. The zero value gives the defaults.
type Options struct {
	// MaxResourceBytes bounds one resource of a type trialscout reads (a
	// document, an NDJSON line or a Bundle entry); larger ones are rejected
	// with ErrTooLarge before parsing. Default 1 MiB.
	MaxResourceBytes int
	// MaxDocumentBytes bounds one JSON document, Bundles and all (an NDJSON
	// line is a document). Default 256 MiB.
	MaxDocumentBytes int
	// Sources maps FHIR server base URLs to the source they belong to: a
	// base to "" is the local source (whose resources are named "Type/id"),
	// two bases to one base are one source. Bases not listed are sources
	// of their own. See source.go.
	Sources map[string]string
}

// Mapper reads FHIR R4 JSON into facts. It is safe for concurrent use: its
// only mutable state is a cache of which texts name a concept.
type Mapper struct {
	// vocab holds the concepts of every loaded trial, each under its own
	// trial: it decides only whether some trial reads a resource.
	vocab   *facts.Vocabulary
	names   *nameCache
	sources sourceSet
	um      *jsonformat.Unmarshaller
	opts    Options
	// noSkim parses every resource in full: tests compare the skim with it.
	noSkim bool
}

// New returns a Mapper that matches codes and names through vocab.
func New(vocab *facts.Vocabulary, opts Options) (*Mapper, error) {
	if vocab == nil {
		return nil, errors.New("fhirmap: nil vocabulary")
	}
	if opts.MaxResourceBytes < 0 || opts.MaxDocumentBytes < 0 {
		return nil, fmt.Errorf("fhirmap: negative size limit in %+v", opts)
	}
	if opts.MaxResourceBytes == 0 {
		opts.MaxResourceBytes = DefaultMaxResourceBytes
	}
	if opts.MaxDocumentBytes == 0 {
		opts.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	// Without extended validation: the validating unmarshaller also rejects
	// resources for reference-type mismatches in fields trialscout never reads
	// (e.g. an Observation performer pointing at an Encounter in the HL7
	// examples). Primitives, codes and structure are still checked.
	um, err := jsonformat.NewUnmarshallerWithoutValidation("UTC", fhirversion.R4)
	if err != nil {
		return nil, fmt.Errorf("fhirmap: %w", err)
	}
	um.MaxNestingDepth = maxNestingDepth
	return &Mapper{vocab: vocab, names: newNameCache(), sources: newSourceSet(opts.Sources), um: um, opts: opts}, nil
}

// Map reads one JSON document: a resource or a Bundle (nested Bundles too).
// It returns one Result per resource, in document order.
func (m *Mapper) Map(data []byte, pos Position) []Result {
	var out []Result
	m.mapDocument(data, pos, func(r Result) { out = append(out, r) })
	return out
}

// mapDocument checks the bytes of one document and maps what it holds.
func (m *Mapper) mapDocument(data []byte, pos Position, emit func(Result)) {
	if len(data) > m.opts.MaxDocumentBytes {
		emit(rejected(pos, "", "", failf(ErrTooLarge, "document of %s is over the %s limit", sizeString(len(data)), sizeString(m.opts.MaxDocumentBytes))))
		return
	}
	data = trimBOM(data)
	h, st := scanHeader(data)
	m.mapScanned(data, h, st, pos, emit)
}

// mapScanned maps a document the scan has read (scan.go): from its header,
// or, when the scan left it to peek, from peek's.
func (m *Mapper) mapScanned(data []byte, h header, st scanStatus, pos Position, emit func(Result)) {
	if st != scanned {
		var err error
		if h, err = peek(data); err != nil {
			emit(rejected(pos, "", "", err))
			return
		}
	}
	m.dispatch(data, &h, pos, nil, "", 0, emit)
}

// dispatch maps one peeked resource: a Bundle is split, a type trialscout
// does not read is ignored without a full parse, the rest is skimmed or
// parsed.
func (m *Mapper) dispatch(raw []byte, h *header, pos Position, sc *scope, fullURL string, depth int, emit func(Result)) {
	rt, err := h.resourceType()
	if err != nil {
		emit(rejected(pos, "", "", err))
		return
	}
	switch {
	case rt == "Bundle":
		m.mapBundle(raw, h, pos, sc, depth, emit)
	case !isR4Type(rt):
		emit(rejected(pos, "", "", failf(ErrNotFHIR, "unknown resourceType %q", rt)))
	case !readTypes[rt]:
		ref, _ := m.identityOf(h, rt, fullURL, pos.Source)
		emit(Result{Pos: pos, Type: rt, Ref: ref, Ignored: rt + " is not read"})
	default:
		ref, from := m.identityOf(h, rt, fullURL, pos.Source)
		emit(m.mapResource(raw, h, rt, pos, sc, ref, from))
	}
}

// identityOf names a resource from its header ("" when it has no id and no
// fullUrl) and says where it comes from.
func (m *Mapper) identityOf(h *header, rt, fullURL, source string) (string, origin) {
	from := m.sources.originOf(fullURL, source)
	if typeID := h.ref(rt, fullURL); typeID != "" {
		return identity(from.source, rt, typeID[len(rt)+1:]), from
	}
	return "", from
}

func rejected(pos Position, rt, ref string, err error) Result {
	return Result{Pos: pos, Type: rt, Ref: ref, Err: &Error{Pos: pos, Ref: ref, Err: err}}
}
