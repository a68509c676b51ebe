package stream

import (
	"math/big"
	"testing"
)

func TestUniformRangesTileTheSpace(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 500} {
		rs := UniformRanges(n)
		next := HashKey{}
		for i, r := range rs {
			if r.Start != next {
				t.Fatalf("n=%d: range %d starts at %s, want %s", n, i, r.Start, next)
			}
			if r.End.Cmp(r.Start) < 0 {
				t.Fatalf("n=%d: range %d is empty", n, i)
			}
			next = r.End.Add1()
		}
		if rs[n-1].End != MaxHashKey {
			t.Fatalf("n=%d: last range ends at %s", n, rs[n-1].End)
		}
	}
}

func TestPartitionHashIsMD5AsBigEndianInteger(t *testing.T) {
	// MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
	want, _ := new(big.Int).SetString("0cc175b9c0f1b6a831c399e269772661", 16)
	if got := PartitionHash("a").Big(); got.Cmp(want) != 0 {
		t.Fatalf("PartitionHash(a) = %s, want %s", got, want)
	}
	k, ok := ParseHashKey(want.String())
	if !ok || k != PartitionHash("a") {
		t.Fatal("ParseHashKey does not round-trip")
	}
	if _, ok := ParseHashKey("340282366920938463463374607431768211456"); ok {
		t.Fatal("2^128 accepted")
	}
	if (HashKey{0, ^uint64(0)}).Add1() != (HashKey{1, 0}) || (HashKey{1, 0}).Sub1() != (HashKey{0, ^uint64(0)}) {
		t.Fatal("carry")
	}
}

func TestSequenceNumberFormat(t *testing.T) {
	for _, n := range []uint64{0, 1, 12345, ^uint64(0)} {
		s := formatSeq(n)
		if !validSeqSyntax(s) {
			t.Fatalf("%s is not a valid sequence number", s)
		}
		if got, ok := parseSeq(s); !ok || got != n {
			t.Fatalf("parseSeq(%s) = %d %v", s, got, ok)
		}
	}
	if formatSeq(9) >= formatSeq(10) {
		t.Fatal("string order differs from numeric order")
	}
	for _, bad := range []string{"", "0123", "2" + formatSeq(1)[1:], "1abc"} {
		if _, ok := parseSeq(bad); ok {
			t.Fatalf("parseSeq accepted %q", bad)
		}
	}
}
