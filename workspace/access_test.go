package workspace

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/trialscout/trialscout/internal/testpki"
)

const (
	alicePassword = "correct horse battery"
	testToken     = "s3cr3t-t0ken-0123456789"
)

// usersFile writes a users file with alice (a cheap bcrypt cost, for speed).
func usersFile(t testing.TB) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(alicePassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(path, []byte("# coordinators\n\nalice:"+string(h)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // empty: valid
	}{
		{"default", Config{}, ""},
		{"off", Config{Addr: "off"}, ""},
		{"localhost", Config{Addr: "localhost:9000"}, ""},
		{"IPv6 loopback", Config{Addr: "[::1]:8080"}, ""},
		{"every interface, nothing set", Config{Addr: ":8080"},
			"ui_addr :8080 is not a loopback address: the workspace shows patient data, so beyond loopback it needs authentication (ui_users or ui_token) and TLS (ui_tls_cert and ui_tls_key)"},
		{"public, users but no TLS", Config{Addr: "0.0.0.0:8080", UsersFile: "users"},
			"ui_addr 0.0.0.0:8080 is not a loopback address: the workspace shows patient data, so beyond loopback it needs TLS (ui_tls_cert and ui_tls_key)"},
		{"public, TLS but no auth", Config{Addr: "10.1.2.3:8443", TLSCert: "c", TLSKey: "k"},
			"ui_addr 10.1.2.3:8443 is not a loopback address: the workspace shows patient data, so beyond loopback it needs authentication (ui_users or ui_token)"},
		{"a host name is not loopback", Config{Addr: "ws.example.org:443", Token: testToken},
			"ui_addr ws.example.org:443 is not a loopback address: the workspace shows patient data, so beyond loopback it needs TLS (ui_tls_cert and ui_tls_key)"},
		{"public, token and TLS", Config{Addr: "10.1.2.3:8443", Token: testToken, TLSCert: "c", TLSKey: "k"}, ""},
		{"no port", Config{Addr: "127.0.0.1"}, `ui_addr "127.0.0.1": want host:port (e.g. 127.0.0.1:8080) or off`},
		{"cert without key", Config{TLSCert: "c"}, "ui_tls_cert and ui_tls_key: set both or neither"},
		{"short token", Config{Token: "abc"}, "ui_token: at least 16 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if got := errText(err); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestNewServerRefuses(t *testing.T) {
	pki := testpki.New(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	good := usersFile(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"beyond loopback without auth", Config{Addr: "0.0.0.0:8080"}, "ui_addr 0.0.0.0:8080 is not a loopback address"},
		{"off", Config{Addr: Off}, ErrDisabled.Error()},
		{"missing users file", Config{UsersFile: filepath.Join(dir, "none")}, "ui_users: open "},
		{"no users", Config{UsersFile: write("empty", "# nobody\n")}, "ui_users " + dir + "/empty: no users"},
		{"no colon", Config{UsersFile: write("nocolon", "alice\n")}, "ui_users " + dir + "/nocolon:1: want user:bcrypt-hash"},
		{"not bcrypt", Config{UsersFile: write("md5", "# x\nalice:$apr1$abc$def\n")},
			"ui_users " + dir + `/md5:2: user "alice": not a bcrypt hash (make one with HashPassword or htpasswd -nB)`},
		{"twice", Config{UsersFile: write("twice", mustRead(t, good)+mustRead(t, good))}, "ui_users " + dir + `/twice:6: user "alice" appears twice`},
		{"bad TLS files", Config{TLSCert: pki.ServerKey, TLSKey: pki.ServerCert}, "ui_tls_cert, ui_tls_key: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewServer(tc.cfg, NewReadModel(nil), &fakeRecorder{}, zap.NewNop())
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err %v, want it to start with %q", err, tc.want)
			}
		})
	}
	if _, err := NewServer(Config{Addr: Off}, NewReadModel(nil), &fakeRecorder{}, zap.NewNop()); !errors.Is(err, ErrDisabled) {
		t.Errorf("off: %v", err)
	}
}

func mustRead(t testing.TB, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAuthentication(t *testing.T) {
	ts := newTestServer(t, Config{UsersFile: usersFile(t), Token: testToken})
	basic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	tests := []struct {
		name   string
		auth   func(*http.Request)
		status int
	}{
		{"none", nil, 401},
		{"wrong password", basic("alice", "wrong horse"), 401},
		{"unknown user", basic("mallory", alicePassword), 401},
		{"right password", basic("alice", alicePassword), 200},
		{"right password again (remembered)", basic("alice", alicePassword), 200},
		{"wrong password after a right one", basic("alice", alicePassword+"!"), 401},
		{"bearer token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testToken) }, 200},
		{"wrong bearer token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, 401},
		{"token as basic password", basic("token", testToken), 200},
		{"token as another user's password", basic("alice", testToken), 401},
	}
	for _, tc := range tests {
		for _, path := range []string{"/", "/api/trials", "/patients/Patient%2Fi2", "/static/style.css"} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				if tc.auth != nil {
					tc.auth(req)
				}
				res, body := ts.do(t, req)
				if res.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
				}
				if tc.status == 401 && (!strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") || strings.Contains(body, "Patient")) {
					t.Errorf("401 with header %q, body %q", res.Header.Get("WWW-Authenticate"), body)
				}
			})
		}
	}
	if n := ts.logs.FilterMessage("authentication failed").Len(); n == 0 {
		t.Error("failed authentication not logged")
	}
}

func TestDecisionsCarryTheAuthenticatedUser(t *testing.T) {
	ts := newTestServer(t, Config{UsersFile: usersFile(t), Token: testToken})
	asAlice := func(r *http.Request) { r.SetBasicAuth("alice", alicePassword) }
	cookie, token := formSession(t, ts, "Patient/i2", asAlice)
	_, page := ts.do(t, authed(httptest.NewRequest(http.MethodGet, "/patients/Patient%2Fi2", nil), asAlice))
	if strings.Contains(page, `name="by"`) || !strings.Contains(page, "Signed in as <b>alice</b>") {
		t.Error("with authentication the form asks for a name, or does not show the user")
	}
	form := url.Values{"csrf": {token}, "patient": {"Patient/i2"}, "trial": {"demo"}, "criterion": {"consent"},
		"result": {"met"}, "reason": {"signed"}, "by": {"someone-else"}}

	res, _ := ts.do(t, authed(formPost(url.Values{"patient": {"Patient/i2"}, "trial": {"demo"}, "criterion": {"consent"},
		"result": {"met"}, "reason": {"signed"}}, cookie), asAlice))
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("authenticated form without the token: status %d, want 403", res.StatusCode)
	}
	res, _ = ts.do(t, authed(formPost(form, cookie), func(r *http.Request) { r.SetBasicAuth("token", testToken) }))
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("alice's token used by another user: status %d, want 403", res.StatusCode)
	}
	res, _ = ts.do(t, authed(formPost(form, cookie), asAlice))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("form: status %d", res.StatusCode)
	}

	body := `{"patient":"Patient/i1","trial":"demo","criterion":"anc","result":"not_met","reason":"haemolysed sample","by":"someone-else"}`
	res, _ = ts.do(t, authed(apiPost(body, "application/json", nil, ""), func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testToken) }))
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("API with the bearer token: status %d", res.StatusCode)
	}
	res, _ = ts.do(t, authed(apiPost(body, "text/plain", nil, ""), asAlice))
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("API as text/plain with basic auth: status %d", res.StatusCode)
	}
	cross := authed(apiPost(body, "application/json", nil, ""), asAlice)
	cross.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, _ = ts.do(t, cross); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site API POST: status %d", res.StatusCode)
	}

	var by []string
	for _, d := range ts.rec.decisions() {
		by = append(by, d.By)
	}
	if strings.Join(by, ",") != "alice,token" {
		t.Errorf("decisions by %v, want alice (form) and token (API)", by)
	}
}

func authed(r *http.Request, auth func(*http.Request)) *http.Request {
	auth(r)
	return r
}

// TestServeTLS serves over TLS with basic auth on a real socket, then shuts
// down when the context ends.
func TestServeTLS(t *testing.T) {
	pki := testpki.New(t)
	rm, _ := population(t)
	s, err := NewServer(Config{Addr: "127.0.0.1:0", UsersFile: usersFile(t), TLSCert: pki.ServerCert, TLSKey: pki.ServerKey},
		rm, &fakeRecorder{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeListener(ctx, ln) }()

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(mustRead(t, pki.CA)))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	base := "https://" + ln.Addr().String()
	get := func(user, pass string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/trials", nil)
		req.SetBasicAuth(user, pass)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("alice", alicePassword); code != 200 || !strings.Contains(body, `"id":"demo"`) {
		t.Errorf("over TLS: %d %s", code, body)
	}
	if code, _ := get("alice", "nope"); code != 401 {
		t.Errorf("wrong password over TLS: %d", code)
	}
	if res, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil && res.StatusCode == 200 {
		t.Error("plain HTTP answered with a page")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the context ended")
	}
}

func TestSetUser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	if err := SetUser(path, "alice", "first password"); err != nil {
		t.Fatal(err)
	}
	if err := SetUser(path, "bob", "bob's password"); err != nil {
		t.Fatal(err)
	}
	if err := SetUser(path, "alice", "second password"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	users, err := ReadUsersFile(path)
	if err != nil || len(users) != 2 {
		t.Fatalf("users %v, %v", users, err)
	}
	if bcrypt.CompareHashAndPassword(users["alice"], []byte("second password")) != nil {
		t.Error("alice's password was not replaced")
	}
	for _, bad := range []struct{ user, pass string }{{"a b", "long enough"}, {"a:b", "long enough"}, {"", "long enough"}, {"carol", "short"}} {
		if err := SetUser(path, bad.user, bad.pass); err == nil {
			t.Errorf("SetUser(%q, %q) accepted", bad.user, bad.pass)
		}
	}
}

func TestServeOwnListener(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	rm := NewReadModel(nil)
	s, _ := NewServer(Config{Addr: busy.Addr().String()}, rm, &fakeRecorder{}, zap.NewNop())
	if err := s.Serve(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "ui_addr: listen tcp") {
		t.Errorf("port in use: %v", err)
	}
	s, _ = NewServer(Config{Addr: "127.0.0.1:0"}, rm, &fakeRecorder{}, zap.NewNop())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.Serve(ctx); err != nil {
		t.Errorf("Serve after its context ended: %v", err)
	}
}
