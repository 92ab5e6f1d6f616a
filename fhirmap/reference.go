package fhirmap

import (
	"fmt"
	"strings"

	"github.com/google/fhir/go/jsonformat"
	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	r4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	anypb "google.golang.org/protobuf/types/known/anypb"
)

// target is what a reference points to.
type target struct {
	typ, id string
	base    string // its canonical source; "" for the local one
	// contained is set for "#id": a resource inside the referring one, with
	// no identity of its own outside it.
	contained *r4pb.ContainedResource
	// entry is set when the target was found in the Bundle.
	entry *bundleEntry
}

// String is the target's identity, as facts name resources.
func (t target) String() string { return identity(t.base, t.typ, t.id) }

// refString returns a reference as written: jsonformat stores "Patient/123"
// in a typed field, and denormalizing a shallow copy gives the string back.
func refString(ref *d4pb.Reference) string {
	if ref == nil || ref.GetReference() == nil {
		return ""
	}
	c := &d4pb.Reference{Reference: ref.GetReference()}
	if err := jsonformat.DenormalizeReference(c); err != nil {
		return ""
	}
	return c.GetUri().GetValue()
}

// parseTypeID reads a relative "Type/id" (after dropping "/_history/n"),
// which belongs to from's source, or an absolute URL ending in Type/id,
// which belongs to its base's source (from's, when it is from's server).
// The type must be an R4 type.
func (ss sourceSet) parseTypeID(ref string, from origin) (target, bool) {
	if b, typ, id, ok := absoluteBase(ref); ok {
		if from.server != "" && normalizeBase(b) == from.server {
			return target{typ: typ, id: id, base: from.source}, true
		}
		return target{typ: typ, id: id, base: ss.canonical(b)}, true
	}
	base := from.source
	parts := strings.Split(stripHistory(ref), "/")
	if len(parts) != 2 {
		return target{}, false
	}
	typ, id := parts[0], parts[1]
	if !isR4Type(typ) || id == "" {
		return target{}, false
	}
	return target{typ: typ, id: id, base: base}, true
}

// resolve finds what ref points to, in every form real data uses: a
// contained resource ("#id"), a Bundle entry by fullUrl (urn:uuid or
// absolute URL), "Type/id", or an absolute URL ending in Type/id.
func (c *resCtx) resolve(ref *d4pb.Reference) (target, error) {
	s := refString(ref)
	switch {
	case s == "" && ref.GetDisplay() != nil:
		return target{}, fmt.Errorf("has only a display, no reference")
	case s == "" && ref.GetIdentifier() != nil:
		return target{}, fmt.Errorf("has only an identifier, no reference")
	case s == "":
		return target{}, fmt.Errorf("is empty")
	case strings.HasPrefix(s, "#"):
		return c.containedTarget(s[1:])
	}
	return c.sc.resolve(c.m.sources, s, c.origin)
}

// resolve finds what a reference other than "#id", made by a resource of
// origin from, points to: a Bundle entry (in this Bundle or an enclosing
// one; sc may be nil outside Bundles), else the resource it names. The
// skim resolves subjects through it too, so that both paths file a
// resource under the same patient.
func (sc *scope) resolve(ss sourceSet, s string, from origin) (target, error) {
	if strings.HasPrefix(s, "urn:") {
		if e := sc.lookup(s); e != nil && e.id != "" {
			return target{typ: e.typ, id: e.id, base: e.base, entry: e}, nil
		}
		return target{}, fmt.Errorf("%s is not a fullUrl in the Bundle", clip(s, maxShownRef))
	}
	t, ok := ss.parseTypeID(s, from)
	if !ok {
		return target{}, fmt.Errorf("%q does not name a resource", clip(s, maxShownRef))
	}
	e := sc.lookup(s) // an absolute fullUrl, as written
	if e == nil {
		e = sc.lookup(t.String())
	}
	if e != nil && e.id != "" {
		return target{typ: e.typ, id: e.id, base: e.base, entry: e}, nil
	}
	return t, nil
}

// maxShownRef bounds how much of a reference a message quotes: a feed can
// send references of any length.
const maxShownRef = 200

// containedTarget finds the contained resource with the given id.
func (c *resCtx) containedTarget(id string) (target, error) {
	for _, a := range c.contained {
		cr, typ, cid := unpackContained(a)
		if cr != nil && cid == id {
			return target{typ: typ, id: id, contained: cr}, nil
		}
	}
	return target{}, fmt.Errorf("#%s names no contained resource", id)
}

// unpackContained opens one contained resource: jsonformat stores them as
// Any-wrapped ContainedResources.
func unpackContained(a *anypb.Any) (*r4pb.ContainedResource, string, string) {
	cr := &r4pb.ContainedResource{}
	if a == nil || a.UnmarshalTo(cr) != nil {
		return nil, "", ""
	}
	msg, typ := resourceOf(cr)
	if msg == nil {
		return nil, "", ""
	}
	return cr, typ, msg.GetId().GetValue()
}

// patientOf returns "Patient/id" for the patient a resource belongs to; field
// names the element for messages ("subject", "patient").
func (c *resCtx) patientOf(field string, ref *d4pb.Reference) (string, error) {
	if ref == nil {
		return "", failf(ErrNoPatient, "no %s", field)
	}
	t, err := c.resolve(ref)
	switch {
	case err != nil:
		return "", failf(ErrNoPatient, "%s %v", field, err)
	case t.contained != nil:
		return "", failf(ErrNoPatient, "%s #%s is a contained %s, which has no identity outside this resource", field, t.id, t.typ)
	case t.typ != "Patient":
		return "", failf(ErrNoPatient, "%s is %s, not a Patient", field, t)
	}
	return t.String(), nil
}
