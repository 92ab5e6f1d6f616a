package workspace_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"time"

	"go.uber.org/zap"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/workspace"
)

func Example() {
	trial := evaluator.Trial{
		ID: "anc-demo", Title: "ANC demo",
		Parameters: map[string]string{"screening_window": "28d"},
		Concepts:   []evaluator.Concept{{Name: "anc", Title: "ANC", Window: "screening_window"}},
		Criteria: []evaluator.Criterion{
			{ID: "consent", Kind: evaluator.Inclusion, Text: "Signs the consent form.", Review: "consent is taken by the study team"},
			{ID: "anc", Kind: evaluator.Inclusion, Text: "ANC >= 1.5.", Rule: `patient.lab_at_least("anc", 1.5)`},
		},
	}
	rm := workspace.NewReadModel([]evaluator.Trial{trial})

	// Fed from the state bucket: each patient's latest evaluations.
	rm.Put(workspace.PatientState{Patient: "Patient/1", Evaluations: []evaluator.Evaluation{{
		Trial: "anc-demo", Patient: "Patient/1", Status: evaluator.Incomplete,
		Criteria: []evaluator.CriterionResult{
			{ID: "consent", Kind: evaluator.Inclusion, Result: evaluator.Review, Reason: "consent is taken by the study team"},
			{ID: "anc", Kind: evaluator.Inclusion, Result: evaluator.Unknown, Reason: "no ANC in the 28 days up to 2026-11-01"},
		}}}})
	// Fed from the event stream: status changes.
	rm.AddTransition(workspace.Transition{EventID: "ev-1", Trial: "anc-demo", Patient: "Patient/1",
		To: evaluator.Incomplete, Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Cause: "Patient/1"})

	w, _ := rm.Worklist("anc-demo", workspace.WorklistQuery{Status: evaluator.Incomplete})
	for _, r := range w.Rows {
		fmt.Println(r.Patient, r.Status, r.Unknowns, r.Obtain)
	}
	u, _ := rm.Unlock("anc-demo", 3)
	fmt.Printf("%d patient lacks only %s\n", u.Items[0].Only, u.Items[0].Obtain)

	// The server: pages and the JSON API; decisions go to a recorder.
	rec := workspace.RecorderFunc(func(ctx context.Context, d workspace.Decision) error { return nil })
	srv, err := workspace.NewServer(workspace.Config{Addr: "127.0.0.1:8080"}, rm, rec, zap.NewNop())
	if err != nil {
		panic(err)
	}
	res := httptest.NewRecorder()
	srv.Handler().ServeHTTP(res, httptest.NewRequest("GET", "/api/trials/anc-demo/unlock", nil))
	body, _ := io.ReadAll(res.Body)
	fmt.Print(res.Code, " ", string(body))
	fmt.Println(workspace.PatientPath("https://ehr.example.org/fhir/Patient/7"))

	// Beyond loopback, authentication and TLS are required.
	_, err = workspace.NewServer(workspace.Config{Addr: "0.0.0.0:8080"}, rm, rec, zap.NewNop())
	fmt.Println(err)
	// Output:
	// Patient/1 incomplete 1 [ANC within 28 days]
	// 1 patient lacks only ANC within 28 days
	// 200 {"trial":"anc-demo","title":"ANC demo","incomplete":1,"items":[{"obtain":"ANC within 28 days","only":1,"blocks":1}],"sets":[{"missing":["ANC within 28 days"],"patients":1}]}
	// /patients/https:%2F%2Fehr.example.org%2Ffhir%2FPatient%2F7
	// ui_addr 0.0.0.0:8080 is not a loopback address: the workspace shows patient data, so beyond loopback it needs authentication (ui_users or ui_token) and TLS (ui_tls_cert and ui_tls_key)
}
