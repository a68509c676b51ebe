package stream

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// A shard iterator is opaque to clients: version, stream id, shard id,
// the next sequence counter to read and the time it was issued, signed
// with the service's key so that a forged or altered iterator is refused.

const (
	iteratorVersion = 1
	iteratorBody    = 1 + 8 + 8 + 8 + 8
	iteratorMAC     = 16
	iteratorLen     = iteratorBody + iteratorMAC
)

// position is what an iterator points at.
type position struct {
	streamID int64
	shardDB  int64
	next     uint64 // first sequence counter to return
	issued   time.Time
}

// encodeIterator signs p into an iterator string.
func encodeIterator(key []byte, p position) string {
	var b [iteratorLen]byte
	b[0] = iteratorVersion
	binary.BigEndian.PutUint64(b[1:], uint64(p.streamID))
	binary.BigEndian.PutUint64(b[9:], uint64(p.shardDB))
	binary.BigEndian.PutUint64(b[17:], p.next)
	binary.BigEndian.PutUint64(b[25:], uint64(p.issued.UnixNano()))
	copy(b[iteratorBody:], mac(key, b[:iteratorBody]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// decodeIterator checks and reads an iterator string.
func decodeIterator(key []byte, s string) (position, bool) {
	if len(s) != base64.RawURLEncoding.EncodedLen(iteratorLen) {
		return position{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != iteratorLen || b[0] != iteratorVersion {
		return position{}, false
	}
	if !hmac.Equal(b[iteratorBody:], mac(key, b[:iteratorBody])) {
		return position{}, false
	}
	return position{
		streamID: int64(binary.BigEndian.Uint64(b[1:])),
		shardDB:  int64(binary.BigEndian.Uint64(b[9:])),
		next:     binary.BigEndian.Uint64(b[17:]),
		issued:   time.Unix(0, int64(binary.BigEndian.Uint64(b[25:]))),
	}, true
}

func mac(key, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(body)
	return h.Sum(nil)[:iteratorMAC]
}
