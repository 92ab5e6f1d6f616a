package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Baseline is what a report is compared with: E of an earlier run (of the
// previous main, built in a git worktree and run beside this one).
type Baseline struct {
	File              string    `json:"file"`
	Date              time.Time `json:"date"`
	EndToEndPerSecond float64   `json:"end_to_end_per_second"`
}

// Label names the baseline in the table.
func (b *Baseline) Label() string {
	return fmt.Sprintf("%s, %s", b.File, b.Date.Format("2006-01-02 15:04"))
}

// ReadBaseline reads E from a report written by `bench --json` (of this
// version or an earlier one: only the date and E are read).
func ReadBaseline(file string) (*Baseline, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var rep struct {
		Date     time.Time `json:"date"`
		EndToEnd struct {
			PerSecond float64 `json:"per_second"`
		} `json:"end_to_end"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("baseline %s: not a bench report: %w", file, err)
	}
	if rep.EndToEnd.PerSecond <= 0 {
		return nil, fmt.Errorf("baseline %s: no end_to_end.per_second", file)
	}
	return &Baseline{File: file, Date: rep.Date, EndToEndPerSecond: rep.EndToEnd.PerSecond}, nil
}
