package fhirmap

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"fmt"
)

func TestExplore(t *testing.T) {
	m := newTestMapper(t, Options{})
	root := requireShared(t, "fhir-samples")
	var files []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".ndjson") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	t0 := time.Now()
	cnt := map[string]int{}
	for _, f := range files {
		for _, r := range readFile(t, m, f) {
			switch {
			case r.Err != nil:
				cnt["rejected"]++
				var e *Error
				errors.As(r.Err, &e)
				fmt.Println("REJ", r.Err)
			case r.Ignored != "":
				cnt["ignored"]++
				cnt["ign:"+r.Ignored]++
			default:
				cnt["mapped"]++
				cnt["mapped:"+r.Type]++
			}
		}
	}
	t.Log(time.Since(t0), cnt)
}
