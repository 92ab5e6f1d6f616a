package fhirmap

import (
	"encoding/json"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// field names a member the scan keeps; noField one it only reads.
type field int8

const noField field = -1

// The fields of a header (peek.go, skim.go), in the order of headerFields.
const (
	fieldResourceType field = iota
	fieldID
	fieldEntry
	fieldMeta
	fieldStatus
	fieldSubject
	fieldPatient
	fieldCode
	fieldComponent
	fieldClinicalStatus
	fieldVerificationStatus
	fieldVaccineCode
	fieldMedicationCodeableConcept
	fieldMedicationReference
	fieldEffectiveDateTime
	fieldEffectivePeriod
	fieldEffectiveInstant
	fieldIssued
	fieldClass
	fieldReasonCode
	fieldReasonReference
	fieldDiagnosis
)

var headerFields = newFieldSet("resourceType", "id", "entry", "meta", "status", "subject", "patient", "code",
	"component", "clinicalStatus", "verificationStatus", "vaccineCode", "medicationCodeableConcept",
	"medicationReference", "effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued", "class", "reasonCode",
	"reasonReference", "diagnosis")

// The fields of a Bundle entry (rawEntry).
const (
	fieldFullURL field = iota
	fieldResource
)

var entryFields = newFieldSet("fullUrl", "resource")

// field returns the header's member f.
func (h *header) field(f field) *json.RawMessage {
	switch f {
	case fieldResourceType:
		return &h.ResourceType
	case fieldID:
		return &h.ID
	case fieldMeta:
		return &h.Meta
	case fieldStatus:
		return &h.Status
	case fieldSubject:
		return &h.Subject
	case fieldPatient:
		return &h.Patient
	case fieldCode:
		return &h.Code
	case fieldComponent:
		return &h.Component
	case fieldClinicalStatus:
		return &h.ClinicalStatus
	case fieldVerificationStatus:
		return &h.VerificationStatus
	case fieldVaccineCode:
		return &h.VaccineCode
	case fieldMedicationCodeableConcept:
		return &h.MedicationCodeableConcept
	case fieldMedicationReference:
		return &h.MedicationReference
	case fieldEffectiveDateTime:
		return &h.EffectiveDateTime
	case fieldEffectivePeriod:
		return &h.EffectivePeriod
	case fieldEffectiveInstant:
		return &h.EffectiveInstant
	case fieldIssued:
		return &h.Issued
	case fieldClass:
		return &h.Class
	case fieldReasonCode:
		return &h.ReasonCode
	case fieldReasonReference:
		return &h.ReasonReference
	case fieldDiagnosis:
		return &h.Diagnosis
	}
	panic("fhirmap: no header field " + strconv.Itoa(int(f)))
}

// fieldSet matches keys to the names of a struct's fields as encoding/json
// does: the exact name, else a name equal under Unicode case folding.
type fieldSet struct {
	names  []string
	folded []string // foldName of each
	byLen  [32][]field
}

func newFieldSet(names ...string) *fieldSet {
	fs := &fieldSet{names: names}
	for i, n := range names {
		fs.folded = append(fs.folded, string(foldName([]byte(n))))
		fs.byLen[len(n)] = append(fs.byLen[len(n)], field(i))
	}
	return fs
}

func (fs *fieldSet) match(key []byte) field {
	if len(key) < len(fs.byLen) {
		for _, f := range fs.byLen[len(key)] {
			if string(key) == fs.names[f] {
				return f
			}
		}
	}
	ascii := true
	for _, c := range key {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii { // folds only to a name of its length
		if len(key) >= len(fs.byLen) {
			return noField
		}
		for _, f := range fs.byLen[len(key)] {
			if equalUpperASCII(key, fs.folded[f]) {
				return f
			}
		}
		return noField
	}
	folded := foldName(key)
	for f, n := range fs.folded {
		if string(folded) == n {
			return field(f)
		}
	}
	return noField
}

// equalUpperASCII reports whether key, in upper case, is upper.
func equalUpperASCII(key []byte, upper string) bool {
	for i, c := range key {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// foldName is encoding/json's: ASCII in upper case, any other letter as
// the smallest rune of its case-folding orbit, so that two names fold alike
// exactly when encoding/json matches one to the other.
func foldName(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	return out
}

func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}
