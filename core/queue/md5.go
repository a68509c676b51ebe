package queue

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
)

// md5Hex returns the hex MD5 of s, as SQS reports MD5OfMessageBody.
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// sha256Hex returns the hex SHA-256 of s (content-based deduplication).
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Transport types in the attribute digest.
const (
	transportString byte = 1
	transportBinary byte = 2
)

// md5OfAttributes computes the digest SQS returns as MD5OfMessageAttributes
// (and MD5OfMessageSystemAttributes): attributes sorted by name, each
// encoded as name, data type, transport type and value, every length a
// 4-byte big-endian integer. It returns "" when there are no attributes.
func md5OfAttributes(attrs map[string]MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	h := md5.New()
	for _, n := range names {
		a := attrs[n]
		writeLenPrefixed(h, []byte(n))
		writeLenPrefixed(h, []byte(a.DataType))
		if baseType(a.DataType) == "Binary" {
			h.Write([]byte{transportBinary})
			writeLenPrefixed(h, a.BinaryValue)
		} else {
			h.Write([]byte{transportString})
			writeLenPrefixed(h, []byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeLenPrefixed(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}
