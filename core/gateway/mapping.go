package gateway

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// evaluate resolves a parameter mapping value against the request: a value
// that is one selection expression ("$request.body.a.b") is replaced by
// what it selects; otherwise every "${…}" in it is ("order ${request.path.id}").
// Anything else is static text.
func evaluate(expr string, in *inbound) string {
	if strings.HasPrefix(expr, "$") && !strings.HasPrefix(expr, "${") && !strings.ContainsAny(expr, " {}") {
		if v, ok := selectValue(expr[1:], in); ok {
			return v
		}
		return ""
	}
	if !strings.Contains(expr, "${") {
		return expr
	}
	var b strings.Builder
	rest := expr
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		if v, ok := selectValue(rest[i+2:i+j], in); ok {
			b.WriteString(v)
		}
		rest = rest[i+j+1:]
	}
	return b.String()
}

// selectValue resolves one expression without its "$": request.body[.path],
// request.header.NAME, request.querystring.NAME, request.path.NAME,
// context.NAME, stageVariables.NAME.
func selectValue(sel string, in *inbound) (string, bool) {
	src, name, _ := strings.Cut(sel, ".")
	switch src {
	case "request":
		part, name, _ := strings.Cut(name, ".")
		switch part {
		case "body":
			if name == "" {
				return string(in.body), true
			}
			return selectJSON(in.body, name)
		case "header":
			vs := in.header.Values(name)
			return strings.Join(vs, ","), len(vs) > 0
		case "querystring":
			v, ok := queryParams(in.rawQuery)[name]
			return v, ok
		case "path":
			v, ok := in.pathParams[name]
			return v, ok
		}
	case "context":
		return contextValue(name, in)
	case "stageVariables":
		v, ok := in.stageVars[name]
		return v, ok
	case "response":
		if in.resp == nil {
			return "", false
		}
		part, name, _ := strings.Cut(name, ".")
		switch part {
		case "header":
			vs := in.resp.header.Values(name)
			return strings.Join(vs, ","), len(vs) > 0
		case "body":
			if name == "" {
				return string(in.resp.body), true
			}
			return selectJSON(in.resp.body, name)
		}
	}
	return "", false
}

func contextValue(name string, in *inbound) (string, bool) {
	switch name {
	case "requestId":
		return in.requestID, true
	case "routeKey":
		return in.routeKey, true
	case "stage":
		return in.stage, true
	case "httpMethod":
		return in.method, true
	case "path":
		return unescape(in.rawPath), true
	case "apiId":
		return in.apiID, true
	case "accountId":
		return in.account, true
	case "domainName":
		return in.host, true
	case "protocol":
		return in.proto, true
	case "requestTime":
		return in.time.UTC().Format(requestTimeLayout), true
	case "requestTimeEpoch":
		return strconv.FormatInt(in.time.UnixMilli(), 10), true
	case "identity.sourceIp":
		return in.sourceIP, true
	case "identity.userAgent":
		return in.header.Get("User-Agent"), true
	}
	return "", false
}

// selectJSON follows a dotted path (with [n] indexes) into a JSON body: a
// string is returned as is, anything else as JSON.
func selectJSON(body []byte, path string) (string, bool) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "", false
	}
	for _, step := range splitJSONPath(path) {
		switch t := v.(type) {
		case map[string]any:
			next, ok := t[step]
			if !ok {
				return "", false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(t) {
				return "", false
			}
			v = t[i]
		default:
			return "", false
		}
	}
	if s, ok := v.(string); ok {
		return s, true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// splitJSONPath splits "a.b[2].c" into a, b, 2, c.
func splitJSONPath(p string) []string {
	p = strings.NewReplacer("[", ".", "]", "").Replace(p)
	var out []string
	for _, s := range strings.Split(p, ".") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// validateExpr checks a mapping value's expressions name known sources
// ($response too in response parameters).
func validateExpr(expr string, response bool) error {
	check := func(sel string) error {
		src, _, _ := strings.Cut(sel, ".")
		switch {
		case src == "request", src == "context", src == "stageVariables", response && src == "response":
			return nil
		}
		if response {
			return fmt.Errorf("%q: an expression selects from $request, $response, $context or $stageVariables", expr)
		}
		return fmt.Errorf("%q: an expression selects from $request, $context or $stageVariables", expr)
	}
	if strings.HasPrefix(expr, "$") && !strings.HasPrefix(expr, "${") && !strings.ContainsAny(expr, " {}") {
		return check(expr[1:])
	}
	rest := expr
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("%q: unclosed ${", expr)
		}
		if err := check(rest[i+2 : i+j]); err != nil {
			return err
		}
		rest = rest[i+j+1:]
	}
}

// mapResponse applies the response parameters for resp's status.
func mapResponse(params map[string]map[string]string, in *inbound, resp *response) *response {
	set, ok := params[strconv.Itoa(resp.status)]
	if !ok {
		return resp
	}
	view := *in
	view.resp = resp
	out := &response{status: resp.status, header: resp.header.Clone(), body: resp.body}
	for _, key := range sortedKeys(set) {
		v := evaluate(set[key], &view)
		action, target, _ := strings.Cut(key, ":")
		if target == "statuscode" {
			if n, err := strconv.Atoi(v); err == nil && n >= 200 && n <= 599 {
				out.status = n
			}
			continue
		}
		name := strings.TrimPrefix(target, "header.")
		v = sanitize(v)
		switch action {
		case "append":
			out.header.Add(name, v)
		case "overwrite":
			out.header.Set(name, v)
		case "remove":
			out.header.Del(name)
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// validateResponseParameters checks status keys, actions and expressions.
func validateResponseParameters(params map[string]map[string]string) error {
	for status, set := range params {
		if n, err := strconv.Atoi(status); err != nil || n < 100 || n > 599 {
			return fmt.Errorf("response parameters are keyed by a status code 100–599, not %q", status)
		}
		for key, v := range set {
			action, target, _ := strings.Cut(key, ":")
			switch {
			case key == "overwrite:statuscode":
			case (action == "append" || action == "overwrite" || action == "remove") && strings.HasPrefix(target, "header.") &&
				validHeader(map[string][]string{strings.TrimPrefix(target, "header."): {""}}) && target != "header.":
			default:
				return fmt.Errorf("response parameter %q: use overwrite:statuscode or append|overwrite|remove:header.NAME", key)
			}
			if err := validateExpr(v, true); err != nil {
				return err
			}
		}
	}
	return nil
}
