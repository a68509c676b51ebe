package tagcheck

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	many := map[string]string{}
	for i := range MaxTags + 1 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	cases := []struct {
		name string
		tags map[string]string
		want Problem
	}{
		{"none", nil, OK},
		{"at the limits", map[string]string{strings.Repeat("é", MaxKeyLength): strings.Repeat("é", MaxValueLength)}, OK},
		{"too many", many, TooMany},
		{"empty key", map[string]string{"": "v"}, KeyLength},
		{"long key", map[string]string{strings.Repeat("k", MaxKeyLength+1): "v"}, KeyLength},
		{"reserved key", map[string]string{"AWS:team": "v"}, ReservedKey},
		{"long value", map[string]string{"team": strings.Repeat("v", MaxValueLength+1)}, ValueLength},
	}
	for _, c := range cases {
		if got, _ := Check(c.tags); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if p, k := Check(map[string]string{"aws:x": ""}); p != ReservedKey || k != "aws:x" {
		t.Errorf("the key is not named: %v %q", p, k)
	}
}

func TestCopyIsNeverNil(t *testing.T) {
	if Copy(nil) == nil {
		t.Fatal("Copy(nil) is nil")
	}
	in := map[string]string{"a": "b"}
	out := Copy(in)
	out["a"] = "c"
	if in["a"] != "b" {
		t.Fatal("Copy shares the map")
	}
}
