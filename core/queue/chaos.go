package queue

// Acknowledge returns what SendMessage would answer for in — a fresh
// message id and the body and attribute digests — without storing
// anything. Chaos uses it to drop a message the sender believes was sent.
func Acknowledge(in SendInput) SendResult {
	return SendResult{MessageID: newMessageID(), MD5OfMessageBody: md5Hex(in.Body),
		MD5OfMessageAttributes:       md5OfAttributes(in.MessageAttributes),
		MD5OfMessageSystemAttributes: md5OfAttributes(in.MessageSystemAttributes)}
}
