package fhirmap

import (
	"encoding/binary"
	"encoding/json"
	"unicode/utf8"
)

// The scan. A document used to be read by encoding/json several times over:
// validated whole, decoded into a header (which validates it again), and
// each Bundle entry validated and decoded once more. scanHeader reads a
// document once: it checks that it is UTF-8 JSON as encoding/json does, and
// on the way takes the header of the document and of every resource in its
// Bundle entries (nested Bundles too), as subslices of the document, so that
// nothing is copied and no entry is read again.
//
// It answers only when sure that peek would read the same header: a
// document it cannot judge so (not JSON, not an object, a key written with
// an escape, "entry" twice) goes to peek, which also says precisely what is
// wrong with it. TestScanMatchesPeek and FuzzScan hold it to that.

// scanStatus is what the scan made of a document.
type scanStatus uint8

const (
	// scanned: valid JSON holding an object; the header is read.
	scanned scanStatus = iota
	// validOnly: valid JSON, but the header is left to peek.
	validOnly
	// invalid: not JSON, or not UTF-8 (which json.Valid does not check).
	invalid
)

// maxJSONDepth is encoding/json's limit on nesting: a document nested
// deeper is a syntax error there.
const maxJSONDepth = 10000

// scanHeader reads the header of a document (peek's, and the headers of its
// Bundle entries' resources) in one pass over its bytes.
func scanHeader(data []byte) (header, scanStatus) {
	s := scanner{data: data}
	var h header
	s.ws()
	ok := false
	if s.i < len(data) && data[s.i] == '{' {
		ok = s.resource(&h)
	} else {
		s.unhandled = true // peek says what else it is
		ok = s.value()
	}
	s.ws()
	switch {
	case !ok || s.i != len(data):
		return header{}, invalid
	case s.unhandled:
		return header{}, validOnly
	}
	return h, scanned
}

// validJSON is json.Valid, faster: the scan's answer, checked by json.Valid
// only when it says no (the scan also refuses text that is not UTF-8).
func validJSON(data []byte) bool {
	s := scanner{data: data}
	s.ws()
	ok := s.value()
	s.ws()
	if ok && s.i == len(data) {
		return true
	}
	return json.Valid(data)
}

// scanner walks one document. Each method starts at the first byte of what
// it reads and leaves i just past it; false means a syntax error.
type scanner struct {
	data  []byte
	i     int
	depth int
	// unhandled is set by what peek must judge: the scan goes on, to tell
	// valid from invalid, but the header it reads is not used.
	unhandled bool
}

// plain marks the bytes a string holds as they are: not '"', '\\', a
// control character or the start of a multi-byte character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// ws skips white space; runs of spaces (indentation) eight at a time.
func (s *scanner) ws() {
	d, i := s.data, s.i
	for i < len(d) && d[i] <= ' ' {
		switch d[i] {
		case ' ':
			i++
			for i+8 <= len(d) && binary.LittleEndian.Uint64(d[i:]) == eightSpaces {
				i += 8
			}
		case '\n', '\t', '\r':
			i++
		default:
			s.i = i
			return
		}
	}
	s.i = i
}

const eightSpaces = 0x2020202020202020

// str reads a string and returns where its content lies; escaped tells
// whether it holds an escape.
func (s *scanner) str() (start, end int, escaped, ok bool) {
	d, i := s.data, s.i+1
	start = i
	for {
		for i < len(d) && plain[d[i]] {
			i++
		}
		if i >= len(d) {
			return 0, 0, false, false
		}
		switch c := d[i]; {
		case c == '"':
			s.i = i + 1
			return start, i, escaped, true
		case c == '\\':
			escaped = true
			n := escapeLen(d[i:])
			if n == 0 {
				return 0, 0, false, false
			}
			i += n
		case c < 0x20:
			return 0, 0, false, false
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size <= 1 {
				return 0, 0, false, false
			}
			i += size
		}
	}
}

// escapeLen is the length of the escape at the start of b; 0 when invalid.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		for _, c := range b[2:6] {
			if !isHex(c) {
				return 0
			}
		}
		return 6
	}
	return 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// value reads any JSON value.
func (s *scanner) value() bool {
	if s.i >= len(s.data) {
		return false
	}
	switch c := s.data[s.i]; {
	case c == '{':
		return s.object(nil)
	case c == '[':
		return s.array(nil)
	case c == '"':
		_, _, _, ok := s.str()
		return ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || isDigit(c):
		return s.number()
	}
	return false
}

func (s *scanner) literal(lit string) bool {
	if len(s.data)-s.i < len(lit) || string(s.data[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() bool {
	d, i := s.data, s.i
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && isDigit(d[i]):
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		if i++; i >= len(d) || !isDigit(d[i]) {
			return false
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			return false
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	s.i = i
	return true
}

// object reads an object, handing each member to member with i at its
// value (which member must read, and which is not at the end of the
// data); a nil member skips them.
func (s *scanner) object(member func(key []byte, escaped bool) bool) bool {
	if empty, ok := s.open('}'); empty || !ok {
		return ok
	}
	for {
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return false
		}
		ks, ke, escaped, ok := s.str()
		if !ok {
			return false
		}
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		if s.i >= len(s.data) {
			return false
		}
		if member == nil {
			ok = s.value()
		} else {
			ok = member(s.data[ks:ke], escaped)
		}
		if !ok {
			return false
		}
		if end, ok := s.separator('}'); end || !ok {
			return ok
		}
	}
}

// array reads an array, handing each element to elem with i at it (not
// at the end of the data); a nil elem skips them.
func (s *scanner) array(elem func() bool) bool {
	if empty, ok := s.open(']'); empty || !ok {
		return ok
	}
	for {
		if s.i >= len(s.data) {
			return false
		}
		var ok bool
		if elem == nil {
			ok = s.value()
		} else {
			ok = elem()
		}
		if !ok {
			return false
		}
		if end, ok := s.separator(']'); end || !ok {
			return ok
		}
	}
}

// open enters an object or array (i at its opening bracket) and reports
// whether it is empty, read through its closing bracket; ok is false past
// maxJSONDepth.
func (s *scanner) open(closing byte) (empty, ok bool) {
	if s.depth++; s.depth > maxJSONDepth {
		return false, false
	}
	s.i++
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == closing {
		s.i++
		s.depth--
		return true, true
	}
	return false, true
}

// separator reads what follows a member or an element: a comma, with the
// next one to come (i at it), or the closing bracket, which ends the
// object or array (end). ok is false for anything else.
func (s *scanner) separator(closing byte) (end, ok bool) {
	s.ws()
	if s.i >= len(s.data) {
		return false, false
	}
	switch s.data[s.i] {
	case ',':
		s.i++
		s.ws()
		return false, true
	case closing:
		s.i++
		s.depth--
		return true, true
	}
	return false, false
}

// raw reads a value and returns its bytes.
func (s *scanner) raw() (json.RawMessage, bool) {
	start := s.i
	ok := s.value()
	return s.data[start:s.i:s.i], ok
}

// resource reads an object as peek decodes it into a header.
func (s *scanner) resource(h *header) bool {
	entrySeen, typeErr := false, false
	ok := s.object(func(key []byte, escaped bool) bool {
		if escaped {
			s.unhandled = true // encoding/json matches the unescaped key
			return s.value()
		}
		f := headerFields.match(key)
		switch f {
		case noField:
			return s.value()
		case fieldEntry:
			if entrySeen {
				s.unhandled = true // the second decodes into the first's elements
			}
			entrySeen = true
			return s.entries(h, &typeErr)
		}
		raw, ok := s.raw()
		*h.field(f) = raw
		return ok
	})
	if typeErr {
		// As peek: an entry of the wrong shape makes the Bundle split again.
		h.Entry, h.badEntries = nil, true
	}
	return ok
}

// entries reads the value of "entry" as encoding/json decodes it into
// []rawEntry; typeErr is set where it would fail with an
// UnmarshalTypeError (and go on reading).
func (s *scanner) entries(h *header, typeErr *bool) bool {
	switch s.data[s.i] {
	case '[':
	case 'n':
		h.Entry = nil
		return s.literal("null")
	default:
		*typeErr = true
		return s.value()
	}
	h.Entry = make([]rawEntry, 0) // [] is an empty slice, not nil
	return s.array(func() bool {
		switch s.data[s.i] {
		case '{':
			h.Entry = append(h.Entry, rawEntry{})
			return s.entry(&h.Entry[len(h.Entry)-1])
		case 'n':
			h.Entry = append(h.Entry, rawEntry{})
			return s.literal("null")
		}
		*typeErr = true
		return s.value()
	})
}

// entry reads one Bundle entry, and the header of its resource when that
// is an object.
func (s *scanner) entry(e *rawEntry) bool {
	return s.object(func(key []byte, escaped bool) bool {
		if escaped {
			s.unhandled = true
			return s.value()
		}
		switch entryFields.match(key) {
		case fieldFullURL:
			var ok bool
			e.FullURL, ok = s.raw()
			return ok
		case fieldResource:
			start := s.i
			e.hdr = nil
			var ok bool
			if s.data[s.i] == '{' {
				e.hdr = &header{}
				ok = s.resource(e.hdr)
			} else {
				ok = s.value()
			}
			e.Resource = s.data[start:s.i:s.i]
			return ok
		}
		return s.value()
	})
}
