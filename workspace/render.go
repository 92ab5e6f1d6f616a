package workspace

import (
	"bytes"
	"cmp"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/trialscout/trialscout/evaluator"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var pageNames = []string{"home.html", "worklist.html", "unlock.html", "patient.html", "search.html", "error.html"}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// page is what every template gets: the signed-in user, the form token, a
// message, and the page's own data.
type page struct {
	Title  string
	User   string
	Auth   bool
	CSRF   string
	Error  string
	Notice string
	Data   any
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, status int, p page) {
	p.User, p.Auth = userOf(r), s.auth.enabled()
	p.CSRF = s.csrf.token(s.csrf.nonce(w, r), p.User)
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	if err := s.pages[name].ExecuteTemplate(buf, "layout", p); err != nil {
		s.log.Error("rendering a page", zap.String("page", name), zap.Error(err))
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w) //nolint:errcheck // the client went away
}

// PatientPath is the workspace path of a patient's page. Every character of
// the id is kept: "/" is escaped, so "Patient/1" and absolute URLs are one
// path segment.
func PatientPath(id string) string {
	e := url.PathEscape(id)
	if e == "." || e == ".." {
		e = strings.ReplaceAll(e, ".", "%2E")
	}
	return "/patients/" + e
}

func trialPath(id string) string { return "/trials/" + url.PathEscape(id) }

// worklistURL is a trial's worklist with a status, a search and a page.
func worklistURL(trial string, status evaluator.Status, q string, page int) string {
	v := url.Values{}
	if status != "" {
		v.Set("status", string(status))
	}
	if q != "" {
		v.Set("q", q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return trialPath(trial)
	}
	return trialPath(trial) + "?" + v.Encode()
}

var statusLabels = map[evaluator.Status]string{
	Eligible: "Eligible", evaluator.Candidate: "Candidates", evaluator.Incomplete: "Incomplete", evaluator.Ineligible: "Ineligible",
}

var funcs = template.FuncMap{
	"statuses":    func() []evaluator.Status { return Statuses },
	"statusLabel": func(s evaluator.Status) string { return cmp.Or(statusLabels[s], string(s)) },
	"statusClass": func(s evaluator.Status) string { return "st-" + string(s) },
	"resultClass": resultClass,
	"resultLabel": func(r evaluator.Result) string { return strings.ReplaceAll(string(r), "_", " ") },
	"patientURL":  PatientPath,
	"trialURL":    trialPath,
	"worklistURL": worklistURL,
	"time":        fmtTime,
	"timePtr": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return fmtTime(*t)
	},
	"join":        strings.Join,
	"short":       func(s string) string { return shorten(s, 60) },
	"add":         func(a, b int) int { return a + b },
	"isExclusion": func(kind string) bool { return kind == evaluator.Exclusion },
}

// resultClass colours a result by what it means for the patient.
func resultClass(kind string, r evaluator.Result) string {
	switch {
	case inFavour(kind, r):
		return "r-favour"
	case against(kind, r):
		return "r-against"
	case r == evaluator.Review:
		return "r-review"
	}
	return "r-unknown"
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
