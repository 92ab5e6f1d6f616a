package workspace

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"go.uber.org/zap"

	"github.com/trialscout/trialscout/evaluator"
)

// decisionInput is a decision as a form or the API sends it.
type decisionInput struct {
	Patient   string           `json:"patient"`
	Trial     string           `json:"trial"`
	Criterion string           `json:"criterion"`
	Result    evaluator.Result `json:"result"`
	Reason    string           `json:"reason"`
	By        string           `json:"by"` // used only without authentication
	Withdraw  bool             `json:"withdraw"`
}

// Limits on what a person types.
const (
	maxReason = 2000
	maxBy     = 100
	maxBody   = 64 << 10
)

// recordTimeout bounds the wait for the recorder.
const recordTimeout = 10 * time.Second

// inputError is a decision the request got wrong, with its HTTP status.
type inputError struct {
	status int
	msg    string
}

func (e *inputError) Error() string { return e.msg }

func badInput(status int, format string, args ...any) error {
	return &inputError{status: status, msg: fmt.Sprintf(format, args...)}
}

// decide checks a decision, stamps it with the user (or, without
// authentication, the name typed in) and the time, and records it.
func (s *Server) decide(ctx context.Context, user string, in decisionInput) (Decision, error) {
	d, err := s.checkDecision(user, in)
	if err != nil {
		return Decision{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	if err := s.rec.Record(ctx, d); err != nil {
		s.log.Error("recording a decision failed", zap.String("patient", d.Patient), zap.String("trial", d.Trial),
			zap.String("criterion", d.Criterion), zap.Error(err))
		return Decision{}, badInput(http.StatusBadGateway, "the decision could not be recorded; nothing was changed, try again")
	}
	s.rm.noteSent(d)
	// The reason is free text a person typed: it may name or describe the
	// patient, so it is not logged.
	s.log.Info("decision recorded", zap.String("patient", d.Patient), zap.String("trial", d.Trial),
		zap.String("criterion", d.Criterion), zap.String("result", string(d.Result)),
		zap.Bool("withdraw", d.Withdraw), zap.String("by", d.By))
	return d, nil
}

func (s *Server) checkDecision(user string, in decisionInput) (Decision, error) {
	d := Decision{Patient: in.Patient, Trial: in.Trial, Criterion: in.Criterion, Result: in.Result,
		Reason: strings.TrimSpace(in.Reason), By: user, At: s.cfg.Now().UTC(), Withdraw: in.Withdraw}
	if _, ok := s.rm.criterion(d.Trial, d.Criterion); !ok {
		return d, badInput(http.StatusBadRequest, "trial %q has no criterion %q", d.Trial, d.Criterion)
	}
	if !s.rm.hasPatient(d.Patient) {
		return d, badInput(http.StatusNotFound, "no patient %q in the workspace", d.Patient)
	}
	switch {
	case d.Withdraw:
		d.Result = ""
	case d.Result != evaluator.Met && d.Result != evaluator.NotMet:
		return d, badInput(http.StatusBadRequest, "result: choose met or not_met")
	}
	if d.Reason == "" {
		return d, badInput(http.StatusBadRequest, "reason: required, say why")
	}
	if len(d.Reason) > maxReason {
		return d, badInput(http.StatusBadRequest, "reason: at most %d characters", maxReason)
	}
	if !s.auth.enabled() {
		d.By = strings.TrimSpace(in.By)
		if d.By == "" || len(d.By) > maxBy || strings.IndexFunc(d.By, unicode.IsControl) >= 0 {
			return d, badInput(http.StatusBadRequest, "by: say who decides (up to %d characters)", maxBy)
		}
	}
	return d, nil
}

// hasPatient: the read model holds something of the patient.
func (rm *ReadModel) hasPatient(id string) bool {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	return rm.patients[id] != nil
}
