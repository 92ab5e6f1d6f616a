package streams

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/fhirmap"
	"github.com/trialscout/trialscout/internal/testengine"
)

// fuzzSubject is where FuzzHandle publishes each input.
const fuzzSubject = "fhir.r4.Fuzz"

// FuzzHandle sends arbitrary bytes through a real NATS server to the
// worker's Handle. Each input must be settled (acked or terminated, not
// left for redelivery), and copied to REJECTED with a reason exactly when
// it is over the size limit or some of it cannot be read.
//
// One embedded server and one worker serve every input of a fuzz process;
// the patients' state and the event stream grow as the inputs go by.
func FuzzHandle(f *testing.F) {
	// The sample patients whole and resource by resource (as `publish`
	// sends them), the mapper's test files, and the hostile input.
	seenTypes := map[string]bool{}
	for _, pattern := range []string{"../testdata/patients/*.json", "../testdata/patients/*.ndjson", "../fhirmap/testdata/*.json", "../fhirmap/testdata/*.ndjson"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			if strings.HasPrefix(file, "../testdata/patients/") && !strings.HasSuffix(file, ".expected.json") {
				// One resource of each type: seeding every one makes the
				// fuzzer's baseline slow and adds little.
				parts, _ := SplitFile(data, file)
				for _, p := range parts {
					if !seenTypes[p.Type] {
						seenTypes[p.Type] = true
						f.Add(p.JSON)
					}
				}
			}
		}
	}
	for i, k := range hostileKinds {
		f.Add([]byte(k.body(i)))
	}
	for _, seed := range []string{"", "null", "[]", "{}", "\x00", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"ok"}},{"resource":{"resourceType":"Nope"}}]}`,
		`{"resourceType":"Patient","id":"big","text":{"div":"` + strings.Repeat("x", fuzzMaxBytes) + `"}}`} {
		f.Add([]byte(seed))
	}

	// The embedded server's settings, except SyncAlways: an fsync per write
	// would make the fuzzer crawl, and a crash of the machine is not what
	// it looks for.
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: f.TempDir(),
		MaxPayload: 8 << 20, NoSigs: true, NoLog: true})
	if err != nil {
		f.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		f.Fatal("NATS server not ready after 10s")
	}
	defer func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	}()
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		f.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		f.Fatal(err)
	}
	eng := testengine.Shipped(f)
	// A message Handle leaves for redelivery must not come back while the
	// fuzzer runs: it would be fetched in place of the next input.
	cfg := Config{MaxMessageBytes: fuzzMaxBytes, NakDelay: time.Hour, AckWait: time.Hour, DuplicateWindow: time.Hour}
	w, err := NewWorker(js, eng, cfg, WithClock((&clock{t: scenarioAsOf}).Now))
	if err != nil {
		f.Fatal(err)
	}
	ctx := f.Context()
	cons, err := w.Setup(ctx)
	if err != nil {
		f.Fatal(err)
	}
	cfg = cfg.withDefaults()
	rejected, err := js.Stream(ctx, cfg.RejectedStream)
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		before, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ack, err := js.Publish(ctx, fuzzSubject, data)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var msg jetstream.Msg
		for m := range batch.Messages() {
			msg = m
		}
		if msg == nil {
			t.Fatalf("input (stream sequence %d) not delivered: %v", ack.Sequence, batch.Error())
		}
		if meta, err := msg.Metadata(); err != nil || meta.Sequence.Stream != ack.Sequence {
			t.Fatalf("fetched %+v (%v), want stream sequence %d", meta, err, ack.Sequence)
		}

		w.Handle(ctx, msg)

		// Settled: once the server has taken the ack or term, no more is
		// waiting for one than before the input. A nak leaves it waiting.
		for {
			info, err := cons.Info(ctx)
			if err != nil {
				t.Fatalf("input not settled (still awaiting an ack): %v", err)
			}
			if info.NumAckPending <= before.NumAckPending && info.NumPending == 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}

		// Rejected exactly when the size limit or the mapper says so.
		wantRejected := len(data) > cfg.MaxMessageBytes
		for _, r := range eng.Map(data, fhirmap.Position{File: fuzzSubject}) {
			wantRejected = wantRejected || r.Err != nil
		}
		copyID := "rejected:" + cfg.InputStream + ":" + strconv.FormatUint(ack.Sequence, 10)
		last, err := rejected.GetLastMsgForSubject(ctx, cfg.RejectedSubject)
		switch {
		case errors.Is(err, jetstream.ErrMsgNotFound):
			last = nil
		case err != nil:
			t.Fatal(err)
		}
		gotCopy := last != nil && last.Header.Get(jetstream.MsgIDHeader) == copyID
		switch {
		case wantRejected && !gotCopy:
			t.Fatalf("input rejected by the mapper but no copy %s in %s", copyID, cfg.RejectedStream)
		case !wantRejected && gotCopy:
			t.Fatalf("readable input copied to %s: %s", cfg.RejectedStream, last.Header.Get(ErrorHeader))
		case gotCopy:
			if last.Header.Get(ErrorHeader) == "" {
				t.Fatal("rejected copy without a reason")
			}
			if s := last.Header.Get(SubjectHeader); s != fuzzSubject {
				t.Fatalf("rejected copy names subject %q, want %q", s, fuzzSubject)
			}
			if !bytes.Equal(last.Data, data) && last.Header.Get(TruncatedHeader) == "" {
				t.Fatalf("rejected copy of %d bytes differs from the %d-byte input", len(last.Data), len(data))
			}
		}
	})
}

// fuzzMaxBytes is FuzzHandle's size limit: above the largest sample
// patient, and small enough for the fuzzer to reach.
const fuzzMaxBytes = 64 << 10
