package workspace

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/trialscout/trialscout/evaluator"
)

// obtainer turns an unknown criterion's reason into what a coordinator would
// obtain to decide it ("ANC within 28 days"), from the trial's own concept
// titles and windows; nothing in it knows a particular trial.
type obtainer struct {
	titles []conceptTitle // longest first
	texts  map[string]string

	mu   sync.Mutex
	memo map[[2]string][]string // (criterion, reason) -> items
}

type conceptTitle struct {
	title  string
	window string // "28 days", empty when the concept has no window
}

// memoLimit bounds the memo: reasons carry dates, so the set drifts by day.
const memoLimit = 20000

func newObtainer(t evaluator.Trial) *obtainer {
	o := &obtainer{texts: map[string]string{}, memo: map[[2]string][]string{}}
	seen := map[string]bool{}
	for _, c := range t.Concepts {
		if c.Title == "" || seen[c.Title] {
			continue
		}
		seen[c.Title] = true
		o.titles = append(o.titles, conceptTitle{title: c.Title, window: windowText(t, c.Window)})
	}
	sort.SliceStable(o.titles, func(i, j int) bool { return len(o.titles[i].title) > len(o.titles[j].title) })
	for _, c := range t.Criteria {
		o.texts[c.ID] = c.Text
	}
	return o
}

// windowText resolves a concept's window (a parameter name or a span) to
// words: "screening_window" -> "28 days".
func windowText(t evaluator.Trial, w string) string {
	if w == "" {
		return ""
	}
	if p, ok := t.Parameters[w]; ok {
		w = p
	}
	s, err := evaluator.ParseSpan(w)
	if err != nil {
		return ""
	}
	return s.String()
}

// Items returns what to obtain for one unknown criterion. The result is
// shared: callers must not modify it.
func (o *obtainer) Items(criterion, reason string) []string {
	key := [2]string{criterion, reason}
	o.mu.Lock()
	items, ok := o.memo[key]
	o.mu.Unlock()
	if ok {
		return items
	}
	items = o.derive(criterion, reason)
	o.mu.Lock()
	if len(o.memo) >= memoLimit {
		clear(o.memo)
	}
	o.memo[key] = items
	o.mu.Unlock()
	return items
}

var (
	// "no ANC in the 28 days up to 2026-11-01", also inside parentheses.
	noneInWindow = regexp.MustCompile(`\bno ([^;()]+?) in the (\d+ [a-z]+) up to \d{4}-\d{2}-\d{2}`)
	// A clause that is only an absence: "no medication data", "no birth date on record".
	noneAtAll = regexp.MustCompile(`^no ([^;()]+?)(?: on record| up to \S+)?$`)
)

func (o *obtainer) derive(criterion, reason string) []string {
	var items []string
	for _, m := range noneInWindow.FindAllStringSubmatch(reason, -1) {
		items = appendNew(items, o.within(m[1], m[2]))
	}
	if len(items) == 0 {
		for _, clause := range strings.Split(reason, "; ") {
			if m := noneAtAll.FindStringSubmatch(strings.TrimSpace(clause)); m != nil {
				items = appendNew(items, o.within(m[1], ""))
			}
		}
	}
	if len(items) == 0 {
		if t, ok := o.firstTitle(reason); ok {
			items = append(items, t.title+" within "+t.window)
		}
	}
	if len(items) == 0 {
		items = append(items, o.fallback(criterion))
	}
	return items
}

// within names what is missing with the window the trial gives it: the
// concept's own when what is missing is a concept title ("INR or aPTT"
// takes the first one's), else the span the reason named.
func (o *obtainer) within(what, span string) string {
	first, _, _ := strings.Cut(what, " or ")
	for _, t := range o.titles {
		if t.title == first && t.window != "" {
			span = t.window
			break
		}
	}
	if span == "" {
		return what
	}
	return what + " within " + span
}

// firstTitle finds the leftmost concept title with a window in the reason,
// as a whole word ("SLE" does not match inside "SLEDAI-2K").
func (o *obtainer) firstTitle(reason string) (conceptTitle, bool) {
	best, at := conceptTitle{}, -1
	for _, t := range o.titles {
		if t.window == "" {
			continue
		}
		if i := wordIndex(reason, t.title); i >= 0 && (at < 0 || i < at) {
			best, at = t, i
		}
	}
	return best, at >= 0
}

func wordIndex(s, word string) int {
	for from := 0; from < len(s); {
		i := strings.Index(s[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(word)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			return i
		}
		from = i + 1
	}
	return -1
}

func isWordByte(b byte) bool {
	return b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// fallback is the criterion's id and the start of its protocol text.
func (o *obtainer) fallback(criterion string) string {
	text := o.texts[criterion]
	if text == "" {
		return criterion
	}
	return criterion + ": " + shorten(text, 70)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut <= 0 {
		for cut = n; cut > 0 && !utf8.RuneStart(s[cut]); cut-- {
		}
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
