package bench

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/trialscout/trialscout/streams"
	"github.com/trialscout/trialscout/workload"
)

// item is one message of the workload: one resource, as the publisher sends
// it.
type item struct {
	subject string // fhir.r4.<Type>
	msgID   string // Nats-Msg-Id: Type/id/versionId
	ref     string // Type/id
	json    []byte
	// generated is true for resources of package workload; genRelevant is
	// then what the generator says of them.
	generated, genRelevant bool
}

// input is the whole workload, in publishing order: the generated resources,
// then the samples.
type input struct {
	items     []item
	generated int
	samples   int
	// unsplit counts sample documents or entries that could not be cut into
	// resources: the publisher would reject them, so they are not sent.
	unsplit int
	// duplicates counts resources sent twice under one message id (the same
	// version in two files): the stream would drop the repeat, so it is
	// left out.
	duplicates int
	seen       map[string]bool
	bytes      int64
	// genPatients are the generated patients ("Patient/wl-000123").
	genPatients map[string]bool
}

// buildInput generates the workload and reads the samples.
func buildInput(wc workload.Config, samplesDir string) (*input, error) {
	rs, err := workload.Generate(wc)
	if err != nil {
		return nil, fmt.Errorf("generate workload: %w", err)
	}
	in := &input{seen: map[string]bool{}, genPatients: map[string]bool{}}
	for _, r := range rs {
		it, err := generatedItem(r)
		if err != nil {
			return nil, err
		}
		if in.add(it) {
			in.generated++
		}
		in.genPatients[r.Patient] = true
	}
	if samplesDir != "" {
		if err := in.addSamples(samplesDir); err != nil {
			return nil, err
		}
	}
	if len(in.items) == 0 {
		return nil, fmt.Errorf("empty workload")
	}
	return in, nil
}

func (in *input) add(it item) bool {
	if in.seen[it.msgID] {
		in.duplicates++
		return false
	}
	in.seen[it.msgID] = true
	in.items = append(in.items, it)
	in.bytes += int64(len(it.json))
	return true
}

// generatedItem gives a generated resource the message id the publisher
// would: its version is in meta.versionId.
func generatedItem(r workload.Resource) (item, error) {
	var doc struct {
		Meta struct {
			VersionID string `json:"versionId"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(r.JSON, &doc); err != nil {
		return item{}, fmt.Errorf("generated %s: %w", r.Ref, err)
	}
	return item{subject: r.Subject(), msgID: r.Ref + "/" + doc.Meta.VersionID, ref: r.Ref, json: r.JSON,
		generated: true, genRelevant: r.Relevant}, nil
}

// addSamples splits every .json and .ndjson file under dir into resources.
func (in *input) addSamples(dir string) error {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".ndjson")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("samples %s: %w", dir, err)
	}
	if len(files) == 0 {
		return fmt.Errorf("samples %s: no .json or .ndjson files", dir)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("samples: %w", err)
		}
		parts, errs := streams.SplitFile(data, f)
		in.unsplit += len(errs)
		for _, p := range parts {
			if in.add(item{subject: streams.InputSubject(p.Type), msgID: streams.PartMsgID(p), ref: p.Type + "/" + p.ID, json: p.JSON}) {
				in.samples++
			}
		}
	}
	return nil
}

// payloads returns the messages' bodies.
func (in *input) payloads() [][]byte {
	out := make([][]byte, len(in.items))
	for i, it := range in.items {
		out[i] = it.json
	}
	return out
}
