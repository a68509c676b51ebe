package stream

import (
	"testing"
	"time"
)

// FuzzIteratorDecode: any string either decodes to a position whose
// re-encoding is the same iterator, or is refused; never a panic.
func FuzzIteratorDecode(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	good := encodeIterator(key, position{streamID: 1, shardDB: 2, next: 3, issued: time.Unix(1700000000, 5)})
	for _, s := range []string{good, good[:len(good)-1] + "A", "", "AAAA", "!!!!", good + "=", string(make([]byte, 66))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := decodeIterator(key, s)
		if !ok {
			return
		}
		if again := encodeIterator(key, p); again != s {
			t.Fatalf("iterator %q decodes to %+v which encodes to %q", s, p, again)
		}
	})
}

// FuzzParseHashKey: accepted keys print back as themselves (no leading
// zeros) and lie in [0, 2^128-1].
func FuzzParseHashKey(f *testing.F) {
	for _, s := range []string{"0", "1", "340282366920938463463374607431768211455", "340282366920938463463374607431768211456", "-1", "007", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := ParseHashKey(s)
		if !ok {
			return
		}
		if k.String() != s && !(len(s) > 1 && s[0] == '0') {
			t.Fatalf("%q parses to %s", s, k)
		}
		if k.Big().BitLen() > 128 {
			t.Fatalf("%q out of range", s)
		}
	})
}
