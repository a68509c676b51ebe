package queue

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Message attributes are stored as one blob: a count, then per attribute
// (sorted by name) the name, the data type, a transport byte and the value,
// each string prefixed by its length as a uvarint.

var errBadBlob = errors.New("queue: damaged message attribute blob")

// encodeAttrs returns the stored form of attrs, nil when there are none.
func encodeAttrs(attrs map[string]MessageAttribute) []byte {
	if len(attrs) == 0 {
		return nil
	}
	names := make([]string, 0, len(attrs))
	size := 1
	for n, a := range attrs {
		names = append(names, n)
		size += 3*binary.MaxVarintLen32 + 1 + len(n) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	slices.Sort(names)
	b := make([]byte, 0, size)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, n := range names {
		a := attrs[n]
		b = appendString(b, n)
		b = appendString(b, a.DataType)
		if baseType(a.DataType) == "Binary" {
			b = append(b, transportBinary)
			b = binary.AppendUvarint(b, uint64(len(a.BinaryValue)))
			b = append(b, a.BinaryValue...)
		} else {
			b = append(b, transportString)
			b = appendString(b, a.StringValue)
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeAttrs parses a blob made by encodeAttrs.
func decodeAttrs(b []byte) (map[string]MessageAttribute, error) {
	if len(b) == 0 {
		return nil, nil
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > maxMessageAttributes*4 {
		return nil, errBadBlob
	}
	b = b[k:]
	out := make(map[string]MessageAttribute, n)
	for range n {
		var name, typ []byte
		var err error
		if name, b, err = takeBytes(b); err != nil {
			return nil, err
		}
		if typ, b, err = takeBytes(b); err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return nil, errBadBlob
		}
		kind := b[0]
		var val []byte
		if val, b, err = takeBytes(b[1:]); err != nil {
			return nil, err
		}
		a := MessageAttribute{DataType: string(typ)}
		switch kind {
		case transportBinary:
			a.BinaryValue = slices.Clone(val)
		case transportString:
			a.StringValue = string(val)
		default:
			return nil, errBadBlob
		}
		out[string(name)] = a
	}
	if len(b) != 0 {
		return nil, errBadBlob
	}
	return out, nil
}

func takeBytes(b []byte) ([]byte, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, errBadBlob
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}
