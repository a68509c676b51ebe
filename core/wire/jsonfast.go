package wire

import (
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Fast paths of the JSON protocols' decoder. Every SQS JSON request is a
// flat object of strings, numbers and lists of flat objects; decoding it
// through encoding/json's reflection (into map[string]json.RawMessage, then
// each member again) was a tenth of the server's CPU per SendMessage. The
// functions here split an already validated body by hand and return ok=false
// for anything they do not handle exactly as encoding/json does (escaped or
// non-ASCII keys, escaped strings, numbers in quotes…): the caller then takes
// the encoding/json path, so results and errors are unchanged.

// splitValidObject splits b, a valid JSON value (json.Valid), into its
// top-level members when it is an object whose keys need no unescaping. The
// values alias b, without surrounding whitespace, as json.RawMessage holds
// them; a repeated key keeps its last value, as encoding/json does.
func splitValidObject(b []byte) (jsonParams, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	p := make(jsonParams, 8)
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return p, skipSpace(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		start := i + 1
		i = start
		for i < len(b) && b[i] != '"' {
			if b[i] == '\\' || b[i] >= utf8.RuneSelf {
				return nil, false
			}
			i++
		}
		if i >= len(b) {
			return nil, false
		}
		key := string(b[start:i])
		i = skipSpace(b, i+1)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		end, ok := skipValidValue(b, i)
		if !ok {
			return nil, false
		}
		p[key] = json.RawMessage(b[i:end:end])
		i = skipSpace(b, end)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return p, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

// splitValidArray splits b, a valid JSON value, into its elements when it is
// an array. Elements alias b without surrounding whitespace.
func splitValidArray(b []byte) ([][]byte, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, false
	}
	var out [][]byte
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return out, skipSpace(b, i+1) == len(b)
	}
	for {
		end, ok := skipValidValue(b, i)
		if !ok {
			return nil, false
		}
		out = append(out, b[i:end:end])
		i = skipSpace(b, end)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return out, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValidValue returns the end of the value starting at b[i], b being
// valid JSON: strings are skipped escape by escape, objects and arrays by
// depth, literals up to the next delimiter.
func skipValidValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, ok := skipString(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	default:
		for j := i; j < len(b); j++ {
			switch b[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j, j > i
			}
		}
		return len(b), len(b) > i
	}
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// plainString returns the value of the JSON string v when it holds no
// escapes and valid UTF-8: then its bytes are its value.
func plainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	ascii := true
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(inner) {
		return "", false
	}
	return string(inner), true
}

// plainInt returns the value of v when it is a bare JSON integer that fits
// an int.
func plainInt(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	digits := v
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(string(v))
	return n, err == nil
}

// ---- encoding ----

// fastJSON is a result that writes its own JSON, byte for byte what
// encoding/json writes for it (HTML-escaped, fields in declaration order,
// map keys sorted). ok=false sends it through encoding/json instead.
type fastJSON interface {
	appendJSON(dst []byte) (out []byte, ok bool)
}

// jsonBufs recycles response buffers between requests.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledJSON keeps a few large responses from pinning memory in the pool.
const maxPooledJSON = 64 << 10

// writeFastJSON writes result as encoding/json's Encoder would (with its
// trailing newline) when result can; it reports whether it did.
func writeFastJSON(w io.Writer, result any) bool {
	f, ok := result.(fastJSON)
	if !ok {
		return false
	}
	bp := jsonBufs.Get().(*[]byte)
	b, ok := f.appendJSON((*bp)[:0])
	if ok {
		b = append(b, '\n')
		_, _ = w.Write(b)
	}
	if cap(b) <= maxPooledJSON {
		*bp = b[:0]
		jsonBufs.Put(bp)
	}
	return ok
}

const hexDigits = "0123456789abcdef"

// appendJSONStringHTML is encoding/json's string encoding with HTML escaping.
func appendJSONStringHTML(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendField writes "name": (after a comma unless first).
func appendField(dst []byte, first bool, name string) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"', ':')
}

func appendStringField(dst []byte, first bool, name, v string) []byte {
	return appendJSONStringHTML(appendField(dst, first, name), v)
}

func (r sendResult) appendJSON(dst []byte) ([]byte, bool) {
	return append(r.appendFields(append(dst, '{'), true), '}'), true
}

// appendFields writes sendResult's members; first says whether none came
// before them in the object.
func (r sendResult) appendFields(dst []byte, first bool) []byte {
	dst = appendStringField(dst, first, "MD5OfMessageBody", r.MD5OfMessageBody)
	if r.MD5OfMessageAttributes != "" {
		dst = appendStringField(dst, false, "MD5OfMessageAttributes", r.MD5OfMessageAttributes)
	}
	if r.MD5OfMessageSystemAttributes != "" {
		dst = appendStringField(dst, false, "MD5OfMessageSystemAttributes", r.MD5OfMessageSystemAttributes)
	}
	dst = appendStringField(dst, false, "MessageId", r.MessageID)
	if r.SequenceNumber != "" {
		dst = appendStringField(dst, false, "SequenceNumber", r.SequenceNumber)
	}
	return dst
}

func (e batchError) appendTo(dst []byte) []byte {
	dst = appendStringField(append(dst, '{'), true, "Id", e.ID)
	dst = appendField(dst, false, "SenderFault")
	dst = strconv.AppendBool(dst, e.SenderFault)
	dst = appendStringField(dst, false, "Code", e.Code)
	if e.Message != "" {
		dst = appendStringField(dst, false, "Message", e.Message)
	}
	return append(dst, '}')
}

// appendList writes a JSON array of n elements (null for a nil slice).
func appendList(dst []byte, isNil bool, n int, elem func([]byte, int) []byte) []byte {
	if isNil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = elem(dst, i)
	}
	return append(dst, ']')
}

func appendBatchErrors(dst []byte, failed []batchError) []byte {
	return appendList(dst, failed == nil, len(failed), func(b []byte, i int) []byte { return failed[i].appendTo(b) })
}

func (r sendBatchResult) appendJSON(dst []byte) ([]byte, bool) {
	dst = appendField(append(dst, '{'), true, "Successful")
	dst = appendList(dst, r.Successful == nil, len(r.Successful), func(b []byte, i int) []byte {
		e := r.Successful[i]
		b = appendStringField(append(b, '{'), true, "Id", e.ID)
		return append(e.sendResult.appendFields(b, false), '}')
	})
	dst = appendBatchErrors(appendField(dst, false, "Failed"), r.Failed)
	return append(dst, '}'), true
}

func appendIDEntries(dst []byte, ok []idEntry) []byte {
	return appendList(dst, ok == nil, len(ok), func(b []byte, i int) []byte {
		return append(appendStringField(append(b, '{'), true, "Id", ok[i].ID), '}')
	})
}

func (r deleteBatchResult) appendJSON(dst []byte) ([]byte, bool) {
	dst = appendIDEntries(appendField(append(dst, '{'), true, "Successful"), r.Successful)
	dst = appendBatchErrors(appendField(dst, false, "Failed"), r.Failed)
	return append(dst, '}'), true
}

func (r visibilityBatchResult) appendJSON(dst []byte) ([]byte, bool) {
	dst = appendIDEntries(appendField(append(dst, '{'), true, "Successful"), r.Successful)
	dst = appendBatchErrors(appendField(dst, false, "Failed"), r.Failed)
	return append(dst, '}'), true
}

func (r queueURLResult) appendJSON(dst []byte) ([]byte, bool) {
	return append(appendStringField(append(dst, '{'), true, "QueueUrl", r.QueueURL), '}'), true
}

// appendStringMap writes a map of strings as encoding/json does: keys sorted.
func appendStringMap(dst []byte, m map[string]string) []byte {
	dst = append(dst, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(appendJSONStringHTML(dst, k), ':')
		dst = appendJSONStringHTML(dst, m[k])
	}
	return append(dst, '}')
}

// appendJSON writes the messages; message attributes (their own MarshalJSON)
// take the encoding/json path.
func (r receiveResult) appendJSON(dst []byte) ([]byte, bool) {
	dst = append(dst, '{')
	if len(r.Messages) > 0 {
		dst = appendField(dst, true, "Messages")
		dst = append(dst, '[')
		for i, m := range r.Messages {
			if len(m.MessageAttributes) > 0 {
				return dst, false
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendStringField(append(dst, '{'), true, "MessageId", m.MessageID)
			dst = appendStringField(dst, false, "ReceiptHandle", m.ReceiptHandle)
			dst = appendStringField(dst, false, "MD5OfBody", m.MD5OfBody)
			dst = appendStringField(dst, false, "Body", m.Body)
			if len(m.Attributes) > 0 {
				dst = appendStringMap(appendField(dst, false, "Attributes"), m.Attributes)
			}
			if m.MD5OfMessageAttributes != "" {
				dst = appendStringField(dst, false, "MD5OfMessageAttributes", m.MD5OfMessageAttributes)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), true
}

// emptyResult is the result of an action that returns nothing: {}.
type emptyResult struct{}

func (emptyResult) appendJSON(dst []byte) ([]byte, bool) { return append(dst, '{', '}'), true }
