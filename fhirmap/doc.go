// Package fhirmap turns FHIR R4 JSON into trialscout's facts.
//
// It owns everything between raw bytes and facts.Resource: telling a JSON
// document from NDJSON, splitting Bundles (nested ones too) so that each
// entry is read, positioned and rejected on its own, parsing each resource
// with jsonformat, resolving references in every form real data uses
// (Type/id, urn:uuid through the Bundle's fullUrls, absolute URLs, contained
// resources, Medications elsewhere in the Bundle), and reducing each resource
// trialscout reads to its fact: concepts matched through a facts.Vocabulary,
// UTC times, values, and a medication's period and daily dose in mg. Each
// document (a file, an NDJSON line) is read in one pass that checks it and
// takes the header of every resource in it (scan.go). Most resources name
// no concept at all; those are recognised from a few fields of the header
// and mapped without the full parse (skim.go), unvalidated.
//
// Every resource seen yields exactly one Result: a fact, a reason it was
// ignored (a type trialscout does not read), or an *Error wrapping one of
// the sentinels (ErrNotJSON, ErrNotFHIR, ErrNoPatient, ErrTooLarge, ErrNoID)
// with the file and position. Nothing is dropped silently, nothing panics,
// and nothing is logged: the package is pure, and a Mapper is safe for
// concurrent use.
package fhirmap
