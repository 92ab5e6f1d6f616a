package streams

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/trialscout/trialscout/fhirmap"
)

// TestPublishCorrectionWithoutVersion: a resource without meta.versionId
// sent again unchanged is dropped by the stream as a duplicate, and
// reported so; a correction of it (same id, new content, still no version)
// is a new message.
func TestPublishCorrectionWithoutVersion(t *testing.T) {
	e := startNATS(t)
	ctx := context.Background()
	if err := EnsureInput(ctx, e.js, Config{}); err != nil {
		t.Fatal(err)
	}
	part := func(body string) fhirmap.Part {
		parts, errs := SplitFile([]byte(body), "obs.json")
		if len(errs) > 0 || len(parts) != 1 {
			t.Fatalf("split: %v", errs)
		}
		return parts[0]
	}
	original := part(`{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"},"valueQuantity":{"value":1.2}}`)
	corrected := part(`{"resourceType":"Observation","id":"o1","status":"corrected","code":{"text":"x"},"subject":{"reference":"Patient/p"},"valueQuantity":{"value":2.1}}`)
	versioned := part(`{"resourceType":"Observation","id":"o2","meta":{"versionId":"3"},"status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"}}`)
	steps := []struct {
		name string
		p    fhirmap.Part
		dup  bool
	}{
		{"original", original, false},
		{"true repeat", original, true},
		{"correction without a version", corrected, false},
		{"versioned", versioned, false},
		{"same version again", versioned, true},
	}
	for _, s := range steps {
		dup, err := PublishPart(ctx, e.js, s.p)
		if err != nil || dup != s.dup {
			t.Errorf("%s: duplicate %v, %v; want %v", s.name, dup, err, s.dup)
		}
	}
	if PartMsgID(original) == PartMsgID(corrected) || !strings.HasPrefix(PartMsgID(original), "Observation/o1/sha256:") {
		t.Errorf("ids %q and %q: a correction needs its own id", PartMsgID(original), PartMsgID(corrected))
	}
	if got := PartMsgID(versioned); got != "Observation/o2/3" {
		t.Errorf("versioned id %q", got)
	}
	long := fhirmap.Part{Type: "Observation", ID: strings.Repeat("x", 5000), VersionID: "1"}
	if got := PartMsgID(long); len(got) > maxMsgID {
		t.Errorf("id of %d bytes for a 5,000-character resource id", len(got))
	}
	if _, err := PublishPart(ctx, e.js, fhirmap.Part{Type: "Bad Type", ID: "x", JSON: []byte("{}")}); !errors.Is(err, ErrNotPublishable) {
		t.Errorf("a type with a space: %v", err)
	}
}
