package workspace

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/trialscout/trialscout/evaluator"
)

// fakeRecorder keeps the decisions it is given, or fails with err.
type fakeRecorder struct {
	mu  sync.Mutex
	got []Decision
	err error
}

func (f *fakeRecorder) Record(_ context.Context, d Decision) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.got = append(f.got, d)
	return nil
}

func (f *fakeRecorder) decisions() []Decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Decision(nil), f.got...)
}

var decidedAt = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// testServer is a server over the demo population, with odd patient ids
// added, its recorder and its logs.
type testServer struct {
	*Server
	rm   *ReadModel
	rec  *fakeRecorder
	logs *observer.ObservedLogs
}

const (
	urlPatient  = "https://ehr.example.org/fhir/Patient/ehr-204718"
	oddPatient  = `Patient/<b>x</b> "y" & z?#%2F`
	dotsPatient = ".."
)

func newTestServer(t testing.TB, cfg Config) testServer {
	t.Helper()
	rm, tr := population(t)
	for _, id := range []string{urlPatient, oddPatient, dotsPatient} {
		put(rm, tr, id, R, M, U, M, N)
	}
	rm.AddTransition(Transition{EventID: "e1", Trial: "demo", Patient: "Patient/i2", To: evaluator.Incomplete, Time: asOf, Cause: "Observation/anc-1"})
	core, logs := observer.New(zap.DebugLevel)
	rec := &fakeRecorder{}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return decidedAt }
	}
	s, err := NewServer(cfg, rm, rec, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	return testServer{Server: s, rm: rm, rec: rec, logs: logs}
}

func (ts testServer) do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	w := httptest.NewRecorder()
	ts.Handler().ServeHTTP(w, req)
	res := w.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (ts testServer) get(t testing.TB, path string) (*http.Response, string) {
	t.Helper()
	return ts.do(t, httptest.NewRequest(http.MethodGet, path, nil))
}

func TestPages(t *testing.T) {
	ts := newTestServer(t, Config{})
	tests := []struct {
		name, path string
		status     int
		want       []string // in this order
		not        []string
	}{
		{"trials with counts and funnel", "/", 200,
			[]string{"Demo trial", `href="/trials/demo?status=eligible"`, "Eligible <b>1</b>", "Incomplete <b>7</b>", "12 patients evaluated",
				`<td class="id">consent</td>`, `<td class="id">infection <small class="kind">excl.</small></td>`, `<meter min="0" max="12" value="9">`}, nil},
		{"worklist, every status in order", "/trials/demo", 200,
			[]string{"Patient/e1", "every criterion decided", "Patient/c1", `decisions open: <abbr title="Signs the consent form.">consent</abbr>`,
				"Patient/i1", "obtain ANC within 28 days", "Patient/i2", "<b>2</b> unknown · obtain ANC within 28 days, LVEF within 90 days",
				"Patient/x1", "<b>age</b>: age 17 at 2026-11-01 is below 18", "Patient/x3", "Patient/x2"},
			[]string{"<script"}},
		{"worklist of one status", "/trials/demo?status=ineligible", 200,
			[]string{"Patient/x1", "Patient/x3", "Patient/x2"}, []string{"Patient/i1", "What would unlock"}},
		{"worklist unlock box", "/trials/demo?status=incomplete", 200,
			[]string{"What would unlock the most", "<b>2</b> patients lack only <b>LVEF within 90 days</b>; 3 need it with other things"}, nil},
		{"worklist search", "/trials/demo?q=PATIENT/X", 200, []string{"3 patients matching “PATIENT/X”", "Patient/x1"}, []string{"Patient/i1"}},
		{"worklist page 2", "/trials/demo?page=2", 200, []string{"page 2 of 1"}, []string{"Patient/e1"}},
		{"bad status", "/trials/demo?status=maybe", 400, []string{"status: one of eligible"}, nil},
		{"bad page", "/trials/demo?page=-1", 400, []string{"page: a whole number"}, nil},
		{"unknown trial", "/trials/nope", 404, []string{"no such trial"}, nil},
		{"unlock page", "/trials/demo/unlock", 200, []string{"LVEF within 90 days", "ANC within 28 days &#43; LVEF within 90 days"}, nil},
		{"patient, escaped id", "/patients/Patient%2Fi2", 200,
			[]string{"Patient/i2", "Demo trial", "incomplete", "ANC within 28 days", "no LVEF in the 90 days up to 2026-11-01",
				`name="csrf" value="`, `<option value="consent">consent: Signs the consent form. (review)</option>`,
				`<input name="by" required`, "Status history", "Observation/anc-1"}, nil},
		{"patient, unescaped id", "/patients/Patient/i2", 200, []string{"Patient/i2", "Demo trial"}, nil},
		{"patient, preselected criterion", "/patients/Patient%2Fi2?criterion=anc", 200, []string{`<option value="anc" selected>`}, nil},
		{"patient, absolute URL id", PatientPath(urlPatient), 200, []string{urlPatient, `value="` + urlPatient + `"`}, nil},
		{"patient, id with markup", PatientPath(oddPatient), 200, []string{"Patient/&lt;b&gt;x&lt;/b&gt; &#34;y&#34; &amp; z?#%2F"}, []string{"<b>x</b>"}},
		{"patient, id ..", PatientPath(dotsPatient), 200, []string{"<span class=\"muted\">Patient</span> ..</h1>"}, nil},
		{"unknown patient", "/patients/Patient%2Fnope", 404, []string{"No patient &#34;Patient/nope&#34;"}, nil},
		{"search", "/patients?q=patient/x", 200, []string{`href="/patients/Patient%2Fx1"`, `href="/patients/Patient%2Fx3"`}, nil},
		{"search, nothing", "/patients?q=zzz", 200, []string{"No patient id contains “zzz”"}, nil},
		{"stylesheet", "/static/style.css", 200, []string{"--eligible"}, nil},
		{"no such page", "/nope", 404, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := ts.get(t, tc.path)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d; body:\n%s", res.StatusCode, tc.status, body)
			}
			at := 0
			for _, w := range tc.want {
				i := strings.Index(body[at:], w)
				if i < 0 {
					t.Fatalf("body lacks %q after offset %d:\n%s", w, at, body)
				}
				at += i + len(w)
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("body has %q", w)
				}
			}
		})
	}
}

func TestSearchRedirectsOnExactMatch(t *testing.T) {
	ts := newTestServer(t, Config{})
	res, _ := ts.get(t, "/patients?q="+url.QueryEscape(urlPatient))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != PatientPath(urlPatient) {
		t.Errorf("status %d location %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t, Config{})
	res, _ := ts.get(t, "/patients/Patient%2Fi2")
	for h, want := range map[string]string{
		"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
		"Content-Type": "text/html; charset=utf-8",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	c := res.Cookies()
	if len(c) != 1 || c[0].Name != csrfCookie || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie %+v", c)
	}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formSession opens a patient's page as a browser would and returns its
// cookie and the form's token.
func formSession(t *testing.T, ts testServer, patient string, auth func(*http.Request)) (*http.Cookie, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, PatientPath(patient), nil)
	if auth != nil {
		auth(req)
	}
	res, body := ts.do(t, req)
	m := csrfInput.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil || len(res.Cookies()) != 1 {
		t.Fatalf("page: status %d, token %v, cookies %v", res.StatusCode, m, res.Cookies())
	}
	return res.Cookies()[0], m[1]
}

func formPost(form url.Values, cookie *http.Cookie) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/decisions", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return req
}

func TestDecisionForm(t *testing.T) {
	ts := newTestServer(t, Config{})
	cookie, token := formSession(t, ts, "Patient/i2", nil)
	other, _ := formSession(t, ts, "Patient/i2", nil)
	valid := func() url.Values {
		return url.Values{"csrf": {token}, "patient": {"Patient/i2"}, "trial": {"demo"}, "criterion": {"consent"},
			"result": {"met"}, "reason": {"signed on 2026-11-02"}, "by": {"dr-lee"}, "action": {"record"}}
	}
	with := func(k, v string) url.Values { f := valid(); f.Set(k, v); return f }
	tests := []struct {
		name   string
		form   url.Values
		cookie *http.Cookie
		status int
		want   string
	}{
		{"no token", with("csrf", ""), cookie, 403, "The form was refused"},
		{"no cookie", valid(), nil, 403, "The form was refused"},
		{"another session's cookie", valid(), other, 403, "The form was refused"},
		{"forged token", with("csrf", "AAAA"), cookie, 403, "The form was refused"},
		{"no reason", with("reason", "  "), cookie, 400, "Not recorded: reason: required"},
		{"no name on loopback", with("by", ""), cookie, 400, "Not recorded: by: say who decides"},
		{"bad result", with("result", "maybe"), cookie, 400, "Not recorded: result: choose met or not_met"},
		{"unknown criterion", with("criterion", "Z"), cookie, 400, "trial &#34;demo&#34; has no criterion &#34;Z&#34;"},
		{"unknown patient", with("patient", "Patient/nope"), cookie, 404, "no patient &#34;Patient/nope&#34;"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := ts.do(t, formPost(tc.form, tc.cookie))
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("status %d (want %d), body lacks %q:\n%s", res.StatusCode, tc.status, tc.want, body)
			}
		})
	}
	if got := ts.rec.decisions(); len(got) != 0 {
		t.Fatalf("refused forms recorded %v", got)
	}

	res, _ := ts.do(t, formPost(valid(), cookie))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/patients/Patient%2Fi2?sent=1#trial-demo" {
		t.Fatalf("status %d location %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = ts.do(t, formPost(with("action", "withdraw"), cookie))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: status %d", res.StatusCode)
	}
	want := []Decision{
		{Patient: "Patient/i2", Trial: "demo", Criterion: "consent", Result: evaluator.Met, Reason: "signed on 2026-11-02", By: "dr-lee", At: decidedAt},
		{Patient: "Patient/i2", Trial: "demo", Criterion: "consent", Reason: "signed on 2026-11-02", By: "dr-lee", At: decidedAt, Withdraw: true},
	}
	if got := ts.rec.decisions(); !equalDecisions(got, want) {
		t.Errorf("recorded %+v, want %+v", got, want)
	}
	_, body := ts.get(t, "/patients/Patient%2Fi2?sent=1")
	for _, w := range []string{"Decision sent.", "Decisions sent from this workspace", "withdrawn", "dr-lee"} {
		if !strings.Contains(body, w) {
			t.Errorf("patient page lacks %q", w)
		}
	}
}

func equalDecisions(a, b []Decision) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecisionRecorderFails(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.rec.err = errors.New("nats: timeout")
	cookie, token := formSession(t, ts, "Patient/i2", nil)
	res, body := ts.do(t, formPost(url.Values{"csrf": {token}, "patient": {"Patient/i2"}, "trial": {"demo"},
		"criterion": {"anc"}, "result": {"met"}, "reason": {"lab faxed"}, "by": {"dr-lee"}}, cookie))
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(body, "could not be recorded") || strings.Contains(body, "nats") {
		t.Errorf("status %d body:\n%s", res.StatusCode, body)
	}
	if ts.logs.FilterMessage("recording a decision failed").Len() != 1 {
		t.Error("the failure is not logged")
	}
}

// TestLogsHoldNoFreeText: a decision's reason may describe the patient; the
// logs carry ids, never it.
func TestLogsHoldNoFreeText(t *testing.T) {
	ts := newTestServer(t, Config{})
	cookie, token := formSession(t, ts, "Patient/i2", nil)
	ts.do(t, formPost(url.Values{"csrf": {token}, "patient": {"Patient/i2"}, "trial": {"demo"}, "criterion": {"consent"},
		"result": {"met"}, "reason": {"Jane Roe, 34, pregnant"}, "by": {"dr-lee"}}, cookie))
	entries := ts.logs.All()
	if len(entries) == 0 {
		t.Fatal("nothing logged")
	}
	for _, e := range entries {
		for k, v := range e.ContextMap() {
			if s, _ := v.(string); strings.Contains(s, "Jane") || strings.Contains(e.Message, "Jane") {
				t.Errorf("log %q field %s holds the reason: %q", e.Message, k, s)
			}
		}
	}
	if got := ts.logs.FilterMessage("decision recorded").All(); len(got) != 1 || got[0].ContextMap()["patient"] != "Patient/i2" {
		t.Errorf("decision log: %+v", got)
	}
}
