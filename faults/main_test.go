package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the trialscout command under test, built once for the suite.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "trialscout-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "trialscout")
	build := exec.Command("go", "build", "-o", binary, "github.com/trialscout/trialscout/cmd/trialscout")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "faults: building trialscout:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
