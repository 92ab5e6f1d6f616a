package streams

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// Keys of the state bucket. NATS KV keys allow only [-/_=.A-Za-z0-9], with
// "." separating tokens; a feed can send any id (FHIR's own ids are
// [A-Za-z0-9-.]{1,64}, but real feeds send spaces, non-ASCII letters,
// reserved subject characters and ids of thousands of characters). Every
// identity therefore maps to a key that is valid, collision-free and
// bounded in length:
//
//   - a short identity is escaped: letters, digits and "-" stay, every
//     other byte becomes "_" and two hex digits ("Patient/x.1" is
//     "Patient_2fx_2e1"), so keys stay readable for an operator;
//   - a long one is hashed (SHA-256, 32 base32 characters) under another
//     prefix, so an escaped key can never equal a hashed one.
//
// The record itself keeps the identity in full.
const (
	patientPrefix = "p."  // escaped patient identity
	hashedPrefix  = "ph." // hashed patient identity
	indexPrefix   = "r."  // resource index: who holds a resource
	// maxEscaped bounds an escaped identity; longer ones are hashed.
	maxEscaped = 120
)

// patientKey is the key of a patient's record (its head; the record's other
// keys extend it).
func patientKey(patient string) string {
	if esc, ok := escapeKey(patient); ok {
		return patientPrefix + esc
	}
	return hashedPrefix + hashKey(patient)
}

// resourceKey is the key of a resource's index entry.
func resourceKey(ref string) string { return indexPrefix + hashKey(ref) }

// escapeKey escapes s into one key token, or reports that it is too long.
func escapeKey(s string) (string, bool) {
	var b strings.Builder
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
		if b.Len() > maxEscaped {
			return "", false
		}
	}
	if b.Len() == 0 {
		return "", false
	}
	return b.String(), true
}

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// hashKey is a fixed-length key token for any string: 160 bits of its
// SHA-256, so that no two identities a hospital will ever see collide.
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return keyEncoding.EncodeToString(sum[:20])
}
