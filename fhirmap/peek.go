package fhirmap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	r4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
)

// readTypes are the resource types trialscout parses. Medication is parsed
// only to be referred to; Bundle is split rather than parsed.
var readTypes = map[string]bool{
	"Patient":             true,
	"Observation":         true,
	"Condition":           true,
	"MedicationStatement": true,
	"MedicationRequest":   true,
	"Immunization":        true,
	"Procedure":           true,
	"AllergyIntolerance":  true,
	"Medication":          true,
}

// r4Types is every R4 resource type, taken from jsonformat's own
// ContainedResource so that it cannot drift from what the parser accepts.
var r4Types = func() map[string]bool {
	types := map[string]bool{}
	oneof := (&r4pb.ContainedResource{}).ProtoReflect().Descriptor().Oneofs().Get(0)
	for i := 0; i < oneof.Fields().Len(); i++ {
		if msg := oneof.Fields().Get(i).Message(); msg != nil {
			types[string(msg.Name())] = true
		}
	}
	return types
}()

func isR4Type(rt string) bool { return r4Types[rt] }

// header is what is read of a resource before deciding whether to parse it
// in full. resourceType and id are raw so that no value of a wrong JSON type
// can fail the decode: each is interpreted, and complained about, on its
// own. A Bundle's entries are split in the same pass; when one of them has
// the wrong shape, badEntries is set and the Bundle is split again entry by
// entry to say which. The fields the skim reads come in the same pass.
type header struct {
	ResourceType json.RawMessage `json:"resourceType"`
	ID           json.RawMessage `json:"id"`
	Entry        []rawEntry      `json:"entry"`
	skimFields
	badEntries bool
}

// rawEntry is one Bundle entry as split from the Bundle.
type rawEntry struct {
	FullURL  json.RawMessage `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
	// hdr is the resource's header when the scan read it with the Bundle's
	// (scan.go); nil when the entry was split by peek.
	hdr *header
}

// peek checks that data is UTF-8 JSON holding an object, and reads its header.
func peek(data []byte) (header, error) {
	var h header
	if !utf8.Valid(data) {
		return h, failf(ErrNotJSON, "invalid UTF-8 at byte %d", invalidUTF8At(data))
	}
	err := json.Unmarshal(data, &h)
	trimmed := bytes.TrimSpace(data)
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case len(trimmed) == 0:
		return h, failf(ErrNotJSON, "empty")
	case errors.As(err, &syntax):
		return h, failf(ErrNotJSON, "invalid JSON at byte %d: %v", syntax.Offset, err)
	case trimmed[0] != '{':
		return h, failf(ErrNotFHIR, "a resource is a JSON object, found %s", jsonKind(trimmed))
	case errors.As(err, &typeErr):
		// Only entry can mistype: the other fields are raw.
		h.Entry, h.badEntries = nil, true
	case err != nil:
		return h, failf(ErrNotFHIR, "%v", err)
	}
	return h, nil
}

// resourceType returns the resourceType, which must be a non-empty string.
func (h *header) resourceType() (string, error) {
	if len(h.ResourceType) == 0 {
		return "", failf(ErrNotFHIR, "no resourceType")
	}
	var rt string
	if !liteDecode(h.ResourceType, &rt) || rt == "" {
		return "", failf(ErrNotFHIR, "resourceType %.40s is not a type name", h.ResourceType)
	}
	return rt, nil
}

// ref names a resource for a Result even when it is not parsed: "Type/id",
// the fullUrl's last segment standing in for a missing id; "" when neither.
func (h *header) ref(rt, fullURL string) string {
	var id string
	if len(h.ID) == 0 || !liteDecode(h.ID, &id) || id == "" {
		id = lastSegment(fullURL)
	}
	if id == "" {
		return ""
	}
	return rt + "/" + id
}

func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// jsonKind names the kind of a JSON value that is not an object.
func jsonKind(data []byte) string {
	switch c := data[0]; {
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return "a number"
	}
}

// trimBOM drops a UTF-8 byte order mark, which some Windows tools write.
func trimBOM(data []byte) []byte {
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
}

// lastSegment is the id a fullUrl stands for: the uuid of "urn:uuid:…", the
// last path segment of an URL (without /_history/n).
func lastSegment(fullURL string) string {
	u := stripHistory(fullURL)
	if rest, ok := strings.CutPrefix(u, "urn:"); ok {
		return rest[strings.LastIndexByte(rest, ':')+1:]
	}
	return u[strings.LastIndexByte(u, '/')+1:]
}

// stripHistory drops a trailing "/_history/n" from a reference.
func stripHistory(ref string) string {
	if i := strings.LastIndex(ref, "/_history/"); i >= 0 && !strings.Contains(ref[i+len("/_history/"):], "/") {
		return ref[:i]
	}
	return ref
}

// sizeString renders a byte count for messages.
func sizeString(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
