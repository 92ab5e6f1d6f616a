package fhirmap

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Read reads a file: one JSON document (a resource or a Bundle), or NDJSON
// (one resource per line). It returns one Result per resource; a rejected
// resource is a Result, never an error. The error is for input of which
// nothing at all can be read: a read failure, or no JSON at all.
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
	br := bufio.NewReaderSize(r, 64<<10)
	lr := &lineReader{br: br, max: m.opts.MaxDocumentBytes}
	first, err := lr.nonBlank()
	switch {
	case err != nil && !errors.Is(err, io.EOF):
		return fmt.Errorf("%s: %w", file, err)
	case first.text == nil:
		return &Error{Pos: Position{File: file}, Err: failf(ErrNotJSON, "empty input")}
	case isNDJSONName(file):
		return m.readLines(lr, first, file, fn)
	case first.tooLong > 0:
		fn(rejected(Position{File: file}, "", "", failf(ErrTooLarge, "document of more than %s", sizeString(first.tooLong))))
		return nil
	case json.Valid(trimBOM(first.text)) && !lr.atEOF():
		return m.readLines(lr, first, file, fn)
	}
	return m.readDocument(br, first.text, file, fn)
}

func isNDJSONName(file string) bool {
	ext := strings.ToLower(filepath.Ext(file))
	return ext == ".ndjson" || ext == ".jsonl"
}

// readDocument reads the rest of a one-document file and maps it.
func (m *Mapper) readDocument(br *bufio.Reader, head []byte, file string, fn func(Result)) error {
	limit := int64(m.opts.MaxDocumentBytes) + 1 - int64(len(head))
	rest, err := io.ReadAll(io.LimitReader(br, max(limit, 0)))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	data := append(head, rest...)
	pos := Position{File: file}
	if len(data) <= m.opts.MaxDocumentBytes && !json.Valid(trimBOM(data)) && looksLikeNDJSON(data) {
		lr := &lineReader{br: bufio.NewReader(bytes.NewReader(data)), max: m.opts.MaxDocumentBytes}
		first, _ := lr.nonBlank()
		return m.readLines(lr, first, file, fn)
	}
	m.mapDocument(data, pos, fn)
	return nil
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
func (m *Mapper) readLines(lr *lineReader, l line, file string, fn func(Result)) error {
	for l.text != nil {
		pos := Position{File: file, Line: l.n}
		if l.tooLong > 0 {
			fn(rejected(pos, "", "", failf(ErrTooLarge, "line of more than %s", sizeString(l.tooLong))))
		} else {
			m.mapDocument(l.text, pos, fn)
		}
		var err error
		if l, err = lr.nonBlank(); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s:%d: %w", file, l.n, err)
		}
	}
	return nil
}

// line is one line of input; text is nil at the end of input.
type line struct {
	text    []byte
	n       int // 1-based line number
	tooLong int // when over the limit: the bytes read before giving up on it
}

// lineReader reads lines of bounded length, counting them.
type lineReader struct {
	br  *bufio.Reader
	max int
	n   int
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
// reported by its length so far; text is nil at the end of input.
func (lr *lineReader) next() (text []byte, tooLong int, err error) {
	var buf []byte
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if tooLong == 0 && len(buf)+len(chunk) > lr.max+1 {
			tooLong, buf = len(buf), nil
		}
		if tooLong > 0 {
			tooLong += len(chunk)
		} else {
			buf = append(buf, chunk...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && len(buf) == 0 && tooLong == 0:
			return nil, 0, err
		}
		lr.n++
		if tooLong > 0 {
			return []byte{}, tooLong, nil
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

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
