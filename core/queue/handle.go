package queue

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
)

// A receipt handle names one receive of one message: the queue, the
// message's row id, its receive count at that receive (so a later receive
// makes older handles stale) and the receive time (for the 12-hour
// visibility ceiling). It is authenticated with an HMAC keyed by a secret
// kept in the store, so handles stay valid across restarts and a forged or
// damaged one is refused without touching any state.

const (
	handleVersion = 1
	handleMACLen  = 12
	maxHandleLen  = 128 // characters; real handles are about 40
)

// receipt is a decoded receipt handle.
type receipt struct {
	queueID    int64
	msgID      int64
	rc         uint32 // receive count at that receive
	receivedAt int64  // epoch ms
}

var errBadHandle = errors.New("queue: invalid receipt handle")

// handleCodec encodes and authenticates receipt handles.
type handleCodec struct {
	pool sync.Pool // of hash.Hash (HMAC-SHA256 keyed with the secret)
}

func newHandleCodec(secret []byte) *handleCodec {
	c := &handleCodec{}
	c.pool.New = func() any { return hmac.New(sha256.New, secret) }
	return c
}

// mac returns the truncated MAC of payload.
func (c *handleCodec) mac(payload []byte, out []byte) []byte {
	h := c.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(payload)
	var sum [sha256.Size]byte
	out = append(out, h.Sum(sum[:0])[:handleMACLen]...)
	c.pool.Put(h)
	return out
}

// encode returns the opaque handle for r.
func (c *handleCodec) encode(r receipt) string {
	var buf [1 + 4*binary.MaxVarintLen64 + handleMACLen]byte
	b := append(buf[:0], handleVersion)
	b = binary.AppendUvarint(b, uint64(r.queueID))
	b = binary.AppendUvarint(b, uint64(r.msgID))
	b = binary.AppendUvarint(b, uint64(r.rc))
	b = binary.AppendUvarint(b, uint64(r.receivedAt))
	b = c.mac(b, b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decode parses and authenticates a handle; anything not issued by encode
// with the same secret yields errBadHandle.
func (c *handleCodec) decode(s string) (receipt, error) {
	if len(s) == 0 || len(s) > maxHandleLen {
		return receipt{}, errBadHandle
	}
	var buf [maxHandleLen]byte
	n, err := base64.RawURLEncoding.Decode(buf[:], []byte(s))
	if err != nil || n < 1+4+handleMACLen || buf[0] != handleVersion {
		return receipt{}, errBadHandle
	}
	b := buf[:n]
	payload, mac := b[:n-handleMACLen], b[n-handleMACLen:]
	var want [handleMACLen]byte
	if !hmac.Equal(c.mac(payload, want[:0]), mac) {
		return receipt{}, errBadHandle
	}
	var v [4]uint64
	rest := payload[1:]
	for i := range v {
		x, k := binary.Uvarint(rest)
		if k <= 0 {
			return receipt{}, errBadHandle
		}
		v[i], rest = x, rest[k:]
	}
	if len(rest) != 0 || v[0] > 1<<62 || v[1] > 1<<62 || v[2] > 1<<32-1 || v[3] > 1<<62 {
		return receipt{}, errBadHandle
	}
	return receipt{queueID: int64(v[0]), msgID: int64(v[1]), rc: uint32(v[2]), receivedAt: int64(v[3])}, nil
}
