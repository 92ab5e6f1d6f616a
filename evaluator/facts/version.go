package facts

import (
	"strconv"
	"time"
)

// Version orders the versions of one resource.
type Version struct {
	VersionID   string    `json:"v,omitempty"`
	LastUpdated time.Time `json:"u,omitzero"`
	Arrival     uint64    `json:"a,omitempty"`
}

// CompareVersions orders two versions of one resource: +1 when a is newer,
// -1 when older, 0 when they are the same version. meta.versionId decides
// when both are numeric and differ, else meta.lastUpdated when they differ
// (an absent one counts as earliest), else the arrival order. So a redelivered or replayed
// message (same arrival) never overrides what arrived after it, and a
// resource without versionId or lastUpdated (common in feeds converted
// from HL7 v2) is ordered by when it arrived.
func CompareVersions(a, b Version) int {
	if ai, err := strconv.ParseInt(a.VersionID, 10, 64); err == nil {
		if bi, err := strconv.ParseInt(b.VersionID, 10, 64); err == nil && ai != bi {
			return cmpInt(ai, bi)
		}
	}
	if !a.LastUpdated.Equal(b.LastUpdated) {
		return a.LastUpdated.Compare(b.LastUpdated) // an absent one is earliest
	}
	return cmpInt(a.Arrival, b.Arrival)
}

func cmpInt[T int64 | uint64](a, b T) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

// ArrivalShift is how many low bits of an arrival number the entry's place
// in a message takes: arrival = stream sequence << ArrivalShift | entry.
// Entries past the last place share it (and then keep input order only
// within the limit of a message's size).
const ArrivalShift = 20

// Arrival is the arrival number of the entry-th resource of the message at
// stream sequence seq (both counting from 0 or 1, as the caller likes).
func Arrival(seq uint64, entry int) uint64 {
	if entry >= 1<<ArrivalShift {
		entry = 1<<ArrivalShift - 1
	}
	return seq<<ArrivalShift | uint64(entry)
}

// Entry is what a patient's store remembers of a resource's last applied
// version, whether or not it kept the resource's content: a late older
// version is refused against it even when the newest version is one no
// trial reads.
type Entry struct {
	Version
	// Effective is an observation's effective time: entries of observations
	// are forgotten with them (PruneObservations).
	Effective time.Time `json:"e,omitzero"`
	// MedStart is set for a medication record that counts as an exposure:
	// its start. It makes "medication data" independent of which drugs the
	// loaded trials name.
	MedStart time.Time `json:"m,omitzero"`
	// MovedTo names the patient a newer version of the resource belongs to.
	MovedTo string `json:"moved,omitempty"`
}
