// Package tagcheck checks resource tags against AWS's limits, which the
// services share (at most 50 tags, keys of 1–128 characters that do not
// start with "aws:", values of at most 256 characters, counted in
// characters), and says what is wrong; each service words the error as its
// API does.
package tagcheck

import (
	"maps"
	"strings"
	"unicode/utf8"
)

// AWS's tag limits for a resource.
const (
	MaxTags        = 50
	MaxKeyLength   = 128
	MaxValueLength = 256
)

// Problem is what is wrong with a set of tags.
type Problem int

const (
	OK          Problem = iota
	TooMany             // more than MaxTags
	KeyLength           // a key of 0 or more than MaxKeyLength characters
	ReservedKey         // a key starting with "aws:", in any case
	ValueLength         // a value of more than MaxValueLength characters
)

// Check returns the first problem of tags and the key it concerns ("" for
// TooMany).
func Check(tags map[string]string) (Problem, string) {
	if len(tags) > MaxTags {
		return TooMany, ""
	}
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n == 0 || n > MaxKeyLength {
			return KeyLength, k
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return ReservedKey, k
		}
		if utf8.RuneCountInString(v) > MaxValueLength {
			return ValueLength, k
		}
	}
	return OK, ""
}

// Copy returns a copy of tags, never nil, for a List call's answer.
func Copy(tags map[string]string) map[string]string {
	if out := maps.Clone(tags); out != nil {
		return out
	}
	return map[string]string{}
}
