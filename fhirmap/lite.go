package fhirmap

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Lite decoding. The skim reads a handful of small fields (a code, a
// reference, meta, a period) from every resource, and reading each with
// json.Unmarshal cost more than the rest of the skim: it validates the
// bytes again and decodes through reflection. The fields come from a
// document already checked, so liteDecode reads them directly, as
// json.Unmarshal would: null leaves a field as it is, a value of the wrong
// JSON type is an error, unknown keys are skipped, and [] is an empty slice,
// not nil. What encoding/json treats in ways not worth repeating (a key
// written with an escape, a key that matches a field only by case folding,
// a field given twice) is handed to json.Unmarshal itself, and so is a
// string holding an escape. TestLiteDecodeMatchesUnmarshal and
// FuzzLiteDecode hold it to that.

// The skim's types, named so that liteDecode can tell them apart.
type (
	// period is a Period as the skim reads it.
	period struct {
		Start json.RawMessage `json:"start"`
		End   json.RawMessage `json:"end"`
	}
	// component is an Observation.component as the skim reads it.
	component struct {
		Code concept `json:"code"`
	}
	// reference is a Reference as the skim reads it.
	reference struct {
		Reference string `json:"reference"`
	}
	// metaFields are the version fields of Resource.meta.
	metaFields struct {
		VersionID   string          `json:"versionId"`
		LastUpdated json.RawMessage `json:"lastUpdated"`
	}
)

// liteStatus is how a lite decoding went.
type liteStatus uint8

const (
	liteOK       liteStatus = iota
	liteTypeErr             // json.Unmarshal fails (with an UnmarshalTypeError)
	liteFallback            // only json.Unmarshal can tell
)

// liteDecode decodes raw, a valid JSON value, into v (one of the skim's
// types, zero) as json.Unmarshal(raw, v) would, and reports whether that
// succeeds.
func liteDecode(raw []byte, v any) bool {
	raw = trimJSONSpace(raw)
	var st liteStatus
	switch v := v.(type) {
	case *string:
		st = liteString(raw, v)
	case *concept:
		st = liteConcept(raw, v)
	case *[]component:
		st = liteComponents(raw, v)
	case *period:
		st = liteObject(raw, periodFields, func(f field, val []byte) liteStatus {
			if f == 0 {
				v.Start = val
			} else {
				v.End = val
			}
			return liteOK
		})
	case *reference:
		st = liteObject(raw, referenceFields, func(_ field, val []byte) liteStatus { return liteString(val, &v.Reference) })
	case *metaFields:
		st = liteObject(raw, metaFieldSet, func(f field, val []byte) liteStatus {
			if f == 0 {
				return liteString(val, &v.VersionID)
			}
			v.LastUpdated = val
			return liteOK
		})
	default:
		st = liteFallback
	}
	if st == liteFallback {
		reflect.ValueOf(v).Elem().SetZero() // undo what was read
		return json.Unmarshal(raw, v) == nil
	}
	return st == liteOK
}

var (
	periodFields    = newFieldSet("start", "end")
	referenceFields = newFieldSet("reference")
	metaFieldSet    = newFieldSet("versionId", "lastUpdated")
	conceptFields   = newFieldSet("coding", "text")
	codingFields    = newFieldSet("system", "code", "display")
	componentFields = newFieldSet("code")
)

// liteString decodes a JSON string (null leaves s as it is).
func liteString(raw []byte, s *string) liteStatus {
	switch {
	case len(raw) == 0:
		return liteFallback
	case raw[0] == 'n':
		return liteOK
	case raw[0] != '"':
		return liteTypeErr
	case bytes.IndexByte(raw, '\\') >= 0:
		return liteFallback
	}
	*s = string(raw[1 : len(raw)-1])
	return liteOK
}

// liteObject walks an object (null: nothing), handing each member the set
// names to set, by field; other members are skipped.
func liteObject(raw []byte, fs *fieldSet, set func(f field, val []byte) liteStatus) liteStatus {
	switch {
	case len(raw) == 0:
		return liteFallback
	case raw[0] == 'n':
		return liteOK
	case raw[0] != '{':
		return liteTypeErr
	}
	st := liteOK
	var seen uint32
	s := scanner{data: raw}
	ok := s.object(func(key []byte, escaped bool) bool {
		val, ok := s.raw()
		if !ok {
			return false
		}
		if escaped {
			st = liteFallback
			return false
		}
		f := fs.match(key)
		switch {
		case f == noField:
			return true
		case string(key) != fs.names[f] || seen&(1<<f) != 0:
			st = liteFallback
			return false
		}
		seen |= 1 << f
		st = set(f, val)
		return st == liteOK
	})
	if !ok && st == liteOK {
		return liteFallback // not valid JSON after all: let encoding/json say so
	}
	return st
}

// liteArray walks an array (null: nothing), handing each element to elem.
func liteArray(raw []byte, elem func(val []byte) liteStatus) liteStatus {
	switch {
	case len(raw) == 0:
		return liteFallback
	case raw[0] == 'n':
		return liteOK
	case raw[0] != '[':
		return liteTypeErr
	}
	st := liteOK
	s := scanner{data: raw}
	ok := s.array(func() bool {
		val, ok := s.raw()
		if !ok {
			return false
		}
		st = elem(val)
		return st == liteOK
	})
	if !ok && st == liteOK {
		return liteFallback
	}
	return st
}

func liteConcept(raw []byte, c *concept) liteStatus {
	return liteObject(raw, conceptFields, func(f field, val []byte) liteStatus {
		if f == 1 {
			return liteString(val, &c.Text)
		}
		if val[0] == '[' {
			c.Coding = []facts.Coding{} // as encoding/json: [] is empty, not nil
		}
		return liteArray(val, func(val []byte) liteStatus {
			c.Coding = append(c.Coding, facts.Coding{})
			return liteCoding(val, &c.Coding[len(c.Coding)-1])
		})
	})
}

func liteCoding(raw []byte, c *facts.Coding) liteStatus {
	return liteObject(raw, codingFields, func(f field, val []byte) liteStatus {
		switch f {
		case 0:
			return liteString(val, &c.System)
		case 1:
			return liteString(val, &c.Code)
		}
		return liteString(val, &c.Display)
	})
}

func liteComponents(raw []byte, cs *[]component) liteStatus {
	if len(raw) > 0 && raw[0] == '[' {
		*cs = []component{}
	}
	return liteArray(raw, func(val []byte) liteStatus {
		*cs = append(*cs, component{})
		c := &(*cs)[len(*cs)-1]
		return liteObject(val, componentFields, func(_ field, val []byte) liteStatus { return liteConcept(val, &c.Code) })
	})
}

// trimJSONSpace drops the white space JSON allows around a value.
func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
