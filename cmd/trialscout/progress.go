package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/trialscout/trialscout/engine"
)

// eval's progress bar. A Bulk Data export takes minutes to read, so when
// standard error is a terminal eval shows, after the first second, a line
// that it rewrites as it goes: files and bytes read (of the total, when the
// inputs are files), resources and resources per second, then the patients
// being evaluated. The line is cleared before anything else is printed. On
// anything but a terminal (a pipe, a file, a test) nothing is shown.

var (
	progressDelay = time.Second            // shorter runs show nothing
	progressTick  = 250 * time.Millisecond // how often the line is redrawn
)

// progress draws the line. Its counters are updated by the run; draw reads
// them.
type progress struct {
	w      io.Writer
	width  int // of the terminal; 0: unknown
	files  int
	total  int64 // bytes of every input; 0 when unknown (standard input)
	read   atomic.Int64
	run    engine.Progress
	start  time.Time
	stop   chan struct{}
	done   sync.WaitGroup
	shown  bool
	maxLen int
}

// newProgress returns the progress of reading inputs when w is a terminal;
// nil otherwise. It wraps the inputs' readers to count their bytes.
func newProgress(w io.Writer, inputs []engine.Input) *progress {
	width, ok := terminalWidth(w)
	if !ok {
		return nil
	}
	pr := &progress{w: w, width: width, files: len(inputs), start: time.Now(), stop: make(chan struct{})}
	known := true
	for i, in := range inputs {
		c := &countingReader{r: in.R, n: &pr.read}
		if st, ok := in.R.(interface{ Stat() (fs.FileInfo, error) }); ok {
			if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
				pr.total += fi.Size()
				c.stat = st.Stat
			} else {
				known = false
			}
		} else {
			known = false
		}
		inputs[i].R = c
	}
	if !known {
		pr.total = 0
	}
	return pr
}

// terminalWidth reports whether w (through the secrets filter) is a
// terminal, and its width.
func terminalWidth(w io.Writer) (int, bool) {
	if sw, ok := w.(*scrubbed); ok {
		w = sw.w
	}
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		width = 0
	}
	return width, true
}

// countingReader counts the bytes read through it, and keeps the Stat of a
// file (fhirmap sizes its buffer from it).
type countingReader struct {
	r    io.Reader
	n    *atomic.Int64
	stat func() (fs.FileInfo, error)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Stat is the file's, when it is a file.
func (c *countingReader) Stat() (fs.FileInfo, error) {
	if c.stat == nil {
		return nil, fs.ErrInvalid
	}
	return c.stat()
}

// counters are where the run counts what it reads; nil without progress.
func (pr *progress) counters() *engine.Progress {
	if pr == nil {
		return nil
	}
	return &pr.run
}

// begin starts redrawing the line, after the delay.
func (pr *progress) begin() {
	if pr == nil {
		return
	}
	pr.done.Add(1)
	go func() {
		defer pr.done.Done()
		t := time.NewTicker(progressTick)
		defer t.Stop()
		for {
			select {
			case <-pr.stop:
				return
			case now := <-t.C:
				if now.Sub(pr.start) >= progressDelay {
					pr.draw(now)
				}
			}
		}
	}()
}

// end stops redrawing and clears the line.
func (pr *progress) end() {
	if pr == nil {
		return
	}
	close(pr.stop)
	pr.done.Wait()
	if pr.shown {
		fmt.Fprint(pr.w, "\r"+strings.Repeat(" ", pr.maxLen)+"\r")
	}
}

func (pr *progress) draw(now time.Time) {
	line := pr.line(now.Sub(pr.start))
	if pr.width > 1 && len(line) >= pr.width {
		line = line[:pr.width-1] // the line must not wrap, or \r cannot redraw it
	}
	pad := max(0, pr.maxLen-len(line))
	pr.maxLen = max(pr.maxLen, len(line))
	fmt.Fprint(pr.w, "\r"+line+strings.Repeat(" ", pad))
	pr.shown = true
}

// line is what the progress line says after elapsed.
func (pr *progress) line(elapsed time.Duration) string {
	files, res, read := pr.run.Inputs.Load(), pr.run.Resources.Load(), pr.read.Load()
	rate := float64(res) / max(elapsed.Seconds(), 0.001)
	if found := pr.run.Patients.Load(); found > 0 {
		return fmt.Sprintf("eval: %s resources read; evaluating patients %s/%s", group(res), group(pr.run.Evaluated.Load()), group(found))
	}
	var b strings.Builder
	b.WriteString("eval: ")
	if pr.total > 0 {
		frac := min(float64(read)/float64(pr.total), 1)
		const width = 20
		n := int(frac * width)
		fmt.Fprintf(&b, "[%s%s] %3.0f%%  ", strings.Repeat("#", n), strings.Repeat("-", width-n), 100*frac)
	}
	fmt.Fprintf(&b, "%d/%d files  %s", files, pr.files, megabytes(read))
	if pr.total > 0 {
		fmt.Fprintf(&b, " of %s", megabytes(pr.total))
	}
	fmt.Fprintf(&b, "  %s resources  %s/s", group(res), group(int64(rate)))
	if pr.total > 0 && read > 0 && read < pr.total {
		left := time.Duration(float64(elapsed) * float64(pr.total-read) / float64(read))
		fmt.Fprintf(&b, "  %s left", left.Round(time.Second))
	}
	return b.String()
}

func megabytes(n int64) string { return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB" }

// group writes n (not negative) with thousands separators: 12,345.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
