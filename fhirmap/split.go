package fhirmap

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Part is one resource cut out of a document by Split, ready to be sent on
// its own.
type Part struct {
	Pos       Position
	Type      string
	ID        string
	VersionID string
	JSON      []byte
}

// Split cuts a JSON document into single resources: a resource stays whole,
// a Bundle gives its entries' resources (nested Bundles are split too).
// References that only make sense inside the Bundle, its entries' fullUrls
// (the urn:uuid: of Synthea transaction Bundles), are rewritten to
// "Type/id" first, so that each resource still says whose it is. An entry
// that cannot be cut out is returned as an error with its position; the
// others are still returned.
func Split(data []byte, pos Position) ([]Part, []error) {
	var doc map[string]any
	if err := decodeNumbers(data, &doc); err != nil {
		return nil, []error{&Error{Pos: pos, Err: failf(ErrNotJSON, "%v", err)}}
	}
	var parts []Part
	var errs []error
	splitInto(doc, pos, bundleIndex{}, &parts, &errs)
	return parts, errs
}

func decodeNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep 1.10 and 12345678901234567890 exactly as sent
	return dec.Decode(v)
}

func splitInto(res map[string]any, pos Position, outer bundleIndex, parts *[]Part, errs *[]error) {
	rt, _ := res["resourceType"].(string)
	if rt != "Bundle" {
		if outer.urls != nil {
			containMedication(res, outer.meds)
			rewriteReferences(res, outer.urls)
		}
		p, err := partOf(res, rt, pos)
		if err != nil {
			*errs = append(*errs, err)
			return
		}
		*parts = append(*parts, p)
		return
	}
	entries, _ := res["entry"].([]any)
	local := indexBundle(entries)
	local.inherit(outer)
	for i, e := range entries {
		entry, _ := e.(map[string]any)
		inner, ok := entry["resource"].(map[string]any)
		if !ok {
			continue // a request-only entry (e.g. DELETE): nothing to send
		}
		splitInto(inner, pos.entry(i), local, parts, errs)
	}
}

// bundleIndex is what a Bundle's entries let references inside it mean.
type bundleIndex struct {
	urls map[string]string         // fullUrl -> "Type/id"
	meds map[string]map[string]any // fullUrl or "Medication/id" -> the Medication
}

func indexBundle(entries []any) bundleIndex {
	ix := bundleIndex{urls: map[string]string{}, meds: map[string]map[string]any{}}
	for _, e := range entries {
		entry, _ := e.(map[string]any)
		res, _ := entry["resource"].(map[string]any)
		url, _ := entry["fullUrl"].(string)
		rt, _ := res["resourceType"].(string)
		id, _ := res["id"].(string)
		if id == "" && url != "" {
			id = lastSegment(url)
		}
		if rt == "" || id == "" {
			continue
		}
		if url != "" {
			ix.urls[url] = rt + "/" + id
		}
		if rt == "Medication" {
			ix.meds["Medication/"+id] = res
			if url != "" {
				ix.meds[url] = res
			}
		}
	}
	return ix
}

// inherit adds an enclosing Bundle's entries that this one does not shadow.
func (ix bundleIndex) inherit(outer bundleIndex) {
	for k, v := range outer.urls {
		if _, shadowed := ix.urls[k]; !shadowed {
			ix.urls[k] = v
		}
	}
	for k, v := range outer.meds {
		if _, shadowed := ix.meds[k]; !shadowed {
			ix.meds[k] = v
		}
	}
}

// containMedication copies a Medication the resource names from elsewhere
// in the Bundle into its contained resources: sent alone, the resource
// would otherwise name a drug nobody can look up.
func containMedication(res map[string]any, meds map[string]map[string]any) {
	ref, _ := res["medicationReference"].(map[string]any)
	target, _ := ref["reference"].(string)
	med, ok := meds[target]
	if !ok {
		return
	}
	id, _ := med["id"].(string)
	if id == "" {
		id = lastSegment(target)
	}
	copied := make(map[string]any, len(med))
	for k, v := range med {
		copied[k] = v
	}
	copied["id"] = id
	contained, _ := res["contained"].([]any)
	res["contained"] = append(contained, copied)
	ref["reference"] = "#" + id
}

// rewriteReferences replaces every "reference" that names a Bundle fullUrl.
func rewriteReferences(v any, urls map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if s, ok := child.(string); ok && k == "reference" {
				if to, found := urls[s]; found {
					x[k] = to
				}
				continue
			}
			rewriteReferences(child, urls)
		}
	case []any:
		for _, child := range x {
			rewriteReferences(child, urls)
		}
	}
}

func partOf(res map[string]any, rt string, pos Position) (Part, error) {
	if rt == "" {
		return Part{}, &Error{Pos: pos, Err: failf(ErrNotFHIR, "no resourceType")}
	}
	id, _ := res["id"].(string)
	p := Part{Pos: pos, Type: rt, ID: id}
	if meta, ok := res["meta"].(map[string]any); ok {
		p.VersionID, _ = meta["versionId"].(string)
	}
	b, err := json.Marshal(res)
	if err != nil {
		return Part{}, &Error{Pos: pos, Ref: rt + "/" + id, Err: fmt.Errorf("%w: %v", ErrNotFHIR, err)}
	}
	p.JSON = b
	return p, nil
}
