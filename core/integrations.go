package core

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/machine"
	"github.com/skyport-dev/skyport/core/queue"
)

// machineQueues lets state machines send to queues
// (arn:aws:states:::sqs:sendMessage).
type machineQueues struct {
	q     *queue.Service
	chaos *chaos.Registry
}

// SendMessage sends to the queue named by a queue URL (or a queue ARN).
func (m machineQueues) SendMessage(ctx context.Context, queueURL string, msg machine.OutgoingMessage) (machine.SentMessage, error) {
	name := queueName(queueURL)
	in := queue.SendInput{Body: msg.Body, DelaySeconds: msg.DelaySeconds, MessageGroupID: msg.MessageGroupID, MessageDeduplicationID: msg.MessageDeduplicationID}
	if len(msg.Attributes) > 0 {
		in.MessageAttributes = make(map[string]queue.MessageAttribute, len(msg.Attributes))
		for k, a := range msg.Attributes {
			in.MessageAttributes[k] = queue.MessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
		}
	}
	res, err := sendQueue(ctx, m.q, m.chaos, name, in)
	if err != nil {
		return machine.SentMessage{}, machineQueueError(err)
	}
	return machine.SentMessage{MessageID: res.MessageID, MD5OfMessageBody: res.MD5OfMessageBody, SequenceNumber: res.SequenceNumber}, nil
}

// queueName takes the queue name from http://host/ACCOUNT/NAME, an SQS
// ARN, or a bare name.
func queueName(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref[strings.LastIndex(ref, ":")+1:]
	}
	if u, err := url.Parse(ref); err == nil && u.Path != "" {
		ref = u.Path
	}
	ref = strings.TrimRight(ref, "/")
	return ref[strings.LastIndex(ref, "/")+1:]
}

// ReceiveMessages lets state machines take messages off a queue
// (arn:aws:states:::aws-sdk:sqs:receiveMessage).
func (m machineQueues) ReceiveMessages(ctx context.Context, queueURL string, r machine.ReceiveRequest) ([]machine.ReceivedMessage, error) {
	msgs, err := m.q.ReceiveMessage(ctx, queueName(queueURL), queue.ReceiveInput{MaxNumberOfMessages: r.MaxNumberOfMessages,
		WaitTimeSeconds: r.WaitTimeSeconds, VisibilityTimeout: r.VisibilityTimeout,
		AttributeNames: r.AttributeNames, MessageAttributeNames: r.MessageAttributeNames})
	if err != nil {
		return nil, machineQueueError(err)
	}
	out := make([]machine.ReceivedMessage, 0, len(msgs))
	for _, msg := range msgs {
		rm := machine.ReceivedMessage{MessageID: msg.MessageID, ReceiptHandle: msg.ReceiptHandle, MD5OfBody: msg.MD5OfBody,
			Body: msg.Body, Attributes: msg.Attributes, MD5OfMessageAttributes: msg.MD5OfMessageAttributes}
		if len(msg.MessageAttributes) > 0 {
			rm.MessageAttributes = make(map[string]machine.MessageAttribute, len(msg.MessageAttributes))
			for k, a := range msg.MessageAttributes {
				rm.MessageAttributes[k] = machine.MessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
			}
		}
		out = append(out, rm)
	}
	return out, nil
}

// DeleteMessage lets state machines delete what they received
// (arn:aws:states:::aws-sdk:sqs:deleteMessage).
func (m machineQueues) DeleteMessage(ctx context.Context, queueURL, receiptHandle string) error {
	return machineQueueError(m.q.DeleteMessage(ctx, queueName(queueURL), receiptHandle))
}

// machineQueueError turns a queue error into the service error a task
// reports (its code becomes the Step Functions error name).
func machineQueueError(err error) error {
	var qe *queue.Error
	if errors.As(err, &qe) {
		return &machine.ServiceError{Service: "SQS", Code: string(qe.Code), Message: qe.Message}
	}
	return err
}
