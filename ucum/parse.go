package ucum

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxExponent = 99 // largest |N| in m2, 10*N, s-1
	maxDepth    = 16 // deepest parenthesis nesting
)

// Parse parses a UCUM unit (case-sensitive, or all capitals as UCUM's
// case-insensitive form), also accepting the common non-UCUM spellings
// listed in the package documentation. Blanks around operators are
// ignored; a blank between two components multiplies ("10*9 cells/L").
func Parse(unit string) (Unit, error) {
	p := &parser{src: unit, s: clean(unit)}
	if p.s == "" {
		return Unit{}, p.fail(ErrUnknownUnit, "empty")
	}
	u, err := p.term()
	if err != nil {
		return Unit{}, err
	}
	if !p.eof() {
		return Unit{}, p.unexpected()
	}
	return u, nil
}

// typography maps characters feeds use onto ASCII.
var typography = map[rune]string{
	'⁰': "0", '¹': "1", '²': "2", '³': "3", '⁴': "4", '⁵': "5", '⁶': "6",
	'⁷': "7", '⁸': "8", '⁹': "9", '⁻': "-", '⁺': "+", 'µ': "u", 'μ': "u",
	'×': "x", '·': ".",
}

// clean trims s and maps typography onto ASCII; a superscript after a
// digit is a power of that number ("10⁹" is "10*9", "mm³" is "mm3").
func clean(s string) string {
	var b strings.Builder
	prev := ' ' // last rune before the current superscript run
	for _, r := range strings.TrimSpace(s) {
		t, ok := typography[r]
		switch {
		case !ok:
			t = string(r)
		case isSuperscript(r) && prev >= '0' && prev <= '9':
			t = "*" + t
		}
		b.WriteString(t)
		if isSuperscript(r) {
			prev = ' '
		} else {
			prev = r
		}
	}
	return perStandardArea.ReplaceAllString(b.String(), "/{1.73_m2}")
}

// perStandardArea matches the spellings feeds use for "per 1.73 m2 of body
// surface" (eGFR: "mL/min/1.73m2", "mL/min/1.73 m^2", "ml/min/1.73 sq m").
// They mean UCUM's annotation {1.73_m2}: the value is scaled to a standard
// body surface, not divided by an area.
var perStandardArea = regexp.MustCompile(`(?i)/\s*\(?\s*1[.,]73\s*[_ ]?\s*(?:m2|m\^2|m\*\*2|sq\.?\s*m|square\s+met(?:er|re)s?)\s*\)?`)

func isSuperscript(r rune) bool {
	_, ok := typography[r]
	return ok && r != 'µ' && r != 'μ' && r != '×' && r != '·'
}

type parser struct {
	src   string // the unit as given, for messages
	s     string // the cleaned unit being parsed
	i     int
	depth int
}

func (p *parser) eof() bool { return p.i >= len(p.s) }

func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.i]
}

func (p *parser) fail(kind error, msg string) error {
	return errorf(kind, "unit %q: %s", p.src, msg)
}

func (p *parser) unexpected() error {
	if p.eof() {
		return p.fail(ErrUnknownUnit, "unexpected end")
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return p.fail(ErrUnknownUnit, "unexpected "+strconv.Quote(string(r)))
}

// skipSpace skips blanks and reports whether there were any.
func (p *parser) skipSpace() bool {
	start := p.i
	for !p.eof() && p.atSpace() {
		_, n := utf8.DecodeRuneInString(p.s[p.i:])
		p.i += n
	}
	return p.i > start
}

// term parses ["/"] component {("." | "/" | blank) component}, evaluated
// left to right.
func (p *parser) term() (Unit, error) {
	u, op := Unit{value: unity}, byte('.')
	p.skipSpace()
	if p.peek() == '/' {
		op = '/'
		p.i++
		p.skipSpace()
	}
	for first := true; ; first = false {
		c, err := p.component()
		if err != nil {
			return Unit{}, err
		}
		if u, err = p.join(u, c, op, first); err != nil {
			return Unit{}, err
		}
		var more bool
		if op, more, err = p.operator(); err != nil || !more {
			return u, err
		}
	}
}

// join combines u op c, value and spelling.
func (p *parser) join(u, c Unit, op byte, first bool) (Unit, error) {
	sign := 1
	if op == '/' {
		sign = -1
	}
	v := u.times(c.value, sign)
	if !v.finite() {
		return Unit{}, p.fail(ErrRange, "out of range")
	}
	return Unit{value: v, text: joinText(u.text, c.text, op, first)}, nil
}

func joinText(left, right string, op byte, first bool) string {
	switch {
	case op == '/':
		return left + "/" + right
	case first:
		return right
	case strings.HasPrefix(right, "{") && !strings.HasSuffix(left, "}"):
		return left + right // an annotation on the unit before it
	}
	return left + "." + right
}

// operator reads what follows a component: ".", "/", a blank (read as
// "."), or the end of the term.
func (p *parser) operator() (byte, bool, error) {
	spaced := p.skipSpace()
	if p.eof() || p.peek() == ')' {
		return 0, false, nil
	}
	op := p.peek()
	if op != '.' && op != '/' {
		if spaced {
			return '.', true, nil
		}
		return 0, false, p.unexpected()
	}
	p.i++
	p.skipSpace()
	if p.eof() || p.peek() == ')' {
		return 0, false, p.fail(ErrUnknownUnit, "missing unit after "+strconv.Quote(string(op)))
	}
	return op, true, nil
}

// component parses "(" term ")" [annotation], an annotation alone, or a
// simple unit or factor with optional annotation.
func (p *parser) component() (Unit, error) {
	switch p.peek() {
	case '(':
		return p.group()
	case '{':
		a, err := p.annotation()
		return Unit{value: unity, text: a}, err
	}
	tok, err := p.token()
	if err != nil {
		return Unit{}, err
	}
	u, err := p.simpleUnit(tok)
	if err != nil {
		return Unit{}, err
	}
	return p.annotated(u)
}

func (p *parser) group() (Unit, error) {
	if p.depth++; p.depth > maxDepth {
		return Unit{}, p.fail(ErrUnknownUnit, "too many parentheses")
	}
	p.i++ // "("
	u, err := p.term()
	if err != nil {
		return Unit{}, err
	}
	if p.peek() != ')' {
		return Unit{}, p.fail(ErrUnknownUnit, `missing ")"`)
	}
	p.i++
	p.depth--
	u.text = "(" + u.text + ")"
	return p.annotated(u)
}

// annotated appends an annotation that directly follows u, if any.
func (p *parser) annotated(u Unit) (Unit, error) {
	if p.peek() != '{' {
		return u, nil
	}
	a, err := p.annotation()
	u.text += a
	return u, err
}

// annotation reads "{...}"; it is unity.
func (p *parser) annotation() (string, error) {
	end := strings.IndexByte(p.s[p.i:], '}')
	if end < 0 || strings.IndexByte(p.s[p.i+1:p.i+end], '{') >= 0 {
		return "", p.fail(ErrUnknownUnit, "unterminated annotation")
	}
	a := p.s[p.i : p.i+end+1]
	p.i += end + 1
	return a, nil
}

// token reads a symbol with its exponent: up to an operator, parenthesis,
// brace or blank; "[...]" is read whole.
func (p *parser) token() (string, error) {
	start := p.i
	for !p.eof() && !strings.ContainsRune("./(){}", rune(p.peek())) && !p.atSpace() {
		if p.peek() != '[' {
			p.i++
			continue
		}
		end := strings.IndexByte(p.s[p.i:], ']')
		if end < 0 {
			return "", p.fail(ErrUnknownUnit, `missing "]"`)
		}
		p.i += end + 1
	}
	if p.i == start {
		return "", p.unexpected()
	}
	return p.s[start:p.i], nil
}

func (p *parser) atSpace() bool {
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return unicode.IsSpace(r)
}

// simpleUnit resolves a token: a number ("1", "1000") or a prefixed atom
// with optional exponent ("mm3", "10*9", "s-1").
func (p *parser) simpleUnit(tok string) (Unit, error) {
	if isDigits(tok) {
		return p.number(tok)
	}
	body, exp, ok := splitExponent(tok)
	if !ok {
		return Unit{}, p.fail(ErrUnknownUnit, "exponent out of range in "+strconv.Quote(tok))
	}
	if body == "" {
		body = tok
	}
	s, found := lookup(body)
	if !found {
		return Unit{}, p.fail(ErrUnknownUnit, "unknown atom "+strconv.Quote(body))
	}
	if s.exp *= exp; s.exp > maxExponent || s.exp < -maxExponent {
		return Unit{}, p.fail(ErrUnknownUnit, "exponent out of range in "+strconv.Quote(tok))
	}
	v := s.value()
	if !v.finite() {
		return Unit{}, p.fail(ErrRange, "out of range")
	}
	return Unit{value: v, text: spell(s, tok)}, nil
}

func (p *parser) number(tok string) (Unit, error) {
	f, err := strconv.ParseFloat(tok, 64)
	if f == 0 {
		return Unit{}, p.fail(ErrUnknownUnit, "zero factor")
	}
	if err != nil {
		return Unit{}, p.fail(ErrRange, "factor "+strconv.Quote(tok)+" out of range")
	}
	return Unit{value: value{mant: f}, text: tok}, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// splitExponent splits "mm3" into "mm", 3 and "s-1" into "s", -1. ok is
// false when the exponent is out of range.
func splitExponent(tok string) (body string, exp int, ok bool) {
	j := len(tok)
	for j > 0 && tok[j-1] >= '0' && tok[j-1] <= '9' {
		j--
	}
	if j == len(tok) {
		return tok, 1, true
	}
	if j > 0 && (tok[j-1] == '+' || tok[j-1] == '-') {
		j--
	}
	e, err := strconv.Atoi(tok[j:])
	if err != nil || e > maxExponent || e < -maxExponent {
		return tok[:j], 0, false
	}
	return tok[:j], e, true
}

func (s simple) value() value {
	v := value{mant: s.at.mant, p10: s.at.p10, dim: s.at.dim, molar: s.at.molar}
	if s.pre != nil {
		v.p10 += s.pre.p10
	}
	return v.pow(s.exp)
}

// spell returns the canonical spelling of s, or tok as written when the
// canonical spelling would read back as something else ("Ml" megalitre
// would print as "ML", which reads as millilitre).
func spell(s simple, tok string) string {
	if strings.HasPrefix(s.at.code, "{") {
		return s.at.code // unity: an exponent changes nothing
	}
	body := s.at.code
	if s.pre != nil {
		body = s.pre.canon + body
	}
	if !readsBack(body, s) {
		return tok
	}
	if s.exp == 1 && s.at.code != "10*" {
		return body
	}
	return body + strconv.Itoa(s.exp)
}

// readsBack reports whether body (no exponent) parses as s's prefix and atom.
func readsBack(body string, s simple) bool {
	back, ok := lookup(body)
	if !ok || back.at != s.at || back.exp != 1 || (back.pre == nil) != (s.pre == nil) {
		return false
	}
	return back.pre == nil || back.pre.p10 == s.pre.p10
}
