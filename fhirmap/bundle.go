package fhirmap

import (
	"encoding/json"
	"errors"

	medpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/medication_go_proto"
)

// scope is one Bundle as seen by the references of its entries: every entry
// by fullUrl and by "Type/id". References that a Bundle cannot resolve are
// looked up in the Bundles enclosing it.
type scope struct {
	parent  *scope
	entries map[string]*bundleEntry
}

// bundleEntry is one entry of a Bundle, kept for reference resolution.
type bundleEntry struct {
	typ, id string
	base    string // canonical source
	raw     []byte
	// med is the entry parsed as a Medication, on first use.
	med    *medpb.Medication
	medErr error
	parsed bool
}

// lookup finds the entry a reference string names, in this Bundle or an
// enclosing one.
func (s *scope) lookup(ref string) *bundleEntry {
	for ; s != nil; s = s.parent {
		if e := s.entries[ref]; e != nil {
			return e
		}
	}
	return nil
}

// item is one entry of a Bundle as split from it.
type item struct {
	fullURL  string
	resource []byte  // nil when the entry has none
	hdr      *header // the resource's, when it has one
	err      error
}

// mapBundle maps each entry of a Bundle on its own, so that one bad entry
// costs only itself.
func (m *Mapper) mapBundle(raw []byte, h *header, pos Position, parent *scope, depth int, emit func(Result)) {
	if depth >= maxBundleDepth {
		emit(rejected(pos, "Bundle", "", failf(ErrTooLarge, "Bundles nested more than %d deep", maxBundleDepth)))
		return
	}
	items, err := bundleItems(raw, h)
	if err != nil {
		emit(rejected(pos, "Bundle", "", err))
		return
	}
	if len(items) == 0 {
		emit(Result{Pos: pos, Type: "Bundle", Ignored: "Bundle has no entries"})
		return
	}
	sc := m.newScope(parent, items, pos.Source)
	for i, it := range items {
		p := pos.entry(i)
		switch {
		case it.err != nil:
			emit(rejected(p, "", "", it.err))
		case it.resource == nil:
			emit(Result{Pos: p, Ignored: "Bundle entry has no resource"})
		default:
			m.dispatch(it.resource, it.hdr, p, sc, it.fullURL, depth+1, emit)
		}
	}
}

// bundleItems peeks at each entry the header split. When some entry had the
// wrong shape, the Bundle is split again entry by entry, so that only that
// entry is rejected.
func bundleItems(raw []byte, h *header) ([]item, error) {
	if !h.badEntries {
		items := make([]item, len(h.Entry))
		for i, e := range h.Entry {
			items[i] = entryItem(e)
		}
		return items, nil
	}
	var b struct {
		Entry json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, failf(ErrNotFHIR, "Bundle: %v", err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b.Entry, &raws); err != nil {
		return nil, failf(ErrNotFHIR, "Bundle.entry is %s, not an array", jsonKind(b.Entry))
	}
	items := make([]item, len(raws))
	for i, r := range raws {
		var e rawEntry
		if len(r) == 0 || r[0] != '{' {
			items[i].err = failf(ErrNotFHIR, "Bundle entry is %s, not an object", jsonKind(r))
		} else if err := json.Unmarshal(r, &e); err != nil {
			items[i].err = failf(ErrNotFHIR, "Bundle entry: %v", err)
		} else {
			items[i] = entryItem(e)
		}
	}
	return items, nil
}

func entryItem(e rawEntry) item {
	var it item
	if len(e.FullURL) > 0 && !liteDecode(e.FullURL, &it.fullURL) {
		return item{err: failf(ErrNotFHIR, "Bundle entry fullUrl %.40s is not a string", e.FullURL)}
	}
	if len(e.Resource) == 0 || string(e.Resource) == "null" {
		return it
	}
	it.resource = e.Resource
	it.hdr = e.hdr
	if it.hdr == nil {
		h, err := peek(e.Resource)
		it.hdr, it.err = &h, err
	}
	return it
}

// newScope indexes a Bundle's entries by fullUrl and by identity (source
// and "Type/id", also the "Type/id" that ends an absolute fullUrl). An
// entry's source is as source.go says.
func (m *Mapper) newScope(parent *scope, items []item, source string) *scope {
	sc := &scope{parent: parent, entries: map[string]*bundleEntry{}}
	for _, it := range items {
		if it.err != nil || it.resource == nil {
			continue
		}
		rt, err := it.hdr.resourceType()
		if err != nil {
			continue
		}
		from := m.sources.originOf(it.fullURL, source)
		e := &bundleEntry{typ: rt, raw: it.resource, base: from.source}
		if ref := it.hdr.ref(rt, it.fullURL); ref != "" {
			e.id = ref[len(rt)+1:]
			sc.add(identity(e.base, rt, e.id), e)
		}
		if it.fullURL != "" {
			sc.add(it.fullURL, e)
			if t, ok := m.sources.parseTypeID(it.fullURL, from); ok {
				sc.add(t.String(), e)
			}
		}
	}
	return sc
}

// add keeps the first entry under a key: in a history Bundle the same
// resource may appear in several versions, any of which names its type.
func (s *scope) add(key string, e *bundleEntry) {
	if _, seen := s.entries[key]; !seen {
		s.entries[key] = e
	}
}

// medication parses the entry as a Medication, once. The size limit holds
// here too: a Medication too large to be read on its own is not read for
// the resources that refer to it either.
func (m *Mapper) medication(e *bundleEntry) (*medpb.Medication, error) {
	if !e.parsed {
		e.parsed = true
		if len(e.raw) > m.opts.MaxResourceBytes {
			e.medErr = failf(ErrTooLarge, "Medication of %s", sizeString(len(e.raw)))
			return nil, e.medErr
		}
		cr, err := m.parse(e.raw)
		if err == nil {
			e.med = cr.GetMedication()
			if e.med == nil {
				err = errors.New("not a Medication")
			}
		}
		e.medErr = err
	}
	return e.med, e.medErr
}
