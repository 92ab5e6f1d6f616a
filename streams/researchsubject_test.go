package streams

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"github.com/nats-io/nats.go/jetstream"
)

// TestResearchSubjects: every status event is also a valid FHIR R4
// ResearchSubject on eligibility.researchsubject.<trial>: the trial as
// study, the patient as individual, the status mapped, one resource per
// patient and trial.
func TestResearchSubjects(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	e.startWorker(t, Config{}, WithClock(clk.Now))
	e.publishFiles(t, samplePatients(t)...)
	e.drain(t, Config{})
	evs := e.events(t)
	type rs struct {
		ID         string                       `json:"id"`
		Status     string                       `json:"status"`
		Study      struct{ Reference string }   `json:"study"`
		Individual struct{ Reference string }   `json:"individual"`
		Identifier []struct{ Value string }     `json:"identifier"`
		Meta       struct{ LastUpdated string } `json:"meta"`
	}
	um, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	subjects := readAll(t, e.js, "ELIGIBILITY", "eligibility.researchsubject.", func(m jetstream.Msg) rs {
		if _, err := um.Unmarshal(m.Data()); err != nil {
			t.Errorf("%s is not valid FHIR R4: %v\n%s", m.Subject(), err, m.Data())
		}
		var r rs
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(m.Subject(), "."+strings.TrimPrefix(r.Study.Reference, "ResearchStudy/")) {
			t.Errorf("%s published on %s", r.Study.Reference, m.Subject())
		}
		return r
	})
	if len(subjects) != len(evs) || len(evs) == 0 {
		t.Fatalf("%d research subjects for %d events", len(subjects), len(evs))
	}
	want := map[string]string{"incomplete": "potential-candidate", "candidate": "candidate", "eligible": "eligible", "ineligible": "ineligible"}
	// Matched by the event id each carries: patients are published
	// concurrently, so the two subjects need not keep one order.
	byEvent := map[string]rs{}
	for _, r := range subjects {
		if len(r.Identifier) == 1 {
			byEvent[r.Identifier[0].Value] = r
		}
	}
	ids := map[string]string{}
	for _, ev := range evs {
		r := byEvent[ev.ID]
		if r.Status != want[string(ev.Status)] || r.Individual.Reference != ev.Patient || r.Study.Reference != "ResearchStudy/"+ev.Trial ||
			len(r.Identifier) != 1 || r.Identifier[0].Value != ev.ID {
			t.Errorf("event %s %s %s: research subject %+v", ev.Patient, ev.Trial, ev.Status, r)
		}
		if prev, ok := ids[ev.Patient+" "+ev.Trial]; ok && prev != r.ID {
			t.Errorf("%s %s: research subject ids %s and %s", ev.Patient, ev.Trial, prev, r.ID)
		}
		ids[ev.Patient+" "+ev.Trial] = r.ID
	}
}
