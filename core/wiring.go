package core

// Adapters that let one service deliver to another. Services never import
// each other: each declares the small interface it needs, and the types
// here implement those interfaces over the other services of this core.
// Every adapter looks its target service up when it is called, so a
// delivery works the moment its target exists.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/core/function"
	"github.com/skyport-dev/skyport/core/gateway"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/core/topic"
)

// functionName takes the function name from a Lambda ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]) or a bare name.
func functionName(ref string) string {
	if !strings.HasPrefix(ref, "arn:") {
		return ref
	}
	parts := strings.Split(ref, ":")
	for i, p := range parts {
		if p == "function" && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return parts[len(parts)-1]
}

// lastSegment takes the resource name from an ARN whose name is its last
// ':'-separated part (SNS topics, Step Functions state machines) or from a
// bare name.
func lastSegment(ref string) string { return ref[strings.LastIndex(ref, ":")+1:] }

// ---- topics → functions (lambda subscriptions) ----

// topicFunctions invokes functions for lambda subscriptions the way SNS
// does: asynchronously (Lambda's Event invocation type, with Lambda's two
// retries on function errors). A missing function or an event it cannot
// take is a permanent failure, which goes to the subscription's DLQ.
type topicFunctions struct{ c *Core }

func (t topicFunctions) InvokeFunction(ctx context.Context, functionARN string, payload []byte) error {
	if t.c.functions == nil {
		return &topic.DeliveryError{Permanent: true, Reason: "function not found: " + functionARN}
	}
	_, err := t.c.functions.InvokeAsync(functionARN, payload)
	var fe *function.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case function.ResourceNotFound, function.InvalidRequestContent, function.RequestTooLarge:
			return &topic.DeliveryError{Permanent: true, Reason: err.Error()}
		}
	}
	return err
}

// ---- state machines → topics and functions ----

type machineTopics struct{ c *Core }

func (m machineTopics) Publish(ctx context.Context, p machine.Publication) (string, string, error) {
	if m.c.topics == nil {
		return "", "", &machine.ServiceError{Service: "SNS", Code: "NotFoundException", Message: "topics are not available"}
	}
	arn := p.TopicArn
	if arn == "" {
		arn = p.TargetArn
	}
	in := topic.PublishInput{TopicARN: arn, Message: p.Message, Subject: p.Subject, MessageStructure: p.MessageStructure,
		MessageGroupID: p.MessageGroupID, MessageDeduplicationID: p.MessageDeduplicationID}
	if len(p.Attributes) > 0 {
		in.MessageAttributes = make(map[string]topic.MessageAttribute, len(p.Attributes))
		for k, a := range p.Attributes {
			in.MessageAttributes[k] = topic.MessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
		}
	}
	res, err := m.c.topics.Publish(ctx, in)
	if err != nil {
		return "", "", snsServiceError(err)
	}
	return res.MessageID, res.SequenceNumber, nil
}

// snsServiceError raises a topic error in a state machine as SNS.<Code>.
func snsServiceError(err error) error {
	var te *topic.Error
	if errors.As(err, &te) {
		code := string(te.Code)
		if !strings.HasSuffix(code, "Exception") {
			code += "Exception"
		}
		return &machine.ServiceError{Service: "SNS", Code: code, Message: te.Message}
	}
	return err
}

type machineFunctions struct{ c *Core }

func (m machineFunctions) Invoke(ctx context.Context, functionARN string, payload []byte) ([]byte, string, error) {
	if m.c.functions == nil {
		return nil, "", &machine.ServiceError{Service: "Lambda", Code: "ResourceNotFoundException", Message: "functions are not available"}
	}
	res, err := m.c.functions.Invoke(ctx, functionName(functionARN), payload)
	if err != nil {
		var fe *function.Error
		if errors.As(err, &fe) {
			return nil, "", &machine.ServiceError{Service: "Lambda", Code: lambdaCode(fe.Code), Message: fe.Message}
		}
		return nil, "", err
	}
	return res.Payload, res.FunctionError, nil
}

// lambdaCode names a function error as Lambda's exceptions do.
func lambdaCode(c function.Code) string {
	s := string(c)
	if !strings.HasSuffix(s, "Exception") {
		s += "Exception"
	}
	return s
}

// ---- functions → streams (event source mappings) and destinations ----

type functionStreams struct{ c *Core }

func (f functionStreams) name(arn string) (string, error) {
	if f.c.streams == nil {
		return "", errors.New("streams are not available")
	}
	return f.c.streams.NameFromARN(arn)
}

func (f functionStreams) ListShards(ctx context.Context, streamARN string) ([]function.StreamShard, error) {
	name, err := f.name(streamARN)
	if err != nil {
		return nil, err
	}
	d, err := f.c.streams.Describe(name)
	if err != nil {
		return nil, err
	}
	out := make([]function.StreamShard, len(d.Shards))
	for i, s := range d.Shards {
		out[i] = function.StreamShard{ShardID: s.ID, ParentShardID: s.Parent, AdjacentParentShardID: s.AdjacentParent}
	}
	return out, nil
}

func (f functionStreams) ShardIterator(ctx context.Context, streamARN, shardID, kind, sequence string, at time.Time) (string, error) {
	name, err := f.name(streamARN)
	if err != nil {
		return "", err
	}
	return f.c.streams.GetShardIterator(ctx, stream.IteratorInput{Stream: name, ShardID: shardID, Type: kind, Sequence: sequence, At: at})
}

func (f functionStreams) GetRecords(ctx context.Context, iterator string, limit int) ([]function.StreamRecord, string, error) {
	if f.c.streams == nil {
		return nil, "", errors.New("streams are not available")
	}
	res, err := f.c.streams.GetRecords(ctx, iterator, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]function.StreamRecord, len(res.Records))
	for i, r := range res.Records {
		out[i] = function.StreamRecord{SequenceNumber: r.SequenceNumber, PartitionKey: r.PartitionKey, Data: r.Data, ArrivalTime: r.Arrival}
	}
	return out, res.NextIterator, nil
}

// ---- API routes → functions, topics, streams and state machines ----

type gatewayFunctions struct{ c *Core }

func (g gatewayFunctions) Invoke(ctx context.Context, name string, payload []byte) ([]byte, string, error) {
	if g.c.functions == nil {
		return nil, "", errors.New("functions are not available")
	}
	res, err := g.c.functions.Invoke(ctx, functionName(name), payload)
	var fe *function.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case function.ResourceNotFound:
			return nil, "", fmt.Errorf("%w: function %q does not exist", gateway.ErrTargetNotFound, name)
		case function.TooManyRequests:
			return nil, "", &gateway.TargetError{Status: 429, Code: string(fe.Code), Message: fe.Message}
		}
	}
	if err != nil {
		return nil, "", err
	}
	return res.Payload, res.FunctionError, nil
}

type gatewayTopics struct{ c *Core }

func (g gatewayTopics) Publish(ctx context.Context, name string, m gateway.TopicMessage) (string, error) {
	if g.c.topics == nil {
		return "", errors.New("topics are not available")
	}
	arn := name
	if !strings.HasPrefix(arn, "arn:") {
		arn = g.c.topics.ARN(name)
	}
	in := topic.PublishInput{TopicARN: arn, Message: m.Message, Subject: m.Subject,
		MessageGroupID: m.GroupID, MessageDeduplicationID: m.DeduplicationID}
	if len(m.Attributes) > 0 {
		in.MessageAttributes = make(map[string]topic.MessageAttribute, len(m.Attributes))
		for k, v := range m.Attributes {
			in.MessageAttributes[k] = topic.MessageAttribute{DataType: "String", StringValue: v}
		}
	}
	res, err := g.c.topics.Publish(ctx, in)
	return res.MessageID, err
}

type gatewayStreams struct{ c *Core }

func (g gatewayStreams) PutRecord(ctx context.Context, name string, r gateway.StreamRecord) (string, string, error) {
	if g.c.streams == nil {
		return "", "", errors.New("streams are not available")
	}
	if strings.HasPrefix(name, "arn:") {
		n, err := g.c.streams.NameFromARN(name)
		if err != nil {
			return "", "", err
		}
		name = n
	}
	res, err := g.c.streams.PutRecord(ctx, name, stream.PutInput{PartitionKey: r.PartitionKey, Data: r.Data})
	return res.ShardID, res.SequenceNumber, err
}

type gatewayMachines struct{ c *Core }

func (g gatewayMachines) StartExecution(ctx context.Context, name, execName, input string, sync bool) (gateway.Execution, error) {
	ms := g.c.machines
	if ms == nil {
		return gateway.Execution{}, errors.New("state machines are not available")
	}
	arn := name
	if !strings.HasPrefix(arn, "arn:") {
		arn = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", g.c.cfg.Region, g.c.cfg.Account, lastSegment(name))
	}
	in := machine.StartInput{StateMachineArn: arn, Name: execName, Input: input}
	var e machine.Execution
	var err error
	if sync {
		e, err = ms.StartSyncExecution(ctx, in)
	} else {
		e, err = ms.StartExecution(ctx, in)
	}
	if err != nil {
		return gateway.Execution{}, err
	}
	return gateway.Execution{ARN: e.Arn, StartDate: e.StartDate, StopDate: e.StopDate, Status: e.Status,
		Output: e.Output, Error: e.Error, Cause: e.Cause}, nil
}

// compile-time checks that the adapters fit the services' interfaces.
var (
	_ topic.FunctionInvoker   = topicFunctions{}
	_ machine.TopicPublisher  = machineTopics{}
	_ machine.FunctionInvoker = machineFunctions{}
	_ function.StreamSource   = functionStreams{}
	_ gateway.FunctionInvoker = gatewayFunctions{}
	_ gateway.TopicPublisher  = gatewayTopics{}
	_ gateway.StreamPutter    = gatewayStreams{}
	_ gateway.MachineStarter  = gatewayMachines{}
)
