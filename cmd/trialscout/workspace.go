package main

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/fhirmap"
	"github.com/trialscout/trialscout/streams"
	"github.com/trialscout/trialscout/workspace"
)

// startWorkspace serves the coordinator's workspace beside the worker (not
// at all when ui_addr is off): a read model fed from the state bucket's
// record heads and the event stream, and decisions published as FHIR
// resources on the input stream. It returns once the server is listening;
// the rest ends with ctx.
func startWorkspace(ctx context.Context, s config.Settings, js jetstream.JetStream, eng *engine.Evaluator, cfg streams.Config,
	workerReady <-chan struct{}, log *zap.Logger) error {
	rm := workspace.NewReadModel(trialsOf(eng))
	srv, err := workspace.NewServer(workspaceConfig(s), rm, decisionRecorder(js), log)
	if errors.Is(err, workspace.ErrDisabled) {
		return nil
	}
	if err != nil {
		return usageError("%v", err)
	}
	go func() {
		select { // the bucket and streams exist once the worker is set up
		case <-workerReady:
			followState(ctx, js, cfg, rm, log)
		case <-ctx.Done():
		}
	}()
	go func() {
		if err := srv.Serve(ctx); err != nil && ctx.Err() == nil {
			log.Error("workspace stopped", zap.Error(err))
		}
	}()
	log.Info("serving the coordinator's workspace", zap.String("addr", s.UIAddr))
	return nil
}

func workspaceConfig(s config.Settings) workspace.Config {
	return workspace.Config{Addr: s.UIAddr, UsersFile: s.UIUsers, Token: s.UIToken, TLSCert: s.UITLSCert, TLSKey: s.UITLSKey}
}

func trialsOf(eng *engine.Evaluator) []evaluator.Trial {
	var out []evaluator.Trial
	for _, p := range eng.Programs() {
		out = append(out, p.Trial())
	}
	return out
}

// followState keeps the read model current: every record head, then every
// status-change event. The state bucket and event stream exist once the
// worker has set up; until then it tries again.
func followState(ctx context.Context, js jetstream.JetStream, cfg streams.Config, rm *workspace.ReadModel, log *zap.Logger) {
	put := func(patient string, evals map[string]*streams.StoredEvaluation) {
		if evals == nil {
			rm.Remove(patient)
			return
		}
		rm.Put(patientState(patient, evals))
	}
	go retry(ctx, log, "state bucket", func() error { return streams.FollowHeads(ctx, js, cfg, put, nil) })
	retry(ctx, log, "event stream", func() error {
		return streams.FollowEvents(ctx, js, cfg, func(e streams.Event) {
			rm.AddTransition(workspace.Transition{EventID: e.ID, Trial: e.Trial, Patient: e.Patient,
				From: e.PreviousStatus, To: e.Status, Time: e.Time, Cause: e.Cause})
		})
	})
}

// retry runs follow again (after a pause) until ctx ends.
func retry(ctx context.Context, log *zap.Logger, what string, follow func() error) {
	for ctx.Err() == nil {
		if err := follow(); err != nil && ctx.Err() == nil {
			log.Warn("workspace: following "+what+" failed; again shortly", zap.Error(err))
			select {
			case <-ctx.Done():
			case <-after(2):
			}
		}
	}
}

// patientState is a record head as the read model takes it: evaluations
// in trial order.
func patientState(patient string, evals map[string]*streams.StoredEvaluation) workspace.PatientState {
	ps := workspace.PatientState{Patient: patient}
	ids := make([]string, 0, len(evals))
	for id := range evals {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ps.Evaluations = append(ps.Evaluations, evals[id].Evaluation)
	}
	return ps
}

// decisionRecorder publishes a person's decision as a FHIR resource on the
// input stream; the worker then decides the patient again.
func decisionRecorder(js jetstream.JetStream) workspace.DecisionRecorder {
	return workspace.RecorderFunc(func(ctx context.Context, d workspace.Decision) error {
		return publishDecision(ctx, js, fhirmap.DecisionInput{Patient: d.Patient, Trial: d.Trial, Criterion: d.Criterion,
			Result: string(d.Result), Reason: d.Reason, By: d.By, At: d.At, Withdraw: d.Withdraw})
	})
}

// publishDecision builds the decision's resource and publishes it.
func publishDecision(ctx context.Context, js jetstream.JetStream, d fhirmap.DecisionInput) error {
	data, ref, err := fhirmap.DecisionResource(d)
	if err != nil {
		return err
	}
	_, err = streams.PublishPart(ctx, js, fhirmap.Part{Pos: fhirmap.Position{File: ref}, Type: "Observation", ID: ref[len("Observation/"):], JSON: data})
	return err
}

// after fires after n seconds.
func after(n int) <-chan time.Time { return time.After(time.Duration(n) * time.Second) }
