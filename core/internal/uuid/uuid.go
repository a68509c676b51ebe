// Package uuid makes the random (version 4) UUIDs that AWS uses for
// message ids and request ids, without the allocations of fmt.
package uuid

import (
	"crypto/rand"
	"encoding/hex"
)

// New returns a random UUID, e.g. "0f9d3c2e-8b1a-4c5d-9e7f-1a2b3c4d5e6f".
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:16])
	return string(out[:])
}
