package queue

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Queue attribute names (AWS API reference, SetQueueAttributes and
// GetQueueAttributes).
const (
	attrAll                      = "All"
	attrDelaySeconds             = "DelaySeconds"
	attrMaximumMessageSize       = "MaximumMessageSize"
	attrMessageRetentionPeriod   = "MessageRetentionPeriod"
	attrPolicy                   = "Policy"
	attrReceiveWaitTime          = "ReceiveMessageWaitTimeSeconds"
	attrVisibilityTimeout        = "VisibilityTimeout"
	attrRedrivePolicy            = "RedrivePolicy"
	attrRedriveAllowPolicy       = "RedriveAllowPolicy"
	attrKmsMasterKeyID           = "KmsMasterKeyId"
	attrKmsDataKeyReusePeriod    = "KmsDataKeyReusePeriodSeconds"
	attrSqsManagedSseEnabled     = "SqsManagedSseEnabled"
	attrFifoQueue                = "FifoQueue"
	attrContentBasedDedup        = "ContentBasedDeduplication"
	attrDeduplicationScope       = "DeduplicationScope"
	attrFifoThroughputLimit      = "FifoThroughputLimit"
	attrApproxMessages           = "ApproximateNumberOfMessages"
	attrApproxMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible"
	attrApproxMessagesDelayed    = "ApproximateNumberOfMessagesDelayed"
	attrCreatedTimestamp         = "CreatedTimestamp"
	attrLastModifiedTimestamp    = "LastModifiedTimestamp"
	attrQueueArn                 = "QueueArn"
)

// Defaults of a new queue.
const (
	defaultVisibility = 30
	defaultRetention  = 345600 // 4 days
	defaultMaxSize    = 1 << 20
)

// intRange is the accepted range of an integer attribute.
type intRange struct{ min, max int }

var intAttrs = map[string]intRange{
	attrDelaySeconds:           {0, maxDelay},
	attrMaximumMessageSize:     {1024, 1 << 20},
	attrMessageRetentionPeriod: {60, 1209600},
	attrReceiveWaitTime:        {0, maxWait},
	attrVisibilityTimeout:      {0, maxVisibility},
	attrKmsDataKeyReusePeriod:  {60, 86400},
}

// fifoOnly are the attributes a standard queue does not have.
var fifoOnly = map[string]bool{
	attrFifoQueue: true, attrContentBasedDedup: true, attrDeduplicationScope: true, attrFifoThroughputLimit: true,
}

// readOnlyAttrs are returned by GetQueueAttributes but cannot be set.
var readOnlyAttrs = map[string]bool{
	attrApproxMessages: true, attrApproxMessagesNotVisible: true, attrApproxMessagesDelayed: true,
	attrCreatedTimestamp: true, attrLastModifiedTimestamp: true, attrQueueArn: true,
}

// redrivePolicy is a parsed RedrivePolicy.
type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

// allowPolicy is a parsed RedriveAllowPolicy.
type allowPolicy struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueArns   []string `json:"sourceQueueArns,omitempty"`
}

// allows reports whether a queue with that ARN may use the policy's queue
// as its dead-letter queue.
func (p *allowPolicy) allows(arn string) bool {
	if p == nil {
		return true
	}
	switch p.RedrivePermission {
	case "denyAll":
		return false
	case "byQueue":
		return slices.Contains(p.SourceQueueArns, arn)
	}
	return true
}

// config is a queue's configuration: the attributes set on it (normalized,
// as GetQueueAttributes returns them) and their parsed values.
type config struct {
	set map[string]string // settable attributes given explicitly

	delay, maxSize, retention, wait, visibility int
	redrive                                     *redrivePolicy
	allow                                       *allowPolicy
	contentDedup                                bool
	dedupByGroup                                bool // DeduplicationScope=messageGroup
	perGroupLimit                               bool // FifoThroughputLimit=perMessageGroupId
}

func defaultConfig() config {
	return config{set: map[string]string{}, maxSize: defaultMaxSize, retention: defaultRetention, visibility: defaultVisibility}
}

// clone returns a copy that can be changed without touching c.
func (c config) clone() config {
	c.set = maps.Clone(c.set)
	return c
}

// attrValueError is AWS's answer for an out-of-range attribute value.
func attrValueError(name string) *Error {
	return errorf(InvalidAttributeValue, "Invalid value for the parameter %s.", name)
}

func unknownAttr(name string) *Error {
	return errorf(InvalidAttributeName, "Unknown Attribute %s.", name)
}

// queueResolver answers the questions attribute validation asks about other
// queues: does an ARN name an existing queue, is it FIFO, and its
// RedriveAllowPolicy.
type queueResolver func(arn string) (fifo bool, allow *allowPolicy, ok bool)

// apply validates attrs and sets them on c. self is the queue's ARN; resolve
// may be nil when loading stored attributes (no cross-queue checks).
func (c *config) apply(attrs map[string]string, fifo bool, self string, resolve queueResolver) *Error {
	names := slices.Sorted(maps.Keys(attrs))
	for _, name := range names {
		if err := c.applyOne(name, attrs[name], fifo, self, resolve); err != nil {
			return err
		}
	}
	if c.perGroupLimit && !c.dedupByGroup {
		return attrValueError(attrFifoThroughputLimit)
	}
	return nil
}

func (c *config) applyOne(name, value string, fifo bool, self string, resolve queueResolver) *Error {
	if r, ok := intAttrs[name]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < r.min || n > r.max {
			return attrValueError(name)
		}
		c.setInt(name, n)
		c.set[name] = strconv.Itoa(n)
		return nil
	}
	if fifoOnly[name] && !fifo {
		if b, ok := parseBool(value); name == attrFifoQueue && ok && !b {
			return nil // a standard queue may say so
		}
		return unknownAttr(name)
	}
	switch name {
	case attrPolicy:
		if value != "" && !json.Valid([]byte(value)) {
			return attrValueError(name)
		}
	case attrKmsMasterKeyID:
	case attrSqsManagedSseEnabled, attrContentBasedDedup:
		b, ok := parseBool(value)
		if !ok {
			return attrValueError(name)
		}
		value = strconv.FormatBool(b)
		if name == attrContentBasedDedup {
			c.contentDedup = b
		}
	case attrFifoQueue:
		if b, ok := parseBool(value); !ok || !b {
			return attrValueError(name)
		}
		return nil
	case attrDeduplicationScope:
		if value != "queue" && value != "messageGroup" {
			return attrValueError(name)
		}
		c.dedupByGroup = value == "messageGroup"
	case attrFifoThroughputLimit:
		if value != "perQueue" && value != "perMessageGroupId" {
			return attrValueError(name)
		}
		c.perGroupLimit = value == "perMessageGroupId"
	case attrRedrivePolicy:
		return c.applyRedrive(value, fifo, self, resolve)
	case attrRedriveAllowPolicy:
		return c.applyAllow(value)
	default:
		return unknownAttr(name)
	}
	c.setOrClear(name, value)
	return nil
}

func (c *config) setInt(name string, n int) {
	switch name {
	case attrDelaySeconds:
		c.delay = n
	case attrMaximumMessageSize:
		c.maxSize = n
	case attrMessageRetentionPeriod:
		c.retention = n
	case attrReceiveWaitTime:
		c.wait = n
	case attrVisibilityTimeout:
		c.visibility = n
	}
}

func (c *config) setOrClear(name, value string) {
	if value == "" {
		delete(c.set, name)
		return
	}
	c.set[name] = value
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// redriveError is AWS's answer for an unusable RedrivePolicy.
func redriveError(value, reason string) *Error {
	return errorf(InvalidParameterValue, "Value %s for parameter RedrivePolicy is invalid. Reason: %s", value, reason)
}

// applyRedrive validates and sets a RedrivePolicy ("" removes it).
func (c *config) applyRedrive(value string, fifo bool, self string, resolve queueResolver) *Error {
	if value == "" {
		c.redrive = nil
		delete(c.set, attrRedrivePolicy)
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(value), &raw); err != nil {
		return redriveError(value, "Redrive policy is not a valid JSON map.")
	}
	var p redrivePolicy
	arn, ok := raw["deadLetterTargetArn"]
	if !ok || json.Unmarshal(arn, &p.DeadLetterTargetArn) != nil || p.DeadLetterTargetArn == "" {
		return redriveError(value, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	count, ok := raw["maxReceiveCount"]
	if !ok {
		return redriveError(value, "Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	n, valid := jsonInt(count)
	if !valid || n < 1 || n > 1000 {
		return redriveError(value, "Invalid value for maxReceiveCount: "+strings.Trim(string(count), `"`)+
			", valid values are from 1 to 1000 both inclusive.")
	}
	p.MaxReceiveCount = n
	if len(raw) > 2 {
		return redriveError(value, "Only deadLetterTargetArn and maxReceiveCount are allowed in a redrive policy.")
	}
	if resolve != nil {
		dlqFIFO, allow, exists := resolve(p.DeadLetterTargetArn)
		switch {
		case !exists:
			return redriveError(value, "Dead letter target does not exist.")
		case dlqFIFO != fifo:
			return redriveError(value, "Dead-letter queue must be same type of queue as the source.")
		case !allow.allows(self):
			return redriveError(value, "Queue "+self+" is not allowed by the RedriveAllowPolicy of "+
				p.DeadLetterTargetArn+" to use it as a dead-letter queue.")
		}
	}
	c.redrive = &p
	b, _ := json.Marshal(p)
	c.set[attrRedrivePolicy] = string(b)
	return nil
}

// jsonInt reads a JSON number or a string holding an integer.
func jsonInt(v json.RawMessage) (int, bool) {
	s := strings.TrimSpace(string(v))
	if strings.HasPrefix(s, `"`) {
		if json.Unmarshal(v, &s) != nil {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// applyAllow validates and sets a RedriveAllowPolicy ("" removes it).
func (c *config) applyAllow(value string) *Error {
	if value == "" {
		c.allow = nil
		delete(c.set, attrRedriveAllowPolicy)
		return nil
	}
	bad := func(reason string) *Error {
		return errorf(InvalidParameterValue, "Value %s for parameter RedriveAllowPolicy is invalid. Reason: %s", value, reason)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(value), &raw); err != nil {
		return bad("Redrive allow policy is not a valid JSON map.")
	}
	var p allowPolicy
	if json.Unmarshal(raw["redrivePermission"], &p.RedrivePermission) != nil {
		return bad("Redrive allow policy does not contain mandatory attribute: redrivePermission.")
	}
	if arns, ok := raw["sourceQueueArns"]; ok && json.Unmarshal(arns, &p.SourceQueueArns) != nil {
		return bad("sourceQueueArns must be a list of queue ARNs.")
	}
	switch p.RedrivePermission {
	case "allowAll", "denyAll":
		if len(p.SourceQueueArns) > 0 {
			return bad("sourceQueueArns can be specified only when redrivePermission is byQueue.")
		}
	case "byQueue":
		if len(p.SourceQueueArns) < 1 || len(p.SourceQueueArns) > 10 {
			return bad("The number of source queue ARNs must be between 1 and 10 when redrivePermission is byQueue.")
		}
	default:
		return bad("Invalid value for redrivePermission: " + p.RedrivePermission + ".")
	}
	c.allow = &p
	b, _ := json.Marshal(p)
	c.set[attrRedriveAllowPolicy] = string(b)
	return nil
}

// values returns every settable attribute with its effective value, as
// GetQueueAttributes reports it.
func (c *config) values(fifo bool) map[string]string {
	out := map[string]string{
		attrDelaySeconds:           strconv.Itoa(c.delay),
		attrMaximumMessageSize:     strconv.Itoa(c.maxSize),
		attrMessageRetentionPeriod: strconv.Itoa(c.retention),
		attrReceiveWaitTime:        strconv.Itoa(c.wait),
		attrVisibilityTimeout:      strconv.Itoa(c.visibility),
		attrSqsManagedSseEnabled:   "true",
	}
	if _, kms := c.set[attrKmsMasterKeyID]; kms {
		out[attrSqsManagedSseEnabled] = "false"
		out[attrKmsDataKeyReusePeriod] = "300"
	}
	if fifo {
		out[attrFifoQueue] = "true"
		out[attrContentBasedDedup] = strconv.FormatBool(c.contentDedup)
		out[attrDeduplicationScope] = "queue"
		out[attrFifoThroughputLimit] = "perQueue"
	}
	maps.Copy(out, c.set)
	return out
}

// differs returns the first attribute of attrs whose value differs from the
// queue's, for CreateQueue on an existing name ("" when all match).
func (c *config) differs(attrs map[string]string, fifo bool, self string) string {
	probe := defaultConfig()
	have := c.values(fifo)
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		if name == attrFifoQueue {
			continue // already checked against the name
		}
		if err := probe.applyOne(name, attrs[name], fifo, self, nil); err != nil {
			return name
		}
		want, ok := probe.set[name]
		if !ok {
			want = probe.values(fifo)[name]
		}
		if have[name] != want {
			return name
		}
	}
	return ""
}
