package stream

import (
	"crypto/md5"
	"encoding/binary"
	"math/big"
	"math/bits"
)

// HashKey is a point of the 128-bit hash-key space: Hi holds the high 64
// bits. A partition key lands at MD5(key) read as a big-endian integer.
type HashKey struct{ Hi, Lo uint64 }

// MaxHashKey is 2^128 - 1, the end of the last shard's range.
var MaxHashKey = HashKey{^uint64(0), ^uint64(0)}

// PartitionHash returns where a partition key lands.
func PartitionHash(key string) HashKey {
	sum := md5.Sum([]byte(key))
	return HashKey{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
}

// Cmp compares k and o: -1, 0 or +1.
func (k HashKey) Cmp(o HashKey) int {
	switch {
	case k.Hi < o.Hi:
		return -1
	case k.Hi > o.Hi:
		return 1
	case k.Lo < o.Lo:
		return -1
	case k.Lo > o.Lo:
		return 1
	}
	return 0
}

// Add1 returns k+1 (wrapping at the top).
func (k HashKey) Add1() HashKey {
	lo, c := bits.Add64(k.Lo, 1, 0)
	return HashKey{k.Hi + c, lo}
}

// Sub1 returns k-1 (wrapping at zero).
func (k HashKey) Sub1() HashKey {
	lo, b := bits.Sub64(k.Lo, 1, 0)
	return HashKey{k.Hi - b, lo}
}

// Big returns k as a big integer.
func (k HashKey) Big() *big.Int {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], k.Hi)
	binary.BigEndian.PutUint64(b[8:], k.Lo)
	return new(big.Int).SetBytes(b[:])
}

// String returns k in decimal, as Kinesis writes hash keys.
func (k HashKey) String() string { return k.Big().String() }

// ParseHashKey reads a decimal hash key in [0, 2^128-1].
func ParseHashKey(s string) (HashKey, bool) {
	if s == "" || len(s) > 39 {
		return HashKey{}, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return HashKey{}, false
		}
	}
	b, ok := new(big.Int).SetString(s, 10)
	if !ok || b.Sign() < 0 || b.BitLen() > 128 {
		return HashKey{}, false
	}
	var buf [16]byte
	b.FillBytes(buf[:])
	return HashKey{binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:])}, true
}

// UniformRanges splits the whole hash-key space into n contiguous ranges
// of equal size (the last takes the remainder), as CreateStream and
// UpdateShardCount do.
func UniformRanges(n int) []HashRange {
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	out := make([]HashRange, n)
	for i := 0; i < n; i++ {
		start := new(big.Int).Div(new(big.Int).Mul(space, big.NewInt(int64(i))), big.NewInt(int64(n)))
		end := new(big.Int).Div(new(big.Int).Mul(space, big.NewInt(int64(i+1))), big.NewInt(int64(n)))
		end.Sub(end, big.NewInt(1))
		out[i] = HashRange{fromBig(start), fromBig(end)}
	}
	return out
}

func fromBig(b *big.Int) HashKey {
	var buf [16]byte
	b.FillBytes(buf[:])
	return HashKey{binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:])}
}

// Contains reports whether k is inside r.
func (r HashRange) Contains(k HashKey) bool { return r.Start.Cmp(k) <= 0 && k.Cmp(r.End) <= 0 }
