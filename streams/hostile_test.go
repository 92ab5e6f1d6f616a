package streams

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// hostileKinds are the shapes of bad input a feed can send. Each says
// whether the worker must copy the message to REJECTED.
var hostileKinds = []struct {
	name     string
	rejected bool
	body     func(i int) string
}{
	{"truncated JSON", true, func(i int) string { return fmt.Sprintf(`{"resourceType":"Observation","id":"t%d","status":"fin`, i) }},
	{"wrong type", true, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"w%d","status":5,"code":{"text":"x"},"subject":{"reference":"Patient/h"}}`, i)
	}},
	{"unknown resource type", true, func(i int) string { return fmt.Sprintf(`{"resourceType":"Frobnication","id":"u%d"}`, i) }},
	{"type not read", false, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Location","id":"e%d","status":"active"}`, i)
	}},
	{"no patient", true, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Condition","id":"n%d","code":{"coding":[{"system":"http://snomed.info/sct","code":"55464009"}]}}`, i)
	}},
	{"foreign subject", true, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"f%d","status":"final","code":{"text":"x"},"subject":{"reference":"Group/g"}}`, i)
	}},
	{"invalid date", true, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Patient","id":"d%d","birthDate":"2026-02-31T99"}`, i)
	}},
	{"huge number", true, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"h%d","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":"Patient/h"},"valueQuantity":{"value":1e999}}`, i)
	}},
	{"not UTF-8", true, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Patient","id":"x%d","name":[{"family":"%s"}]}`, i, "\xff\xfe")
	}},
	{"deep nesting", true, func(i int) string {
		return `{"resourceType":"Observation","id":"deep","extension":` + strings.Repeat(`[{"extension":`, 500) + `[]` + strings.Repeat(`}]`, 500) + `}`
	}},
	// Ids and references any feed may send: each is a valid, collision-free
	// key (keys.go), so these are read, not rejected.
	{"5,000-character patient reference", false, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"lr%d","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/%s%d"}}`, i, strings.Repeat("x", 5000), i%3)
	}},
	{"ids that are not KV keys", false, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Patient","id":"%s","birthDate":"1980-01-01"}`, []string{"x.", ".", "h..y", "-", "a.b."}[i%5])
	}},
	{"reserved subject characters, NUL, non-ASCII", false, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"rc%d","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/%s"}}`, i,
			[]string{"a b", "a*b", "a>b", `a\u0000b`, "Zoë", "東京", `a\tb`}[i%7])
	}},
	{"birth date at the end of time", false, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Patient","id":"end%d","birthDate":"9999-12-31","deceasedDateTime":"9999-12-31T23:59:59Z"}`, i%4)
	}},
	{"duplicate id, conflicting content", false, func(i int) string {
		return fmt.Sprintf(`{"resourceType":"Observation","id":"dup","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":"Patient/h"},"effectiveDateTime":"2026-10-30","valueQuantity":{"value":%d,"unit":"10*9/L"}}`, i%7)
	}},
}

// TestHostileInput: thousands of bad messages; the worker never stops, every
// message is settled, and each rejection is in REJECTED with a reason.
// TRIALSCOUT_HOSTILE_N sets the count (default 1,500; the fault suite runs 10,000).
func TestHostileInput(t *testing.T) {
	n := 1500
	if v, err := strconv.Atoi(os.Getenv("TRIALSCOUT_HOSTILE_N")); err == nil {
		n = v
	}
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{MaxMessageBytes: 4 << 20}
	e.startWorker(t, cfg, WithClock(clk.Now))
	ctx := context.Background()
	wantRejected := 0
	for i := range n {
		k := hostileKinds[i%len(hostileKinds)]
		if _, err := e.js.Publish(ctx, "fhir.r4.Hostile", []byte(k.body(i))); err != nil {
			t.Fatal(err)
		}
		if k.rejected {
			wantRejected++
		}
	}
	// A Bundle of 10,000 entries (read), and a message over the limit.
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[` +
		strings.TrimSuffix(strings.Repeat(`{"resource":{"resourceType":"Observation","id":"b","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/h"}}},`, 10000), ",") + `]}`
	tooLarge := `{"resourceType":"Patient","id":"big","text":{"div":"` + strings.Repeat("x", 5<<20) + `"}}`
	for subject, body := range map[string]string{"fhir.r4.Bundle": bundle, "fhir.r4.Patient": tooLarge} {
		if _, err := e.js.Publish(ctx, subject, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	wantRejected++
	e.publishFiles(t, samplePatients(t)[0])
	e.drain(t, cfg)

	rejected := readAll(t, e.js, "REJECTED", "", func(m jetstream.Msg) string { return m.Headers().Get(ErrorHeader) })
	if len(rejected) != wantRejected {
		t.Errorf("%d messages in REJECTED, want %d", len(rejected), wantRejected)
	}
	for _, r := range rejected {
		if r == "" {
			t.Error("a rejected copy has no reason")
			break
		}
	}
	if len(e.events(t)) == 0 {
		t.Error("the good patient after the hostile input produced no event")
	}
}

// TestRejectedCopyAtPayloadLimit: input as large as the server allows no
// longer fits beside the error headers; its copy is cut and marked, and the
// worker does not retry it forever.
func TestRejectedCopyAtPayloadLimit(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		MaxPayload: 64 << 10, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(5 * time.Second) {
		t.Fatal("server not ready")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close(); srv.Shutdown() })
	js, _ := jetstream.New(nc)
	e2 := &env{srv: &Embedded{srv}, nc: nc, js: js, eng: newEngine(t)}
	e2.startWorker(t, Config{}, WithClock((&clock{t: scenarioAsOf}).Now))
	body := `{"resourceType":"Patient","id":"p","text":"` + strings.Repeat("x", 63<<10)
	if _, err := js.Publish(context.Background(), "fhir.r4.Patient", []byte(body)); err != nil {
		t.Fatal(err)
	}
	e2.drain(t, Config{})
	got := readAll(t, js, "REJECTED", "", func(m jetstream.Msg) string { return m.Headers().Get(TruncatedHeader) })
	if len(got) != 1 || got[0] != strconv.Itoa(len(body)) {
		t.Errorf("rejected copies %v, want one marked truncated from %d bytes", got, len(body))
	}
}
