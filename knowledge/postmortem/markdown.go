package postmortem

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDocument bounds an imported document: postmortems are a few KB, and a larger file is
// usually an export with attachments inlined.
const maxDocument = 1 << 20

// minWords is how much text a document without any section Tacoma knows needs before it is
// worth matching on.
const minWords = 40

// ParseError is a document Parse cannot import, with the line at fault (0 for the whole file).
type ParseError struct {
	File   string
	Line   int
	Reason string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Reason
	}
	return e.File + ": " + e.Reason
}

// Parse reads one Markdown postmortem: optional YAML front matter, a title, and sections whose
// headings it maps to fields in the many ways teams name them (see aliasKind); the text of
// sections it does not know is kept at the end of Summary. name is used in errors and, without
// a title or an ID, for them. The result has Source FromImport, Status Final unless the front
// matter says draft, and Markdown set to the document with LF line endings. Errors are
// *ParseError.
func Parse(name string, data []byte) (*Postmortem, error) {
	fail := func(line int, format string, args ...any) (*Postmortem, error) {
		return nil, &ParseError{File: name, Line: line, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case len(data) > maxDocument:
		return fail(0, "larger than 1 MiB (%d bytes): remove inlined images or attachments", len(data))
	case len(bytes.TrimSpace(data)) == 0:
		return fail(0, "empty file")
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		return fail(0, "UTF-16 text: save it as UTF-8")
	case looksBinary(data):
		return fail(0, "binary file, not Markdown text")
	case !utf8.Valid(data):
		return fail(invalidUTF8Line(data), "not UTF-8 text: save it as UTF-8")
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")

	fmSrc, body, bodyLine, err := splitFrontMatter(name, text)
	if err != nil {
		return nil, err
	}
	f := &fmFields{}
	if strings.TrimSpace(fmSrc) != "" {
		if f, err = readFrontMatter(name, fmSrc); err != nil {
			return nil, err
		}
	}
	var lines []mdLine
	for i, l := range strings.Split(body, "\n") {
		lines = append(lines, mdLine{n: bodyLine + i, text: l})
	}
	o := outlineOf(lines)
	switch {
	case o.title == "" && f.p.Title == "" && o.words == 0 && f.text == 0:
		return fail(0, "no title and no content")
	case !o.recognised && o.words+f.text < minWords:
		return fail(0, "too little to match on: %d words and no section such as Summary, Impact, Root cause or Timeline", o.words+f.text)
	}
	p := assemble(name, f, o)
	p.Markdown = text
	return p, nil
}

// looksBinary reports whether data has a NUL byte or is mostly control characters.
func looksBinary(data []byte) bool {
	head := data[:min(len(data), 8<<10)]
	if bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v' && c != 0x1b {
			ctl++
		}
	}
	return ctl*10 > len(head)
}

func invalidUTF8Line(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return 1 + bytes.Count(data[:i], []byte("\n"))
		}
		i += size
	}
	return 0
}
