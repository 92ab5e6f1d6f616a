package workspace

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/trialscout/trialscout/evaluator"
)

func (s *Server) apiTrials(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, map[string]any{"trials": s.rm.Trials()})
}

func (s *Server) apiWorklist(w http.ResponseWriter, r *http.Request) {
	q, err := worklistQuery(r)
	if err != nil {
		s.jsonError(w, err)
		return
	}
	wl, err := s.rm.Worklist(r.PathValue("id"), q)
	if err != nil {
		s.jsonError(w, notFound(err))
		return
	}
	s.writeJSON(w, http.StatusOK, wl)
}

func (s *Server) apiUnlock(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	u, err := s.rm.Unlock(r.PathValue("id"), max(limit, 0))
	if err != nil {
		s.jsonError(w, notFound(err))
		return
	}
	s.writeJSON(w, http.StatusOK, u)
}

func (s *Server) apiPatient(w http.ResponseWriter, r *http.Request) {
	p, ok := s.rm.Patient(r.PathValue("id"))
	if !ok {
		s.jsonError(w, badInput(http.StatusNotFound, "no such patient"))
		return
	}
	s.writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	found := s.rm.Search(q, searchLimit)
	if found == nil {
		found = []string{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"q": q, "patients": found})
}

// apiSession gives a script on loopback without authentication the CSRF
// token (and sets its cookie) that POST /api/decisions then needs.
func (s *Server) apiSession(w http.ResponseWriter, r *http.Request) {
	user := userOf(r)
	s.writeJSON(w, http.StatusOK, map[string]any{"user": user, "auth": s.auth.enabled(),
		"csrf_token": s.csrf.token(s.csrf.nonce(w, r), user)})
}

// apiDecision takes a JSON decision. It must be sent as application/json
// (a form on another site cannot, and a script there is stopped by the
// browser's preflight), and with the authentication header or, on loopback
// without authentication, the X-CSRF-Token of GET /api/session.
func (s *Server) apiDecision(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.jsonError(w, badInput(http.StatusUnsupportedMediaType, "send the decision as application/json"))
		return
	}
	user := userOf(r)
	if !s.auth.enabled() && !s.csrf.valid(r, user, r.Header.Get(csrfHeader)) {
		s.jsonError(w, badInput(http.StatusForbidden, "missing or stale %s: GET /api/session first", csrfHeader))
		return
	}
	var in decisionInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		s.jsonError(w, badInput(http.StatusBadRequest, "decision: %v", err))
		return
	}
	d, err := s.decide(r.Context(), user, in)
	if err != nil {
		s.jsonError(w, err)
		return
	}
	s.writeJSON(w, http.StatusAccepted, map[string]any{"decision": d})
}

// worklistQuery reads status, page, page_size and q.
func worklistQuery(r *http.Request) (WorklistQuery, error) {
	v := r.URL.Query()
	q := WorklistQuery{Status: evaluator.Status(v.Get("status")), Query: v.Get("q")}
	if q.Status != "" && !knownStatus(q.Status) {
		return q, badInput(http.StatusBadRequest, "status: one of eligible, candidate, incomplete, ineligible")
	}
	for name, dst := range map[string]*int{"page": &q.Page, "page_size": &q.PageSize} {
		if s := v.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return q, badInput(http.StatusBadRequest, "%s: a whole number from 1", name)
			}
			*dst = n
		}
	}
	return q, nil
}

func knownStatus(s evaluator.Status) bool {
	for _, k := range Statuses {
		if k == s {
			return true
		}
	}
	return false
}

const searchLimit = 100

func notFound(err error) error {
	if errors.Is(err, ErrUnknownTrial) {
		return badInput(http.StatusNotFound, "no such trial")
	}
	return err
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		s.log.Debug("writing a response", zap.Error(err))
	}
}

func (s *Server) jsonError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var in *inputError
	if errors.As(err, &in) {
		status = in.status
	}
	s.writeJSON(w, status, map[string]string{"error": err.Error()})
}
