package fhirmap

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestHeaderFieldsCoverTheHeader: the scan fills a header through
// headerFields; a member added to header (or skimFields) and not listed
// there would be silently empty when the scan reads it, while peek's
// json.Unmarshal fills it. Every tagged member must be listed, and field
// must hand back that very member.
func TestHeaderFieldsCoverTheHeader(t *testing.T) {
	var h header
	v := reflect.ValueOf(&h).Elem()
	var walk func(v reflect.Value)
	seen := 0
	walk = func(v reflect.Value) {
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if sf.Anonymous {
				walk(v.Field(i))
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "" || sf.Type != reflect.TypeOf(json.RawMessage(nil)) {
				continue // the entries have their own set
			}
			seen++
			f := headerFields.match([]byte(name))
			if f == noField {
				t.Errorf("header member %s (%q) is not in headerFields", sf.Name, name)
				continue
			}
			if got := h.field(f); got != v.Field(i).Addr().Interface().(*json.RawMessage) {
				t.Errorf("field(%q) is not header.%s", name, sf.Name)
			}
		}
	}
	walk(v)
	if seen < 20 {
		t.Fatalf("found %d header members: the walk finds too few to mean anything", seen)
	}
}
