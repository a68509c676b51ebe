package function

import (
	"fmt"
	"maps"
	"strings"
)

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func errNotFound(name string) *Error {
	return errorf(ResourceNotFound, "Function not found: %s", name)
}

// withDefaults fills the zero fields of def with Lambda's defaults.
func withDefaults(def Definition) Definition {
	if def.Mode == "" {
		def.Mode = PerEvent
	}
	if def.Timeout == 0 {
		def.Timeout = DefaultTimeout
	}
	if def.MemoryMB == 0 {
		def.MemoryMB = DefaultMemoryMB
	}
	if def.Concurrency == 0 {
		def.Concurrency = MaxConcurrency
	}
	return def
}

// validName checks Lambda's function name rules (unqualified name).
func validName(name string) bool {
	if len(name) == 0 || len(name) > MaxNameLength {
		return false
	}
	for _, r := range name {
		ok := r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// validate checks a definition (after withDefaults).
func validate(def Definition) error {
	switch {
	case !validName(def.Name):
		return errorf(InvalidParameterValue, "1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]{1,64}", def.Name)
	case len(def.Command) == 0 || strings.TrimSpace(def.Command[0]) == "":
		return errorf(InvalidParameterValue, "function %s: a command is required", def.Name)
	case def.Mode != PerEvent && def.Mode != Warm:
		return errorf(InvalidParameterValue, "function %s: mode must be %q or %q, not %q", def.Name, PerEvent, Warm, def.Mode)
	case def.Timeout < 0 || def.Timeout > MaxTimeout:
		return errorf(InvalidParameterValue, "1 validation error detected: Value '%d' at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900 seconds", int(def.Timeout.Seconds()))
	case def.MemoryMB < MinMemoryMB || def.MemoryMB > MaxMemoryMB:
		return errorf(InvalidParameterValue, "1 validation error detected: Value '%d' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240", def.MemoryMB)
	case def.Concurrency < 0 || def.Concurrency > MaxConcurrency:
		return errorf(InvalidParameterValue, "function %s: concurrency must be between 1 and %d", def.Name, MaxConcurrency)
	}
	for k := range def.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return errorf(InvalidParameterValue, "function %s: invalid environment variable name %q", def.Name, k)
		}
		if strings.HasPrefix(k, "AWS_LAMBDA_RUNTIME_API") {
			return errorf(InvalidParameterValue, "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", k)
		}
	}
	return validateTags(def.Tags)
}

func cloneDef(def Definition) Definition {
	def.Command = append([]string(nil), def.Command...)
	def.Env = maps.Clone(def.Env)
	def.Tags = maps.Clone(def.Tags)
	return def
}
