package workspace

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jsonAt walks a decoded JSON value by keys and indexes ("rows", 0, "patient").
func jsonAt(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: not an object: %v", p, v)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at %v: not an array this long: %v", p, v)
			}
			v = a[k]
		}
	}
	return v
}

func TestAPI(t *testing.T) {
	ts := newTestServer(t, Config{})
	type check struct {
		path []any
		want any
	}
	tests := []struct {
		name, path string
		status     int
		checks     []check
	}{
		{"trials", "/api/trials", 200, []check{
			{[]any{"trials", 0, "id"}, "demo"},
			{[]any{"trials", 0, "total"}, 12.0},
			{[]any{"trials", 0, "counts", "incomplete"}, 7.0},
			{[]any{"trials", 0, "counts", "eligible"}, 1.0},
			{[]any{"trials", 0, "funnel", 2, "id"}, "anc"},
			{[]any{"trials", 0, "funnel", 2, "unknown"}, 5.0},
			{[]any{"trials", 0, "funnel", 4, "remaining"}, 9.0},
			{[]any{"trials", 0, "funnel", 4, "clear"}, 2.0},
		}},
		{"worklist", "/api/trials/demo?status=incomplete&page_size=2&page=2", 200, []check{
			{[]any{"trial"}, "demo"}, {[]any{"status"}, "incomplete"}, {[]any{"total"}, 7.0}, {[]any{"pages"}, 4.0},
			{[]any{"page_size"}, 2.0}, {[]any{"rows", 0, "unknowns"}, 1.0},
			{[]any{"rows", 0, "obtain", 0}, "ANC within 28 days"},
		}},
		{"worklist, ineligible row", "/api/trials/demo?status=ineligible&q=x3", 200, []check{
			{[]any{"rows", 0, "patient"}, "Patient/x3"},
			{[]any{"rows", 0, "ruled_out_by", "id"}, "anc"},
			{[]any{"rows", 0, "ruled_out_by", "reason"}, "ANC 1.2 10*9/L on 2026-10-26 < 1.5"},
			{[]any{"rows", 0, "ruled_out_by", "evidence", 0}, "Observation/anc-1"},
		}},
		{"worklist, candidate row", "/api/trials/demo?status=candidate", 200, []check{
			{[]any{"rows", 0, "open", 0, "id"}, "consent"},
			{[]any{"rows", 0, "valid_until"}, "2026-11-21T00:00:00Z"},
		}},
		{"worklist, empty page", "/api/trials/demo?status=eligible&page=5", 200, []check{{[]any{"rows"}, []any{}}}},
		{"worklist, bad status", "/api/trials/demo?status=x", 400, []check{{[]any{"error"}, "status: one of eligible, candidate, incomplete, ineligible"}}},
		{"worklist, unknown trial", "/api/trials/nope", 404, []check{{[]any{"error"}, "no such trial"}}},
		{"unlock", "/api/trials/demo/unlock?limit=1", 200, []check{
			{[]any{"incomplete"}, 7.0},
			{[]any{"items"}, []any{map[string]any{"obtain": "ANC within 28 days", "only": 4.0, "blocks": 5.0}}},
			{[]any{"sets", 0, "missing"}, []any{"ANC within 28 days"}},
			{[]any{"sets", 0, "patients"}, 4.0},
		}},
		{"patient", "/api/patients/" + strings.TrimPrefix(PatientPath(urlPatient), "/patients/"), 200, []check{
			{[]any{"patient"}, urlPatient},
			{[]any{"trials", 0, "trial"}, "demo"},
			{[]any{"trials", 0, "status"}, "incomplete"},
			{[]any{"trials", 0, "criteria", 0, "automated"}, false},
			{[]any{"trials", 0, "criteria", 2, "obtain", 0}, "ANC within 28 days"},
			{[]any{"trials", 0, "criteria", 2, "evidence"}, []any{}},
			{[]any{"history"}, []any{}},
			{[]any{"sent"}, []any{}},
		}},
		{"patient history", "/api/patients/Patient%2Fi2", 200, []check{
			{[]any{"history", 0, "id"}, "e1"}, {[]any{"history", 0, "to"}, "incomplete"}, {[]any{"history", 0, "cause"}, "Observation/anc-1"},
		}},
		{"unknown patient", "/api/patients/Patient%2Fnope", 404, []check{{[]any{"error"}, "no such patient"}}},
		{"search", "/api/patients?q=patient/x", 200, []check{{[]any{"patients"}, []any{"Patient/x1", "Patient/x2", "Patient/x3"}}}},
		{"search, nothing", "/api/patients?q=", 200, []check{{[]any{"patients"}, []any{}}}},
		{"session", "/api/session", 200, []check{{[]any{"auth"}, false}, {[]any{"user"}, ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := ts.get(t, tc.path)
			if res.StatusCode != tc.status || res.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d (want %d), content type %q; body %s", res.StatusCode, tc.status, res.Header.Get("Content-Type"), body)
			}
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.checks {
				if diff := cmp.Diff(c.want, jsonAt(t, v, c.path...)); diff != "" {
					t.Errorf("%v (-want +got):\n%s", c.path, diff)
				}
			}
		})
	}
}

// apiSession returns the session cookie and token of GET /api/session.
func apiSession(t *testing.T, ts testServer) (*http.Cookie, string) {
	t.Helper()
	res, body := ts.get(t, "/api/session")
	var s struct {
		Token string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(body), &s); err != nil || s.Token == "" || len(res.Cookies()) != 1 {
		t.Fatalf("session: %s %v", body, err)
	}
	return res.Cookies()[0], s.Token
}

func apiPost(body string, contentType string, cookie *http.Cookie, token string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/api/decisions", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	if token != "" {
		req.Header.Set(csrfHeader, token)
	}
	return req
}

func TestAPIDecision(t *testing.T) {
	ts := newTestServer(t, Config{})
	cookie, token := apiSession(t, ts)
	const ok = `{"patient":"Patient/i1","trial":"demo","criterion":"anc","result":"met","reason":"ANC 2.1 by phone","by":"dr-lee"}`
	tests := []struct {
		name   string
		req    *http.Request
		status int
		want   string
	}{
		{"no token", apiPost(ok, "application/json", cookie, ""), 403, "missing or stale X-CSRF-Token"},
		{"token without its cookie", apiPost(ok, "application/json", nil, token), 403, "missing or stale"},
		{"form encoded", apiPost(ok, "application/x-www-form-urlencoded", cookie, token), 415, "application/json"},
		{"text/plain (a cross-site form's)", apiPost(ok, "text/plain", cookie, token), 415, "application/json"},
		{"unknown field", apiPost(`{"patient":"Patient/i1","colour":"red"}`, "application/json", cookie, token), 400, `unknown field \"colour\"`},
		{"no reason", apiPost(strings.Replace(ok, "ANC 2.1 by phone", "", 1), "application/json", cookie, token), 400, "reason: required"},
		{"accepted", apiPost(ok, "application/json; charset=utf-8", cookie, token), 202, `"by":"dr-lee"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := ts.do(t, tc.req)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("status %d (want %d), body %s lacks %s", res.StatusCode, tc.status, body, tc.want)
			}
		})
	}
	got := ts.rec.decisions()
	want := []Decision{{Patient: "Patient/i1", Trial: "demo", Criterion: "anc", Result: "met", Reason: "ANC 2.1 by phone", By: "dr-lee", At: decidedAt}}
	if !equalDecisions(got, want) {
		t.Errorf("recorded %+v", got)
	}
}
