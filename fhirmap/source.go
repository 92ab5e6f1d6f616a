package fhirmap

import (
	"net/url"
	"strings"
)

// Sources. A resource is identified by its source and its logical id: the
// same "Patient/x" from two hospitals is two patients. How a source is
// known:
//
//   - A message belongs to the source its publisher names (the
//     Trialscout-Source header; eval's --source flag), by default the local
//     source. Its resources belong to that source, and so do their relative
//     references (FHIR's own rule: relative to the server of the resource
//     that makes them).
//   - An absolute reference names its server's base URL: it belongs to the
//     source of that base ("https://hosp-b/fhir/Patient/x" is Patient/x of
//     https://hosp-b/fhir, never the local Patient/x), unless the base is
//     the server of the resource that makes it (its Bundle fullUrl's base).
//   - A Bundle entry whose absolute fullUrl has a base listed in
//     Options.Sources belongs to that base's source.
//
// Options.Sources says which bases are one source, and which one is the
// local source itself. Identities are written "Type/id" for the local
// source and "<base>/Type/id" for any other, so the output of a hospital
// with one feed looks as it always did.

// origin is where a resource comes from: its canonical source, and the
// base of its absolute fullUrl (its server as the Bundle names it; "" when
// none), normalised.
type origin struct {
	source string
	server string
}

// sourceSet canonicalises base URLs: normalised (scheme and host in lower
// case, no trailing slash), then mapped through the configured aliases.
type sourceSet struct {
	alias map[string]string // normalised base → canonical base ("" local)
}

func newSourceSet(aliases map[string]string) sourceSet {
	s := sourceSet{alias: map[string]string{}}
	for from, to := range aliases {
		if to != "" {
			to = normalizeBase(to)
		}
		s.alias[normalizeBase(from)] = to
	}
	return s
}

// known reports whether a base is listed in the configuration.
func (s sourceSet) known(base string) bool {
	_, ok := s.alias[normalizeBase(base)]
	return ok
}

// canonical is the canonical name of a base: "" for the local source.
func (s sourceSet) canonical(base string) string {
	if base == "" {
		return ""
	}
	n := normalizeBase(base)
	if to, ok := s.alias[n]; ok {
		return to
	}
	return n
}

// normalizeBase writes a base URL one way: scheme and host in lower case,
// no trailing slash. A base that is not a URL is kept as written, less a
// trailing slash.
func normalizeBase(base string) string {
	base = strings.TrimRight(strings.TrimSpace(base), "/")
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return base
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return strings.TrimRight(u.String(), "/")
}

// identity is how facts name a resource: "Type/id" of the local source,
// "<base>/Type/id" of another.
func identity(base, typ, id string) string {
	if base == "" {
		return typ + "/" + id
	}
	return base + "/" + typ + "/" + id
}

// absoluteBase splits an absolute http(s) reference or fullUrl ending in
// Type/id (after any "/_history/n") into its base, type and id.
func absoluteBase(ref string) (base, typ, id string, ok bool) {
	if !strings.HasPrefix(ref, "http://") && !strings.HasPrefix(ref, "https://") {
		return "", "", "", false
	}
	parts := strings.Split(stripHistory(ref), "/")
	if len(parts) < 5 { // "https:", "", host, Type, id
		return "", "", "", false
	}
	typ, id = parts[len(parts)-2], parts[len(parts)-1]
	if !isR4Type(typ) || id == "" {
		return "", "", "", false
	}
	return strings.Join(parts[:len(parts)-2], "/"), typ, id, true
}

// originOf is the origin of a resource with the given fullUrl (possibly "")
// in a message of the given source.
func (s sourceSet) originOf(fullURL, source string) origin {
	o := origin{source: s.canonical(source)}
	if b, _, _, ok := absoluteBase(fullURL); ok {
		o.server = normalizeBase(b)
		if s.known(b) {
			o.source = s.canonical(b)
		}
	}
	return o
}
