package machine

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/skyport-dev/skyport/core/internal/uuid"
)

// An intrinsic is a parsed call of a States.* intrinsic function, such as
// States.Format('Hello {}', $.name). Arguments are literals, paths or
// nested calls.
type intrinsic struct {
	name string
	args []intrinsicArg
}

type intrinsicArg struct {
	literal any
	path    *Path
	call    *intrinsic
}

// intrinsicArity gives each function's minimum and maximum argument count
// (-1: any number).
var intrinsicArity = map[string][2]int{
	"States.Format":         {1, -1},
	"States.StringToJson":   {1, 1},
	"States.JsonToString":   {1, 1},
	"States.Array":          {0, -1},
	"States.ArrayPartition": {2, 2},
	"States.ArrayContains":  {2, 2},
	"States.ArrayRange":     {3, 3},
	"States.ArrayGetItem":   {2, 2},
	"States.ArrayLength":    {1, 1},
	"States.ArrayUnique":    {1, 1},
	"States.Base64Encode":   {1, 1},
	"States.Base64Decode":   {1, 1},
	"States.Hash":           {2, 2},
	"States.JsonMerge":      {3, 3},
	"States.MathRandom":     {2, 3},
	"States.MathAdd":        {2, 2},
	"States.StringSplit":    {2, 2},
	"States.UUID":           {0, 0},
}

// looksIntrinsic tells a ".$" value that is a function call from a path.
func looksIntrinsic(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "States.") }

// parseIntrinsic parses a whole intrinsic call.
func parseIntrinsic(src string) (*intrinsic, error) {
	p := &intrinsicParser{s: src}
	p.skipSpace()
	call, err := p.call()
	if err != nil {
		return nil, fmt.Errorf("the intrinsic function %q is invalid: %v", src, err)
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("the intrinsic function %q is invalid: unexpected %q", src, p.s[p.i:])
	}
	return call, nil
}

type intrinsicParser struct {
	s string
	i int
}

func (p *intrinsicParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *intrinsicParser) call() (*intrinsic, error) {
	start := p.i
	for p.i < len(p.s) && (isIdentPart(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	name := p.s[start:p.i]
	limits, ok := intrinsicArity[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %q", name)
	}
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return nil, fmt.Errorf("%s must be followed by '('", name)
	}
	p.i++
	c := &intrinsic{name: name}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
	} else {
		for {
			p.skipSpace()
			a, err := p.arg()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.skipSpace()
			if p.i >= len(p.s) {
				return nil, fmt.Errorf("missing ')'")
			}
			if p.s[p.i] == ')' {
				p.i++
				break
			}
			if p.s[p.i] != ',' {
				return nil, fmt.Errorf("expected ',' or ')' at %q", p.s[p.i:])
			}
			p.i++
		}
	}
	if len(c.args) < limits[0] || (limits[1] >= 0 && len(c.args) > limits[1]) {
		return nil, fmt.Errorf("%s takes %s arguments, got %d", name, arityText(limits), len(c.args))
	}
	return c, nil
}

func arityText(l [2]int) string {
	switch {
	case l[1] < 0:
		return fmt.Sprintf("at least %d", l[0])
	case l[0] == l[1]:
		return strconv.Itoa(l[0])
	}
	return fmt.Sprintf("%d to %d", l[0], l[1])
}

func (p *intrinsicParser) arg() (intrinsicArg, error) {
	if p.i >= len(p.s) {
		return intrinsicArg{}, fmt.Errorf("missing argument")
	}
	c := p.s[p.i]
	switch {
	case c == '\'':
		s, err := p.str()
		return intrinsicArg{literal: s}, err
	case c == '$':
		start := p.i
		depth := 0
		var quote byte
		for p.i < len(p.s) {
			ch := p.s[p.i]
			if quote != 0 {
				if ch == '\\' {
					p.i++
				} else if ch == quote {
					quote = 0
				}
			} else if ch == '\'' || ch == '"' {
				quote = ch
			} else if ch == '[' || ch == '(' {
				depth++
			} else if ch == ']' || (ch == ')' && depth > 0) {
				depth--
			} else if depth == 0 && (ch == ',' || ch == ')' || ch == ' ') {
				break
			}
			p.i++
		}
		path, err := ParsePath(p.s[start:p.i])
		return intrinsicArg{path: path}, err
	case strings.HasPrefix(p.s[p.i:], "States."):
		call, err := p.call()
		return intrinsicArg{call: call}, err
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != ')' && p.s[p.i] != ' ' {
		p.i++
	}
	lit, err := parseLiteral(p.s[start:p.i])
	if err != nil {
		return intrinsicArg{}, err
	}
	if _, isStr := lit.(string); isStr {
		return intrinsicArg{}, fmt.Errorf("strings must be in single quotes")
	}
	return intrinsicArg{literal: lit}, nil
}

// str reads a single-quoted string; \' \{ \} \\ are escapes.
func (p *intrinsicParser) str() (string, error) {
	var b strings.Builder
	p.i++
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) {
				return "", fmt.Errorf("dangling escape")
			}
			next := p.s[p.i+1]
			if next == '{' || next == '}' {
				b.WriteByte('\\') // kept for States.Format to tell literal braces
			}
			b.WriteByte(next)
			p.i += 2
		case '\'':
			p.i++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", fmt.Errorf("unterminated string")
}

// eval runs the call. Errors are States.IntrinsicFailure (or
// States.Runtime for paths that name nothing).
func (c *intrinsic) eval(sc scope) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		switch {
		case a.call != nil:
			v, err := a.call.eval(sc)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case a.path != nil:
			v, ok := a.path.Get(sc)
			if !ok {
				return nil, fail(ErrRuntime, "The JsonPath argument for the field '%s' could not be found in the input", a.path.src)
			}
			args[i] = v
		default:
			args[i] = unescapeBraces(a.literal, c.name)
		}
	}
	v, err := callIntrinsic(c.name, args)
	if err != nil {
		return nil, fail(ErrIntrinsicFailure, "Invalid arguments in %s: %v", c.name, err)
	}
	return v, nil
}

// unescapeBraces drops the markers str kept, except for States.Format's
// template which handles them itself.
func unescapeBraces(v any, fn string) any {
	s, ok := v.(string)
	if !ok || fn == "States.Format" {
		return v
	}
	return strings.NewReplacer(`\{`, "{", `\}`, "}").Replace(s)
}

type intrinsicFunc func(args []any) (any, error)

var intrinsicFuncs map[string]intrinsicFunc

func init() {
	intrinsicFuncs = map[string]intrinsicFunc{
		"States.Format":         fnFormat,
		"States.StringToJson":   fnStringToJSON,
		"States.JsonToString":   func(a []any) (any, error) { return encodeJSON(a[0]), nil },
		"States.Array":          func(a []any) (any, error) { return append([]any{}, a...), nil },
		"States.ArrayPartition": fnArrayPartition,
		"States.ArrayContains":  fnArrayContains,
		"States.ArrayRange":     fnArrayRange,
		"States.ArrayGetItem":   fnArrayGetItem,
		"States.ArrayLength":    fnArrayLength,
		"States.ArrayUnique":    fnArrayUnique,
		"States.Base64Encode":   fnBase64Encode,
		"States.Base64Decode":   fnBase64Decode,
		"States.Hash":           fnHash,
		"States.JsonMerge":      fnJSONMerge,
		"States.MathRandom":     fnMathRandom,
		"States.MathAdd":        fnMathAdd,
		"States.StringSplit":    fnStringSplit,
		"States.UUID":           func([]any) (any, error) { return newUUID(), nil },
	}
}

func callIntrinsic(name string, args []any) (any, error) {
	fn, ok := intrinsicFuncs[name]
	if !ok {
		return nil, fmt.Errorf("unknown function")
	}
	return fn(args)
}

func argString(a []any, i int) (string, error) {
	s, ok := a[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d must be a string, got %s", i+1, typeName(a[i]))
	}
	return s, nil
}

func argArray(a []any, i int) ([]any, error) {
	arr, ok := a[i].([]any)
	if !ok {
		return nil, fmt.Errorf("argument %d must be an array, got %s", i+1, typeName(a[i]))
	}
	return arr, nil
}

func argInt(a []any, i int) (int, error) {
	f, ok := a[i].(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("argument %d must be an integer, got %s", i+1, encodeJSON(a[i]))
	}
	return int(f), nil
}

func fnFormat(a []any) (any, error) {
	tmpl, err := argString(a, 0)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	next := 1
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c == '\\' && i+1 < len(tmpl) && (tmpl[i+1] == '{' || tmpl[i+1] == '}') {
			b.WriteByte(tmpl[i+1])
			i++
			continue
		}
		if c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			if next >= len(a) {
				return nil, fmt.Errorf("the template has more {} than arguments")
			}
			switch v := a[next].(type) {
			case string:
				b.WriteString(v)
			case []any, map[string]any:
				return nil, fmt.Errorf("argument %d must be a string, number, boolean or null", next+1)
			default:
				b.WriteString(encodeJSON(v))
			}
			next++
			i++
			continue
		}
		b.WriteByte(c)
	}
	if next != len(a) {
		return nil, fmt.Errorf("the template has %d {} for %d arguments", next-1, len(a)-1)
	}
	return b.String(), nil
}

func fnStringToJSON(a []any) (any, error) {
	s, err := argString(a, 0)
	if err != nil {
		return nil, err
	}
	return decodeJSON(s)
}

func fnArrayPartition(a []any) (any, error) {
	arr, err := argArray(a, 0)
	if err != nil {
		return nil, err
	}
	size, err := argInt(a, 1)
	if err != nil || size <= 0 {
		return nil, fmt.Errorf("the chunk size must be a positive integer")
	}
	out := []any{}
	for i := 0; i < len(arr); i += size {
		out = append(out, append([]any{}, arr[i:min(i+size, len(arr))]...))
	}
	return out, nil
}

func fnArrayContains(a []any) (any, error) {
	arr, err := argArray(a, 0)
	if err != nil {
		return nil, err
	}
	for _, v := range arr {
		if jsonEqual(v, a[1]) {
			return true, nil
		}
	}
	return false, nil
}

// maxArrayRange is the most items States.ArrayRange may produce.
const maxArrayRange = 1000

func fnArrayRange(a []any) (any, error) {
	var n [3]int
	for i := range n {
		v, err := argInt(a, i)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	if n[2] == 0 {
		return nil, fmt.Errorf("the step cannot be 0")
	}
	out := []any{}
	for i := n[0]; (n[2] > 0 && i <= n[1]) || (n[2] < 0 && i >= n[1]); i += n[2] {
		if len(out) == maxArrayRange {
			return nil, fmt.Errorf("the range has more than %d items", maxArrayRange)
		}
		out = append(out, float64(i))
	}
	return out, nil
}

func fnArrayGetItem(a []any) (any, error) {
	arr, err := argArray(a, 0)
	if err != nil {
		return nil, err
	}
	i, err := argInt(a, 1)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(arr) {
		return nil, fmt.Errorf("index %d is out of bounds for an array of %d", i, len(arr))
	}
	return arr[i], nil
}

func fnArrayLength(a []any) (any, error) {
	arr, err := argArray(a, 0)
	if err != nil {
		return nil, err
	}
	return float64(len(arr)), nil
}

func fnArrayUnique(a []any) (any, error) {
	arr, err := argArray(a, 0)
	if err != nil {
		return nil, err
	}
	out := []any{}
	seen := map[string]bool{}
	for _, v := range arr {
		k := encodeJSON(v)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// maxBase64Input is the longest string States.Base64Encode/Decode accept.
const maxBase64Input = 10000

func fnBase64Encode(a []any) (any, error) {
	s, err := argString(a, 0)
	if err != nil {
		return nil, err
	}
	if len(s) > maxBase64Input {
		return nil, fmt.Errorf("the input is longer than %d characters", maxBase64Input)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(a []any) (any, error) {
	s, err := argString(a, 0)
	if err != nil {
		return nil, err
	}
	if len(s) > maxBase64Input {
		return nil, fmt.Errorf("the input is longer than %d characters", maxBase64Input)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the input is not base64: %v", err)
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("the decoded data is not UTF-8 text")
	}
	return string(b), nil
}

func fnHash(a []any) (any, error) {
	var data string
	if s, ok := a[0].(string); ok {
		data = s
	} else {
		data = encodeJSON(a[0])
	}
	alg, err := argString(a, 1)
	if err != nil {
		return nil, err
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("the hash algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", alg)
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnJSONMerge(a []any) (any, error) {
	x, ok1 := a[0].(map[string]any)
	y, ok2 := a[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both values to merge must be objects")
	}
	deep, ok := a[2].(bool)
	if !ok {
		return nil, fmt.Errorf("the third argument must be a boolean")
	}
	if deep {
		return nil, fmt.Errorf("deep merging is not supported; pass false")
	}
	out := make(map[string]any, len(x)+len(y))
	for k, v := range x {
		out[k] = v
	}
	for k, v := range y {
		out[k] = v
	}
	return out, nil
}

func fnMathRandom(a []any) (any, error) {
	lo, err := argInt(a, 0)
	if err != nil {
		return nil, err
	}
	hi, err := argInt(a, 1)
	if err != nil {
		return nil, err
	}
	if hi <= lo {
		return nil, fmt.Errorf("the end must be greater than the start")
	}
	if len(a) == 3 {
		seed, err := argInt(a, 2)
		if err != nil {
			return nil, err
		}
		r := mrand.New(mrand.NewPCG(uint64(seed), uint64(seed)))
		return float64(lo + r.IntN(hi-lo)), nil
	}
	return float64(lo + mrand.IntN(hi-lo)), nil
}

func fnMathAdd(a []any) (any, error) {
	x, err := argInt(a, 0)
	if err != nil {
		return nil, err
	}
	y, err := argInt(a, 1)
	if err != nil {
		return nil, err
	}
	return float64(x + y), nil
}

func fnStringSplit(a []any) (any, error) {
	s, err := argString(a, 0)
	if err != nil {
		return nil, err
	}
	delims, err := argString(a, 1)
	if err != nil {
		return nil, err
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// newUUID returns a random version 4 UUID.
func newUUID() string { return uuid.New() }
