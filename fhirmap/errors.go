package fhirmap

import (
	"errors"
	"fmt"
)

// The reasons a resource is rejected. Callers branch on them with errors.Is;
// the *Error that wraps them says where and what exactly.
var (
	// ErrNotJSON: the bytes are not JSON (including text that is not UTF-8).
	ErrNotJSON = errors.New("not JSON")
	// ErrNotFHIR: JSON, but not a FHIR R4 resource (jsonformat rejects it, or
	// its resourceType is not an R4 resource type).
	ErrNotFHIR = errors.New("not FHIR R4")
	// ErrNoPatient: a resource that must belong to a patient names none, or
	// names something other than a Patient.
	ErrNoPatient = errors.New("no patient reference")
	// ErrTooLarge: a resource or document is above the configured limit.
	ErrTooLarge = errors.New("too large")
	// ErrNoID: a resource has neither an id nor a Bundle fullUrl to name it by.
	ErrNoID = errors.New("no id")
)

// Error is a rejected resource: where it was, what it was (when known) and
// why. Err wraps one of the sentinels above.
type Error struct {
	Pos Position
	Ref string // "Observation/abc" when known
	Err error
}

func (e *Error) Error() string {
	if e.Ref != "" {
		return fmt.Sprintf("%s (%s): %v", e.Pos, e.Ref, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Pos, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// failf builds an error wrapping sentinel with a formatted detail.
func failf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
