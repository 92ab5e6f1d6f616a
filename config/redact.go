package config

import (
	"net/url"
	"regexp"
	"strings"
)

// schemeAt finds where a URL of a list starts: at the beginning or after a
// comma, a scheme such as nats:// or tls://.
var schemeAt = regexp.MustCompile(`(?:^|,)\s*[A-Za-z][A-Za-z0-9+.\-]*://`)

// RedactURLs hides the secret of each URL in a comma-separated list: the
// password of user:password@, or the whole of token@. It does not parse
// the URLs, so a malformed one (a space, a bad % escape, a comma in the
// password) is hidden as well: everything between the scheme and the last
// @ before the next URL is taken as credentials.
func RedactURLs(s string) string {
	var b strings.Builder
	for _, seg := range urlSegments(s) {
		b.WriteString(redactOne(seg))
	}
	return b.String()
}

// urlSegments cuts a list at each URL that starts with a scheme; a list
// without schemes is one segment.
func urlSegments(s string) []string {
	starts := []int{0}
	for _, m := range schemeAt.FindAllStringIndex(s, -1) {
		if m[0] > 0 {
			starts = append(starts, m[0])
		}
	}
	segs := make([]string, len(starts))
	for i, start := range starts {
		end := len(s)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		segs[i] = s[start:end]
	}
	return segs
}

// credentials returns where a segment's credentials start and end (the
// last @), and whether it has any.
func credentials(seg string) (start, at int, ok bool) {
	at = strings.LastIndex(seg, "@")
	if at < 0 {
		return 0, 0, false
	}
	if i := strings.Index(seg, "://"); i >= 0 && i < at {
		start = i + len("://")
	}
	return start, at, true
}

func redactOne(seg string) string {
	start, at, ok := credentials(seg)
	if !ok {
		return seg
	}
	if user, _, hasPassword := strings.Cut(seg[start:at], ":"); hasPassword {
		return seg[:start] + user + ":xxxxx" + seg[at:]
	}
	return seg[:start] + "xxxxx" + seg[at:]
}

// URLSecrets returns the secrets a list of URLs holds (passwords and
// tokens), as written and unescaped, so that output can be checked or
// scrubbed for them.
func URLSecrets(s string) []string {
	var out []string
	for _, seg := range urlSegments(s) {
		start, at, ok := credentials(seg)
		if !ok {
			continue
		}
		secret := seg[start:at]
		if _, pw, hasPassword := strings.Cut(secret, ":"); hasPassword {
			secret = pw
		}
		if secret == "" {
			continue
		}
		out = append(out, secret)
		if u, err := url.PathUnescape(secret); err == nil && u != secret {
			out = append(out, u)
		}
	}
	return out
}
