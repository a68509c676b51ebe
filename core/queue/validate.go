package queue

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of Amazon SQS (developer guide, "Quotas").
const (
	maxQueueNameLen      = 80
	maxBatchEntries      = 10
	maxBatchIDLen        = 80
	maxBatchBytes        = 1 << 20 // whole SendMessageBatch payload
	maxMessageAttributes = 10
	maxAttrNameLen       = 256
	maxAttrTypeLen       = 256
	maxFIFOIDLen         = 128
	maxTags              = 50
	maxTagKeyLen         = 128
	maxTagValueLen       = 256
	maxInflight          = 120000 // per queue, standard and (since 2024) FIFO alike
	maxVisibility        = 43200
	maxWait              = 20
	maxDelay             = 900
	maxReceive           = 10
	dedupWindowMS        = 5 * 60 * 1000
	purgeIntervalMS      = 60 * 1000
	attemptWindowMS      = 5 * 60 * 1000
)

// errorf builds an *Error with a formatted message.
func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// errNoQueue is AWS's answer for a queue that does not exist.
func errNoQueue() *Error {
	return &Error{Code: QueueDoesNotExist, Message: "The specified queue does not exist."}
}

// internalError reports a failure of the store as AWS's InternalError.
func internalError(err error) *Error {
	return errorf(InternalError, "We encountered an internal error. Please try again. (%v)", err)
}

// invalidHandle is AWS's answer for a receipt handle it did not issue.
func invalidHandle(handle string) *Error {
	return errorf(ReceiptHandleIsInvalid, "The input receipt handle %q is not a valid receipt handle.", handle)
}

// validQueueName checks the name rules; fifo queues need the .fifo suffix.
func validQueueName(name string) bool {
	base := strings.TrimSuffix(name, ".fifo")
	if len(name) == 0 || len(name) > maxQueueNameLen || len(base) == 0 {
		return false
	}
	for i := 0; i < len(base); i++ {
		if !isNameByte(base[i]) {
			return false
		}
	}
	return true
}

// isNameByte reports whether c may appear in a queue name or batch entry id.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// validBatchID checks a batch entry id: [A-Za-z0-9_-]{1,80}.
func validBatchID(id string) bool {
	if len(id) == 0 || len(id) > maxBatchIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !isNameByte(id[i]) {
			return false
		}
	}
	return true
}

// validMessageChars reports whether s holds only the characters SQS accepts
// in a message: #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF.
func validMessageChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return validMessageRunes(s[i:])
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// validMessageRunes is the non-ASCII part of validMessageChars.
func validMessageRunes(s string) bool {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && n <= 1 {
			return false // invalid UTF-8
		}
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
		s = s[n:]
	}
	return true
}

// invalidContents is AWS's answer for a body with a forbidden character.
func invalidContents() *Error {
	return &Error{Code: InvalidMessageContents, Message: "Invalid characters found. Valid unicode characters are " +
		"#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"}
}

// baseType returns the transport type of a DataType ("String", "Number" or
// "Binary"), or "" when the DataType is not valid.
func baseType(dataType string) string {
	base, label, custom := strings.Cut(dataType, ".")
	switch base {
	case "String", "Number", "Binary":
	default:
		return ""
	}
	if custom && label == "" {
		return ""
	}
	return base
}

// validateMessageAttributes checks user message attributes and returns their
// size as SQS counts it (name + type + value bytes).
func validateMessageAttributes(attrs map[string]MessageAttribute) (int, *Error) {
	if len(attrs) > maxMessageAttributes {
		return 0, errorf(InvalidParameterValue, "Number of message attributes [%d] exceeds the allowed maximum [%d].",
			len(attrs), maxMessageAttributes)
	}
	size := 0
	for name, a := range attrs {
		n, err := validateAttribute("user", name, a)
		if err != nil {
			return 0, err
		}
		size += n
	}
	return size, nil
}

// validateAttribute checks one message attribute of the given kind ("user"
// or "system") and returns its size.
func validateAttribute(kind, name string, a MessageAttribute) (int, *Error) {
	if err := validateAttributeName(kind, name); err != nil {
		return 0, err
	}
	if a.DataType == "" {
		return 0, errorf(InvalidParameterValue, "The message (%s) attribute '%s' must contain a non-empty message attribute type.", kind, name)
	}
	if len(a.DataType) > maxAttrTypeLen {
		return 0, errorf(InvalidParameterValue, "Message (%s) attribute types must be shorter than %d bytes.", kind, maxAttrTypeLen)
	}
	base := baseType(a.DataType)
	if base == "" {
		return 0, errorf(InvalidParameterValue, "The type of message (%s) attribute '%s' is invalid. "+
			"You must use only the following supported type prefixes: Binary, Number, String.", kind, name)
	}
	size := len(name) + len(a.DataType)
	if base == "Binary" {
		if len(a.BinaryValue) == 0 {
			return 0, errorf(InvalidParameterValue, "Message (%s) attribute '%s' must contain a non-empty value of type 'Binary'.", kind, name)
		}
		return size + len(a.BinaryValue), nil
	}
	if a.StringValue == "" {
		return 0, errorf(InvalidParameterValue, "Message (%s) attribute '%s' must contain a non-empty value of type '%s'.", kind, name, base)
	}
	if !validMessageChars(a.StringValue) {
		return 0, &Error{Code: InvalidParameterValue, Message: invalidContents().Message}
	}
	if base == "Number" && !validNumber(a.StringValue) {
		return 0, errorf(InvalidParameterValue, "Can't cast the value of message (%s) attribute '%s' to a number.", kind, name)
	}
	return size + len(a.StringValue), nil
}

// validateAttributeName checks a message attribute name: 1–256 letters,
// digits, '_', '-' and '.', no leading, trailing or doubled '.', and no
// reserved AWS./Amazon. prefix.
func validateAttributeName(kind, name string) *Error {
	bad := func(reason string) *Error {
		return errorf(InvalidParameterValue, "Message (%s) attribute name '%s' is invalid. Reason: %s", kind, name, reason)
	}
	if name == "" {
		return errorf(InvalidParameterValue, "The request must contain non-empty message (%s) attribute names.", kind)
	}
	if utf8.RuneCountInString(name) > maxAttrNameLen {
		return bad("Message attribute names must be shorter than 256 characters.")
	}
	if !utf8.ValidString(name) {
		return bad("Message attribute names must be valid UTF-8.")
	}
	lower := strings.ToLower(name)
	if kind == "user" && (strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.")) {
		return bad("Message attribute names starting with 'AWS.' or 'Amazon.' are reserved for use by Amazon.")
	}
	if name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return bad("Message attribute names cannot start or end with a period or contain consecutive periods.")
	}
	for _, r := range name {
		if r == '_' || r == '-' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			continue
		}
		return bad("Message attribute names can only include alphanumeric characters, hyphens, underscores and periods.")
	}
	return nil
}

// validNumber accepts what SQS accepts for a Number attribute: a decimal
// with optional sign, fraction and exponent, at most 38 significant digits,
// magnitude between 10^-128 and 10^126.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, sig, leading := 0, 0, true
	dot := false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' && !dot {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		digits++
		if c != '0' {
			leading = false
		}
		if !leading {
			sig++
		}
	}
	if digits == 0 || sig > 38 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i != len(s) {
		return false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return false
	}
	a := math.Abs(v)
	return err == nil && (a == 0 || a >= 1e-128 && a <= 1e126)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// validFIFOID checks a MessageGroupId, MessageDeduplicationId or
// ReceiveRequestAttemptId: 1–128 alphanumeric or punctuation characters.
func validFIFOID(param, v string) *Error {
	ok := len(v) > 0 && len(v) <= maxFIFOIDLen
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = c > 0x20 && c < 0x7f // letters, digits and ASCII punctuation
	}
	if !ok {
		return errorf(InvalidParameterValue, "Value %s for parameter %s is invalid. Reason: %s can only include "+
			"alphanumeric and punctuation characters. 1 to 128 in length.", v, param, param)
	}
	return nil
}

// checkBatch validates what every batch call shares: 1–10 entries whose ids
// are valid and distinct. entryName is the query protocol's entry name.
func checkBatch(ids []string, entryName string) *Error {
	if len(ids) == 0 {
		return errorf(EmptyBatchRequest, "There should be at least one %s in the request.", entryName)
	}
	if len(ids) > maxBatchEntries {
		return errorf(TooManyEntriesInBatchRequest, "Maximum number of entries per request are %d. You have sent %d.",
			maxBatchEntries, len(ids))
	}
	for _, id := range ids {
		if !validBatchID(id) {
			return errorf(InvalidBatchEntryID, "A batch entry id can only contain alphanumeric characters, "+
				"hyphens and underscores. It can be at most %d letters long.", maxBatchIDLen)
		}
	}
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; dup {
			return errorf(BatchEntryIdsNotDistinct, "Id %s repeated.", id)
		}
		seen[id] = struct{}{}
	}
	return nil
}

// validateTags checks tag keys and values and the count after merging.
func validateTags(name string, tags map[string]string) *Error {
	if len(tags) > maxTags {
		return errorf(InvalidParameterValue, "Too many tags added for queue %s.", name)
	}
	for k, v := range tags {
		if k == "" || utf8.RuneCountInString(k) > maxTagKeyLen || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return errorf(InvalidParameterValue, "Tag key %q is invalid: it must be 1 to %d characters and must not start with aws:.", k, maxTagKeyLen)
		}
		if utf8.RuneCountInString(v) > maxTagValueLen {
			return errorf(InvalidParameterValue, "Tag value for key %q is longer than %d characters.", k, maxTagValueLen)
		}
	}
	return nil
}
