package wire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Kinesis is served in JSON 1.1 (the Go, Python and JavaScript SDKs) and in
// its CBOR form (application/x-amz-cbor-1.1, the Java SDK's and KPL/KCL's
// default). Both decode to the same tree: map[string]any holding string,
// int64, float64, bool, []byte (CBOR byte strings), time.Time (CBOR tag 1),
// []any and map[string]any. kparams reads members from it with each
// protocol's encoding of blobs and timestamps; results are built as the
// same kind of tree and written by encodeKinesisJSON or encodeKinesisCBOR.

// kparams is one decoded Kinesis request or structure member.
type kparams struct {
	m    map[string]any
	cbor bool
}

// decodeKinesisJSON parses a JSON 1.1 body.
func decodeKinesisJSON(body []byte) (kparams, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return kparams{m: map[string]any{}}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return kparams{}, fmt.Errorf("the request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return kparams{}, fmt.Errorf("the request body has data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return kparams{}, fmt.Errorf("the request body is not a JSON object")
	}
	return kparams{m: m}, nil
}

// decodeKinesisCBOR parses a CBOR body.
func decodeKinesisCBOR(body []byte) (kparams, error) {
	if len(body) == 0 {
		return kparams{m: map[string]any{}, cbor: true}, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return kparams{}, fmt.Errorf("the request body is not valid CBOR: %v", err)
	}
	t, err := fromCBOR(v, 0)
	if err != nil {
		return kparams{}, err
	}
	m, ok := t.(map[string]any)
	if !ok {
		return kparams{}, fmt.Errorf("the request body is not a CBOR map")
	}
	return kparams{m: m, cbor: true}, nil
}

// fromCBOR turns a CBOR value into the request tree.
func fromCBOR(v cbor.Value, depth int) (any, error) {
	if depth > 32 {
		return nil, fmt.Errorf("the request body nests too deeply")
	}
	switch x := v.(type) {
	case cbor.Uint:
		if uint64(x) > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case cbor.NegInt:
		if x == 0 || uint64(x) > math.MaxInt64 {
			return -float64(x), nil
		}
		return -int64(x), nil
	case cbor.Slice:
		return []byte(x), nil
	case cbor.String:
		return string(x), nil
	case cbor.Bool:
		return bool(x), nil
	case cbor.Float32:
		return float64(x), nil
	case cbor.Float64:
		return float64(x), nil
	case *cbor.Nil, *cbor.Undefined:
		return nil, nil
	case cbor.List:
		out := make([]any, len(x))
		for i, e := range x {
			t, err := fromCBOR(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	case cbor.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			t, err := fromCBOR(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = t
		}
		return out, nil
	case *cbor.Tag:
		if x.ID == 1 {
			t, err := cbor.AsTime(x)
			if err != nil {
				return nil, fmt.Errorf("bad CBOR timestamp: %v", err)
			}
			return t, nil
		}
		return fromCBOR(x.Value, depth+1)
	}
	return nil, fmt.Errorf("unsupported CBOR value %T", v)
}

// serialErr is a member of the wrong type: SerializationException.
type serialErr struct{ msg string }

func (e *serialErr) Error() string { return e.msg }

func wrongType(name, want string) error {
	return &serialErr{fmt.Sprintf("Member %s must be %s.", name, want)}
}

func (p kparams) has(name string) bool { return p.m[name] != nil }

func (p kparams) str(name string) (string, error) {
	v := p.m[name]
	if v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", wrongType(name, "a string")
	}
	return s, nil
}

// integer returns an integer member; ok is false when absent.
func (p kparams) integer(name string) (int64, bool, error) {
	switch x := p.m[name].(type) {
	case nil:
		return 0, false, nil
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return 0, false, wrongType(name, "an integer")
		}
		return n, true, nil
	case int64:
		return x, true, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true, nil
		}
	}
	return 0, false, wrongType(name, "an integer")
}

// smallInt returns an integer member clamped to the int32 range's use.
func (p kparams) smallInt(name string) (int, bool, error) {
	n, ok, err := p.integer(name)
	if err != nil || !ok {
		return 0, ok, err
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, false, wrongType(name, "a 32-bit integer")
	}
	return int(n), true, nil
}

func (p kparams) boolean(name string) (bool, error) {
	switch x := p.m[name].(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	}
	return false, wrongType(name, "a boolean")
}

// blob returns a blob member: base64 text in JSON, a byte string in CBOR.
func (p kparams) blob(name string) ([]byte, bool, error) {
	switch x := p.m[name].(type) {
	case nil:
		return nil, false, nil
	case []byte:
		return x, true, nil
	case string:
		b, err := base64.StdEncoding.DecodeString(x)
		if err != nil {
			return nil, false, &serialErr{fmt.Sprintf("Member %s is not valid base64.", name)}
		}
		return b, true, nil
	}
	return nil, false, wrongType(name, "a blob")
}

// timestamp returns a timestamp member: epoch seconds (a number) in JSON,
// a tagged epoch in CBOR.
func (p kparams) timestamp(name string) (time.Time, bool, error) {
	switch x := p.m[name].(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return x, true, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err == nil && !math.IsInf(f, 0) && math.Abs(f) < 1e12 {
			return kinesisEpoch(f), true, nil
		}
	case int64:
		if x > -1e12 && x < 1e12 {
			return time.Unix(x, 0), true, nil
		}
	case float64:
		if !math.IsNaN(x) && math.Abs(x) < 1e12 {
			return kinesisEpoch(x), true, nil
		}
	}
	return time.Time{}, false, wrongType(name, "a timestamp in epoch seconds")
}

func kinesisEpoch(f float64) time.Time {
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)).Round(time.Millisecond)
}

func (p kparams) object(name string) (kparams, bool, error) {
	switch x := p.m[name].(type) {
	case nil:
		return kparams{}, false, nil
	case map[string]any:
		return kparams{m: x, cbor: p.cbor}, true, nil
	}
	return kparams{}, false, wrongType(name, "a structure")
}

func (p kparams) objects(name string) ([]kparams, error) {
	switch x := p.m[name].(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]kparams, len(x))
		for i, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, wrongType(name, "a list of structures")
			}
			out[i] = kparams{m: m, cbor: p.cbor}
		}
		return out, nil
	}
	return nil, wrongType(name, "a list")
}

func (p kparams) strings(name string) ([]string, error) {
	switch x := p.m[name].(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, wrongType(name, "a list of strings")
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, wrongType(name, "a list of strings")
}

func (p kparams) strMap(name string) (map[string]string, error) {
	switch x := p.m[name].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		out := make(map[string]string, len(x))
		for k, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, wrongType(name, "a map of strings")
			}
			out[k] = s
		}
		return out, nil
	}
	return nil, wrongType(name, "a map of strings")
}

// ---- results ----

// obj is a result structure; nil members are left out.
type obj map[string]any

// encodeKinesisJSON writes a result tree as JSON 1.1: blobs base64,
// timestamps epoch seconds. It writes the common types directly: a
// GetRecords page is 10,000 records, so encoding speed is read speed.
func encodeKinesisJSON(v any) []byte {
	return appendJSONValue(make([]byte, 0, 4096), v)
}

func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case obj:
		return appendJSONMap(b, x)
	case map[string]any:
		return appendJSONMap(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONValue(b, e)
		}
		return append(b, ']')
	case string:
		return appendJSONString(b, x)
	case []byte:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x)
		return append(b, '"')
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		return strconv.AppendFloat(b, float64(x.UnixMilli())/1000, 'f', -1, 64)
	}
	js, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, js...)
}

func appendJSONMap(b []byte, m map[string]any) []byte {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONValue(b, m[k])
	}
	return append(b, '}')
}

// appendJSONString writes s as a JSON string, escaping what JSON requires
// (and invalid UTF-8 as U+FFFD, as encoding/json does).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\\ufffd"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// encodeKinesisCBOR writes a result tree as CBOR: blobs as byte strings,
// timestamps as tag 1 epoch seconds.
func encodeKinesisCBOR(v any) []byte { return cbor.Encode(toCBOR(v)) }

func toCBOR(v any) cbor.Value {
	switch x := v.(type) {
	case nil:
		return &cbor.Nil{}
	case obj:
		return cborMap(x)
	case map[string]any:
		return cborMap(x)
	case []any:
		l := make(cbor.List, len(x))
		for i, e := range x {
			l[i] = toCBOR(e)
		}
		return l
	case string:
		return cbor.String(x)
	case []byte:
		return cbor.Slice(x)
	case bool:
		return cbor.Bool(x)
	case int:
		return cborInt(int64(x))
	case int64:
		return cborInt(x)
	case float64:
		return cbor.Float64(x)
	case time.Time:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(x.UnixMilli()) / 1000)}
	}
	return &cbor.Nil{}
}

func cborMap(m map[string]any) cbor.Map {
	out := make(cbor.Map, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = toCBOR(v)
		}
	}
	return out
}

func cborInt(n int64) cbor.Value {
	if n < 0 {
		return cbor.NegInt(uint64(-n))
	}
	return cbor.Uint(uint64(n))
}
