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
func (m *Mapper) ReadInput(r io.Reader, at Position, fn func(Result)) error {
	file := at.File
	br := bufio.NewReaderSize(r, 64<<10)
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
	case json.Valid(trimBOM(first.text)) && !lr.atEOF():
		return m.readLines(lr, first, at, fn)
	}
	return m.readDocument(br, first, at, fn)
}

func isNDJSONName(file string) bool {
	ext := strings.ToLower(filepath.Ext(file))
	return ext == ".ndjson" || ext == ".jsonl"
}

// readDocument reads the rest of a one-document file and maps it.
func (m *Mapper) readDocument(br *bufio.Reader, head line, at Position, fn func(Result)) error {
	file := at.File
	limit := int64(m.opts.MaxDocumentBytes) + 1 - int64(len(head.text))
	rest, err := io.ReadAll(io.LimitReader(br, max(limit, 0)))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	data := append(head.text, rest...)
	switch {
	case len(data) > m.opts.MaxDocumentBytes:
		fn(rejected(at, "", "", failf(ErrTooLarge, "document of more than %s", sizeString(m.opts.MaxDocumentBytes))))
	case !json.Valid(trimBOM(data)) && looksLikeNDJSON(data):
		// Count lines from where the document began, after blank ones.
		lr := &lineReader{br: bufio.NewReader(bytes.NewReader(data)), max: m.opts.MaxDocumentBytes, n: head.n - 1}
		first, _ := lr.nonBlank()
		return m.readLines(lr, first, at, fn)
	default:
		m.mapDocument(data, at, fn)
	}
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
func (m *Mapper) readLines(lr *lineReader, l line, at Position, fn func(Result)) error {
	file := at.File
	for l.text != nil {
		pos := at
		pos.Line = l.n
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
	tooLong int // when over the limit: its length, and text is empty
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
// reported by its length; text is nil at the end of input.
func (lr *lineReader) next() (text []byte, tooLong int, err error) {
	var buf []byte
	size, over := 0, false
	for {
		chunk, err := lr.br.ReadSlice('\n')
		size += len(chunk)
		if !over && size > lr.max+1 { // +1: the line end
			over, buf = true, nil
		}
		if !over {
			buf = append(buf, chunk...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
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

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
