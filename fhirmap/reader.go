package fhirmap

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"sync"
)

// Read reads a file: one JSON document (a resource or a Bundle), or NDJSON
// (one resource per line). It returns one Result per resource; a rejected
// resource is a Result, never an error. The error is for what stops reading
// altogether: a read failure (the Results before it are still returned), or
// input with nothing but blank space (ErrNotJSON).
func (m *Mapper) Read(r io.Reader, file string) ([]Result, error) {
	var out []Result
	err := m.ReadFunc(r, file, func(res Result) { out = append(out, res) })
	return out, err
}

// ReadFunc is Read handing each Result to fn as soon as it is known, so that
// an NDJSON file of any length is read in bounded memory.
//
// A file is NDJSON when its name ends in .ndjson or .jsonl, or when its
// first line is a complete JSON value followed by more; anything else is one
// document. A document that is not valid JSON but whose lines are JSON
// objects is read as NDJSON too, so that one bad first line does not
// condemn a file of good ones.
func (m *Mapper) ReadFunc(r io.Reader, file string, fn func(Result)) error {
	return m.ReadInput(r, Position{File: file}, fn)
}

// ReadInput is ReadFunc for input from a source other than the local one
// (at.Source; at.File names the input).
//
// Each document or line is read once (scan.go); a one-document file is held
// whole, up to Options.MaxDocumentBytes, since a Bundle's entries refer to
// each other; NDJSON is read line by line, each line mapped straight from
// the read buffer.
func (m *Mapper) ReadInput(r io.Reader, at Position, fn func(Result)) error {
	file := at.File
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	lr := &lineReader{br: br, max: m.opts.MaxDocumentBytes}
	first, err := lr.nonBlank()
	switch {
	case err != nil && !errors.Is(err, io.EOF):
		return fmt.Errorf("%s: %w", file, err)
	case first.text == nil:
		return &Error{Pos: at, Err: failf(ErrNotJSON, "empty input")}
	case isNDJSONName(file):
		return m.readLines(lr, first, at, fn)
	case first.tooLong > 0:
		fn(rejected(at, "", "", failf(ErrTooLarge, "document of more than %s", sizeString(first.tooLong))))
		return nil
	}
	first.scan()
	if first.valid() && !lr.atEOF() {
		return m.readLines(lr, first, at, fn)
	}
	return m.readDocument(br, first, at, fn, sizeOf(r))
}

// readers are read buffers, kept for the next input.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// documents are the buffers one-document files were read into, kept for
// the next file (nothing mapped from a document refers to its bytes).
var documents sync.Pool

// maxKeptDocument is the largest buffer kept in documents.
const maxKeptDocument = 16 << 20

func isNDJSONName(file string) bool {
	ext := strings.ToLower(filepath.Ext(file))
	return ext == ".ndjson" || ext == ".jsonl"
}

// sizeOf is the size of a file being read, to read it whole in one buffer;
// 0 when unknown.
func sizeOf(r io.Reader) int {
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() < math.MaxInt32 {
			return int(st.Size())
		}
	}
	return 0
}

// readDocument reads the rest of a one-document file and maps it.
func (m *Mapper) readDocument(br *bufio.Reader, head line, at Position, fn func(Result), sizeHint int) error {
	file := at.File
	data, err := readRest(br, head.text, m.opts.MaxDocumentBytes+1, sizeHint)
	defer func() {
		if cap(data) <= maxKeptDocument {
			documents.Put(&data)
		}
	}()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > m.opts.MaxDocumentBytes {
		fn(rejected(at, "", "", failf(ErrTooLarge, "document of more than %s", sizeString(m.opts.MaxDocumentBytes))))
		return nil
	}
	doc := line{text: data, n: head.n}
	if len(data) == len(head.text) {
		doc.scanned, doc.h, doc.st = head.scanned, head.h, head.st
	}
	doc.scan()
	if !doc.valid() && looksLikeNDJSON(data) {
		// Count lines from where the document began, after blank ones.
		lr := &lineReader{br: bufio.NewReader(bytes.NewReader(data)), max: m.opts.MaxDocumentBytes, n: head.n - 1}
		first, _ := lr.nonBlank()
		return m.readLines(lr, first, at, fn)
	}
	m.mapScanned(trimBOM(data), doc.h, doc.st, at, fn)
	return nil
}

// readRest reads what follows head, up to limit bytes in all, into one
// buffer sized for the file when its size is known.
func readRest(r io.Reader, head []byte, limit, sizeHint int) ([]byte, error) {
	size := min(max(sizeHint+1, len(head)+4096), limit+1)
	var buf []byte
	if b, ok := documents.Get().(*[]byte); ok && cap(*b) >= size {
		buf = (*b)[:0]
	} else {
		buf = make([]byte, 0, size)
	}
	buf = append(buf, head...)
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// looksLikeNDJSON reports whether some line after the first is a JSON
// object on its own, which a broken pretty-printed document never has.
func looksLikeNDJSON(data []byte) bool {
	lines := bytes.Split(data, []byte("\n"))
	for _, l := range lines[1:] {
		l = bytes.TrimSpace(l)
		if len(l) > 1 && l[0] == '{' && json.Valid(l) {
			return true
		}
	}
	return false
}

// readLines maps each non-blank line as a document, positioned by line.
// Lines after the first are mapped where they lie in the read buffer.
func (m *Mapper) readLines(lr *lineReader, l line, at Position, fn func(Result)) error {
	file := at.File
	lr.borrow = true
	for l.text != nil {
		pos := at
		pos.Line = l.n
		if l.tooLong > 0 {
			fn(rejected(pos, "", "", failf(ErrTooLarge, "line of more than %s", sizeString(l.tooLong))))
		} else {
			l.scan()
			m.mapLine(l, pos, fn)
		}
		var err error
		if l, err = lr.nonBlank(); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s:%d: %w", file, l.n, err)
		}
	}
	return nil
}

// mapLine maps one scanned line as mapDocument maps a document.
func (m *Mapper) mapLine(l line, pos Position, fn func(Result)) {
	if len(l.text) > m.opts.MaxDocumentBytes {
		m.mapDocument(l.text, pos, fn) // which rejects it
		return
	}
	m.mapScanned(trimBOM(l.text), l.h, l.st, pos, fn)
}

// line is one line of input; text is nil at the end of input.
type line struct {
	text    []byte
	n       int // 1-based line number
	tooLong int // when over the limit: its length, and text is empty
	// What the scan made of the text (without a byte order mark), once
	// scanned.
	scanned bool
	h       header
	st      scanStatus
}

// scan scans the line's text, once.
func (l *line) scan() {
	if !l.scanned {
		l.h, l.st = scanHeader(trimBOM(l.text))
		l.scanned = true
	}
}

// valid is json.Valid of the scanned text.
func (l *line) valid() bool {
	return l.st != invalid || json.Valid(trimBOM(l.text))
}

// lineReader reads lines of bounded length, counting them.
type lineReader struct {
	br  *bufio.Reader
	max int
	n   int
	// borrow lets a line that fits in the read buffer be returned from it
	// rather than copied: it is then valid only until the next read.
	borrow bool
}

// nonBlank returns the next line that is not blank, as read (JSON does not
// mind the line end, and keeping it keeps error offsets right).
func (lr *lineReader) nonBlank() (line, error) {
	for {
		text, tooLong, err := lr.next()
		if text == nil && tooLong == 0 {
			return line{n: lr.n}, err
		}
		if tooLong > 0 || len(bytes.TrimSpace(text)) > 0 {
			return line{text: text, n: lr.n, tooLong: tooLong}, nil
		}
	}
}

// next reads one line. A line over the limit is skipped to its end and
// reported by its length; text is nil at the end of input.
func (lr *lineReader) next() (text []byte, tooLong int, err error) {
	var buf []byte
	size, over := 0, false
	for {
		chunk, err := lr.br.ReadSlice('\n')
		full := errors.Is(err, bufio.ErrBufferFull)
		if lr.borrow && size == 0 && !full && len(chunk) > 0 && len(chunk) <= lr.max+1 {
			lr.n++
			return chunk, 0, nil // the whole line, where it lies in the buffer
		}
		size += len(chunk)
		if !over && size > lr.max+1 { // +1: the line end
			over, buf = true, nil
		}
		if !over {
			buf = append(buf, chunk...)
		}
		switch {
		case full:
			continue
		case err != nil && size == 0:
			return nil, 0, err
		}
		lr.n++
		if over {
			return []byte{}, size, nil
		}
		return buf, 0, nil
	}
}

// atEOF reports whether only blank space remains.
func (lr *lineReader) atEOF() bool {
	for {
		b, err := lr.br.Peek(1)
		if err != nil || len(b) == 0 {
			return true
		}
		if !isSpace(b[0]) {
			return false
		}
		_, _ = lr.br.ReadByte()
		if b[0] == '\n' {
			lr.n++
		}
	}
}

// isSpace is JSON's white space.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
