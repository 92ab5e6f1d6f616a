package workspace

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/crypto/bcrypt"
)

// authenticator checks HTTP basic auth against the users file and the token,
// and a bearer token. A password bcrypt accepted once is remembered (as an
// HMAC under a per-process key, never in clear) so that a page load does not
// cost a bcrypt comparison per request.
type authenticator struct {
	users     map[string][]byte
	token     []byte
	tokenUser string

	mu       sync.Mutex
	macKey   []byte
	verified map[string][]byte // user -> HMAC of the password bcrypt accepted
}

// dummyHash is compared against for an unknown user, so that the time taken
// does not tell which users exist.
// It is made on first use, not when the program starts.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("trialscout"), bcrypt.DefaultCost)
	return h
})

func newAuthenticator(c Config) (*authenticator, error) {
	a := &authenticator{token: []byte(c.Token), tokenUser: c.TokenUser, macKey: randomBytes(32), verified: map[string][]byte{}}
	if a.tokenUser == "" {
		a.tokenUser = "token"
	}
	if c.UsersFile != "" {
		users, err := ReadUsersFile(c.UsersFile)
		if err != nil {
			return nil, err
		}
		a.users = users
	}
	return a, nil
}

// enabled: some credential is configured, so every request must carry one.
func (a *authenticator) enabled() bool { return len(a.users) > 0 || len(a.token) > 0 }

// check returns the request's authenticated user.
func (a *authenticator) check(r *http.Request) (string, bool) {
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return a.tokenUser, len(a.token) > 0 && subtle.ConstantTimeCompare([]byte(bearer), a.token) == 1
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", false
	}
	if len(a.token) > 0 && user == a.tokenUser && subtle.ConstantTimeCompare([]byte(pass), a.token) == 1 {
		return user, true
	}
	return user, a.password(user, pass)
}

func (a *authenticator) password(user, pass string) bool {
	mac := hmac.New(sha256.New, a.macKey)
	mac.Write([]byte(pass))
	sum := mac.Sum(nil)
	a.mu.Lock()
	known := a.verified[user]
	a.mu.Unlock()
	if known != nil && hmac.Equal(known, sum) {
		return true
	}
	hash, ok := a.users[user]
	if !ok {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(pass)) //nolint:errcheck // only to take the same time
		return false
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pass)) != nil {
		return false
	}
	a.mu.Lock()
	a.verified[user] = sum
	a.mu.Unlock()
	return true
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return b
}

// ReadUsersFile reads a users file: one "user:bcrypt-hash" per line (as
// htpasswd -B writes it); blank lines and lines starting with # are skipped.
func ReadUsersFile(path string) (map[string][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ui_users: %w", err)
	}
	users := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, err := parseUserLine(line)
		if err == nil && users[user] != nil {
			err = fmt.Errorf("user %q appears twice", user)
		}
		if err != nil {
			return nil, fmt.Errorf("ui_users %s:%d: %w", path, n, err)
		}
		users[user] = hash
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("ui_users %s: no users", path)
	}
	return users, nil
}

func parseUserLine(line string) (string, []byte, error) {
	user, hash, ok := strings.Cut(line, ":")
	if !ok {
		return "", nil, errors.New("want user:bcrypt-hash")
	}
	if err := checkUserName(user); err != nil {
		return "", nil, err
	}
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return "", nil, fmt.Errorf("user %q: not a bcrypt hash (make one with HashPassword or htpasswd -nB)", user)
	}
	return user, []byte(hash), nil
}

func checkUserName(user string) error {
	if user == "" || strings.ContainsRune(user, ':') || strings.IndexFunc(user, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}) >= 0 {
		return fmt.Errorf("user name %q: want a name without spaces or ':'", user)
	}
	return nil
}

// HashPassword returns the bcrypt hash of a password, for a users file.
func HashPassword(password string) (string, error) {
	if len(password) < 8 {
		return "", errors.New("password: at least 8 characters")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("password: %w", err) // longer than bcrypt's 72 bytes
	}
	return string(h), nil
}

// SetUser adds a user to a users file, or replaces the user's password,
// creating the file (mode 0600) when missing. It is what a `user add`
// command needs.
func SetUser(path, user, password string) error {
	if err := checkUserName(user); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var out []string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if name, _, _ := strings.Cut(strings.TrimSpace(line), ":"); line != "" && name != user {
			out = append(out, line)
		}
	}
	out = append(out, user+":"+hash)
	return os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o600)
}
