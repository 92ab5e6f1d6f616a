package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/trialscout/trialscout/engine"
)

// openPTY opens a pseudo-terminal: the side a program writes to, and the
// side that reads what it wrote.
func openPTY(t *testing.T) (tty, pty *os.File) {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { pty.Close() })
	var n, unlock uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, pty.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlock pseudo-terminal: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, pty.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("pseudo-terminal number: %v", e)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty, pty
}

// TestProgressOnTerminal draws the line on a terminal, through the secrets
// filter as eval does, and clears it at the end.
func TestProgressOnTerminal(t *testing.T) {
	tty, pty := openPTY(t)
	f, err := os.Open("eval.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inputs := []engine.Input{{Name: "eval.go", R: f}}
	pr := newProgress((&secrets{}).writer(tty), inputs)
	if pr == nil {
		t.Fatal("no progress on a terminal")
	}
	if _, ok := inputs[0].R.(interface{ Stat() (os.FileInfo, error) }); !ok || pr.total == 0 {
		t.Errorf("the counted input lost its Stat, or its size is unknown (total %d)", pr.total)
	}
	buf := make([]byte, 4096)
	if _, err := inputs[0].R.Read(buf); err != nil || pr.read.Load() == 0 {
		t.Errorf("read %d bytes through the counter, err %v", pr.read.Load(), err)
	}
	pr.run.Resources.Store(7)
	pr.draw(time.Now().Add(2 * time.Second))
	pr.end()
	pty.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _ := pty.Read(buf)
	got := string(buf[:n])
	if !strings.HasPrefix(got, "\reval: [") || !strings.Contains(got, "7 resources") || !strings.HasSuffix(got, " \r") {
		t.Errorf("terminal got %q: want the line drawn, then cleared", got)
	}
}
