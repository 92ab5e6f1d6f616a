package fhirmap

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	r4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	"google.golang.org/protobuf/proto"
	anypb "google.golang.org/protobuf/types/known/anypb"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// maxParserMessage bounds how much of jsonformat's message an error keeps:
// it lists every problem of a resource, which can run long.
const maxParserMessage = 600

// identified is what every R4 resource message has.
type identified interface {
	proto.Message
	GetId() *d4pb.Id
	GetMeta() *d4pb.Meta
}

// resCtx is what mapping one resource needs besides the resource itself.
type resCtx struct {
	m         *Mapper
	sc        *scope // the enclosing Bundle; nil outside Bundles
	ref       string // its identity ("Type/id" or "<base>/Type/id")
	origin    origin // where it comes from: what its references are relative to
	contained []*anypb.Any
}

// mapResource maps a resource of a type trialscout reads: from its header
// when no concept matches it (skim.go), else parsed in full.
func (m *Mapper) mapResource(raw []byte, h *header, rt string, pos Position, sc *scope, peekedRef string, from origin) Result {
	if len(raw) > m.opts.MaxResourceBytes {
		return rejected(pos, rt, peekedRef, failf(ErrTooLarge, "%s of %s is over the %s limit",
			rt, sizeString(len(raw)), sizeString(m.opts.MaxResourceBytes)))
	}
	if fact, ok := m.skim(&h.skimFields, rt, peekedRef, from, sc); ok {
		return Result{Pos: pos, Type: rt, Ref: peekedRef, Fact: fact}
	}
	cr, err := m.parse(raw)
	if err != nil {
		return rejected(pos, rt, peekedRef, err)
	}
	msg, _ := resourceOf(cr)
	ref := peekedRef
	if id := msg.GetId().GetValue(); id != "" {
		ref = identity(from.source, rt, id)
	}
	if ref == "" {
		return rejected(pos, rt, "", failf(ErrNoID, "%s has no id and no fullUrl", rt))
	}
	if rt == "Medication" {
		return Result{Pos: pos, Type: rt, Ref: ref, Ignored: "Medication is read only through references to it"}
	}
	c := &resCtx{m: m, sc: sc, ref: ref, origin: from}
	if dr, ok := msg.(interface{ GetContained() []*anypb.Any }); ok {
		c.contained = dr.GetContained()
	}
	fact, err := c.fact(cr)
	if err != nil {
		return rejected(pos, rt, ref, err)
	}
	return Result{Pos: pos, Type: rt, Ref: ref, Fact: fact}
}

// parse runs jsonformat on one resource. A panic inside the parser becomes a
// rejection: no input may take the process down.
func (m *Mapper) parse(raw []byte) (cr *r4pb.ContainedResource, err error) {
	defer func() {
		if p := recover(); p != nil {
			cr, err = nil, failf(ErrNotFHIR, "parser failed: %v", p)
		}
	}()
	msg, err := m.um.Unmarshal(raw)
	if err != nil {
		return nil, failf(ErrNotFHIR, "%s", parserMessage(err))
	}
	cr, ok := msg.(*r4pb.ContainedResource)
	if !ok {
		return nil, failf(ErrNotFHIR, "parser returned %T", msg)
	}
	if r, _ := resourceOf(cr); r == nil {
		return nil, failf(ErrNotFHIR, "parser returned no resource")
	}
	return cr, nil
}

// resourceOf returns the resource a ContainedResource holds, and its type.
func resourceOf(cr *r4pb.ContainedResource) (identified, string) {
	rm := cr.ProtoReflect()
	fd := rm.WhichOneof(rm.Descriptor().Oneofs().Get(0))
	if fd == nil {
		return nil, ""
	}
	msg, ok := rm.Get(fd).Message().Interface().(identified)
	if !ok {
		return nil, ""
	}
	return msg, string(fd.Message().Name())
}

// fact maps a parsed resource of a type trialscout reads.
func (c *resCtx) fact(cr *r4pb.ContainedResource) (*facts.Resource, error) {
	switch r := cr.GetOneofResource().(type) {
	case *r4pb.ContainedResource_Patient:
		return c.demographics(r.Patient), nil
	case *r4pb.ContainedResource_Observation:
		return c.observation(r.Observation)
	case *r4pb.ContainedResource_Condition:
		return c.condition(r.Condition)
	case *r4pb.ContainedResource_MedicationStatement:
		return c.medicationStatement(r.MedicationStatement)
	case *r4pb.ContainedResource_MedicationRequest:
		return c.medicationRequest(r.MedicationRequest)
	case *r4pb.ContainedResource_Immunization:
		return c.immunization(r.Immunization)
	case *r4pb.ContainedResource_Procedure:
		return c.procedure(r.Procedure)
	case *r4pb.ContainedResource_AllergyIntolerance:
		return c.allergy(r.AllergyIntolerance)
	case *r4pb.ContainedResource_Encounter:
		return c.encounter(r.Encounter)
	}
	return nil, fmt.Errorf("%w: %s is not mapped", ErrNotFHIR, c.ref)
}

// meta is the version identity of the resource being mapped.
func (c *resCtx) meta(mt *d4pb.Meta, retracted bool) facts.Meta {
	return facts.Meta{
		Ref:         c.ref,
		VersionID:   mt.GetVersionId().GetValue(),
		LastUpdated: instant(mt.GetLastUpdated()),
		Retracted:   retracted,
	}
}

// parserMessage makes jsonformat's message one line (a reason travels in a
// log line or a message header) in a stable order (jsonformat lists the
// problems of a resource in map order).
func parserMessage(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	sort.Strings(lines)
	return clip(strings.Join(lines, "; "), maxParserMessage)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
