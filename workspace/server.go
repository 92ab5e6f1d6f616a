package workspace

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// Server serves the workspace's pages and JSON API.
type Server struct {
	cfg     Config
	rm      *ReadModel
	rec     DecisionRecorder
	log     *zap.Logger
	auth    *authenticator
	csrf    *csrfGuard
	tls     *tls.Config
	origin  *http.CrossOriginProtection
	pages   map[string]*template.Template
	handler http.Handler
}

// NewServer checks the configuration, reads the users file and the TLS
// files, and builds the server. It returns ErrDisabled when the address is Off.
func NewServer(cfg Config, rm *ReadModel, rec DecisionRecorder, log *zap.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.addr() == Off {
		return nil, ErrDisabled
	}
	if rm == nil || rec == nil || log == nil {
		return nil, errors.New("workspace: NewServer needs a read model, a decision recorder and a logger")
	}
	cfg.Addr = cfg.addr()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key := cfg.CSRFKey
	if len(key) == 0 {
		key = randomBytes(32)
	}
	s := &Server{cfg: cfg, rm: rm, rec: rec, log: log.Named("workspace"), origin: http.NewCrossOriginProtection()}
	var err error
	if s.auth, err = newAuthenticator(cfg); err != nil {
		return nil, err
	}
	if s.tls, err = cfg.loadTLS(); err != nil {
		return nil, err
	}
	s.csrf = &csrfGuard{key: key, secure: s.tls != nil}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.handler = s.wrap(s.routes())
	return s, nil
}

// Handler returns the workspace's handler, authentication included.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve listens on the configured address and serves until ctx ends, then
// shuts down gracefully (requests in flight get up to 5 seconds).
func (s *Server) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("ui_addr: %w", err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener the caller opened; it closes it.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler: s.handler, TLSConfig: s.tls,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: zap.NewStdLog(s.log),
	}
	s.log.Info("serving the workspace", zap.String("addr", ln.Addr().String()),
		zap.Bool("tls", s.tls != nil), zap.Bool("auth", s.auth.enabled()))
	errc := make(chan error, 1)
	go func() {
		if s.tls != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(stop)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.homePage)
	mux.HandleFunc("GET /trials/{id}", s.worklistPage)
	mux.HandleFunc("GET /trials/{id}/unlock", s.unlockPage)
	mux.HandleFunc("GET /patients", s.searchPage)
	mux.HandleFunc("GET /patients/{id...}", s.patientPage)
	mux.HandleFunc("POST /decisions", s.decisionForm)
	mux.Handle("GET /static/", staticHandler())

	mux.HandleFunc("GET /api/trials", s.apiTrials)
	mux.HandleFunc("GET /api/trials/{id}", s.apiWorklist)
	mux.HandleFunc("GET /api/trials/{id}/unlock", s.apiUnlock)
	mux.HandleFunc("GET /api/patients", s.apiSearch)
	mux.HandleFunc("GET /api/patients/{id...}", s.apiPatient)
	mux.HandleFunc("POST /api/decisions", s.apiDecision)
	mux.HandleFunc("GET /api/session", s.apiSession)
	return mux
}

type userKey struct{}

// userOf is the authenticated user, empty without authentication.
func userOf(r *http.Request) string {
	u, _ := r.Context().Value(userKey{}).(string)
	return u
}

// wrap adds what every response needs: security headers, authentication,
// the cross-origin check on unsafe methods, and a log line with the route
// (not the path: it may hold a patient id) and the status.
func (s *Server) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if s.auth.enabled() {
			user, ok := s.auth.check(r)
			if !ok {
				s.log.Info("authentication failed", zap.String("remote", r.RemoteAddr))
				h.Set("WWW-Authenticate", `Basic realm="trialscout workspace", charset="UTF-8"`)
				http.Error(sw, "authentication required", http.StatusUnauthorized)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, user))
		}
		if err := s.origin.Check(r); err != nil {
			http.Error(sw, "cross-origin request refused", http.StatusForbidden)
		} else {
			next.ServeHTTP(sw, r)
		}
		s.log.Debug("request", zap.String("method", r.Method), zap.String("route", r.Pattern),
			zap.Int("status", sw.status), zap.Duration("took", time.Since(start)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
