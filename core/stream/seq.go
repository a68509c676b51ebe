package stream

import (
	"fmt"
	"strconv"
)

// Sequence numbers are one service-wide counter, so they increase within a
// shard and from a parent shard to its children. On the wire a counter n is
// the decimal string "1" followed by n zero-padded to 20 digits: a valid
// Kinesis sequence number (no leading zero) whose string order and numeric
// order agree.

// formatSeq writes counter n as a sequence number.
func formatSeq(n uint64) string { return fmt.Sprintf("1%020d", n) }

// parseSeq reads a sequence number this service issued.
func parseSeq(s string) (uint64, bool) {
	if len(s) != 21 || s[0] != '1' {
		return 0, false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s[1:], 10, 64)
	return n, err == nil
}

// validSeqSyntax reports whether s has the shape of any Kinesis sequence
// number: 0|([1-9]\d{0,128}).
func validSeqSyntax(s string) bool {
	if s == "0" {
		return true
	}
	if s == "" || len(s) > 129 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
