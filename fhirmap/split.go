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
	splitInto(doc, pos, nil, &parts, &errs)
	return parts, errs
}

func decodeNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep 1.10 and 12345678901234567890 exactly as sent
	return dec.Decode(v)
}

func splitInto(res map[string]any, pos Position, outer map[string]string, parts *[]Part, errs *[]error) {
	rt, _ := res["resourceType"].(string)
	if rt != "Bundle" {
		if outer != nil {
			rewriteReferences(res, outer)
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
	local := fullURLs(entries)
	for k, v := range outer {
		if _, shadowed := local[k]; !shadowed {
			local[k] = v
		}
	}
	for i, e := range entries {
		entry, _ := e.(map[string]any)
		inner, ok := entry["resource"].(map[string]any)
		if !ok {
			continue // a request-only entry (e.g. DELETE): nothing to send
		}
		splitInto(inner, pos.entry(i), local, parts, errs)
	}
}

// fullURLs maps each entry's fullUrl to the "Type/id" it names.
func fullURLs(entries []any) map[string]string {
	m := map[string]string{}
	for _, e := range entries {
		entry, _ := e.(map[string]any)
		res, _ := entry["resource"].(map[string]any)
		url, _ := entry["fullUrl"].(string)
		rt, _ := res["resourceType"].(string)
		if url == "" || rt == "" {
			continue
		}
		id, _ := res["id"].(string)
		if id == "" {
			id = lastSegment(url)
		}
		m[url] = rt + "/" + id
	}
	return m
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
