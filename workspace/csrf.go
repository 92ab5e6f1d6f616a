package workspace

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// csrfCookie holds a random nonce; a form carries HMAC(key, nonce, user) in
// its csrfField, a script the same in the X-CSRF-Token header. Another site
// can make a browser send the cookie but can neither read it nor compute the
// token, and the token binds the form to the signed-in user.
const (
	csrfCookie = "trialscout_csrf"
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

type csrfGuard struct {
	key    []byte
	secure bool // cookies only over TLS
}

// nonce returns the request's nonce, setting a new cookie when it has none.
func (g *csrfGuard) nonce(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && validNonce(c.Value) {
		return c.Value
	}
	n := base64.RawURLEncoding.EncodeToString(randomBytes(18))
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: n, Path: "/", HttpOnly: true,
		Secure: g.secure, SameSite: http.SameSiteStrictMode})
	return n
}

func validNonce(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 18
}

// token is what a form of this nonce and user must send back.
func (g *csrfGuard) token(nonce, user string) string {
	mac := hmac.New(sha256.New, g.key)
	mac.Write([]byte(nonce))
	mac.Write([]byte{0})
	mac.Write([]byte(user))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// valid: the request's cookie and the presented token agree for the user.
func (g *csrfGuard) valid(r *http.Request, user, presented string) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || !validNonce(c.Value) || presented == "" {
		return false
	}
	return hmac.Equal([]byte(g.token(c.Value, user)), []byte(presented))
}
