package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// Scenarios beyond SQS: SNS fan-out, Kinesis PutRecords and Step Functions
// state transitions, each through its own official SDK client.

func static() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("bench", "bench", "")
}

// PublishFanOut publishes to a topic with fanout raw-delivery queue
// subscriptions; Messages counts deliveries (publishes × fanout).
func (r *Runner) PublishFanOut(ctx context.Context, fanout int) (Result, error) {
	if fanout < 1 {
		fanout = 1
	}
	c := sns.New(sns.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(r.cfg.Endpoint), Credentials: static(), RetryMaxAttempts: 1})
	topic, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(r.cfg.Queue + "-topic")})
	if err != nil {
		return Result{}, fmt.Errorf("create topic: %w", err)
	}
	for i := 0; i < fanout; i++ {
		q, err := r.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(r.cfg.Queue + "-fan-" + strconv.Itoa(i))})
		if err != nil {
			return Result{}, fmt.Errorf("create fan-out queue: %w", err)
		}
		attrs, err := r.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			return Result{}, fmt.Errorf("queue ARN: %w", err)
		}
		_, err = c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
			Endpoint: aws.String(attrs.Attributes["QueueArn"]), Attributes: map[string]string{"RawMessageDelivery": "true"}})
		if err != nil {
			return Result{}, fmt.Errorf("subscribe: %w", err)
		}
	}
	res := r.run(ctx, "publish-fanout", r.cfg.Clients, func(ctx context.Context) (int, error) {
		_, err := c.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(r.body)})
		return fanout, err
	})
	return res, nil
}

// PutRecords puts batches of 100 records on a 4-shard stream; Messages
// counts records.
func (r *Runner) PutRecords(ctx context.Context) (Result, error) {
	c := kinesis.New(kinesis.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(r.cfg.Endpoint), Credentials: static(), RetryMaxAttempts: 1})
	name := aws.String(r.cfg.Queue + "-stream")
	_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(4)})
	if err != nil && !strings.Contains(err.Error(), "ResourceInUse") {
		return Result{}, fmt.Errorf("create stream: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: name})
		if err != nil {
			return Result{}, fmt.Errorf("describe stream: %w", err)
		}
		if d.StreamDescriptionSummary.StreamStatus == ktypes.StreamStatusActive {
			break
		}
		if time.Now().After(deadline) {
			return Result{}, fmt.Errorf("stream %s not ACTIVE after 30 s", *name)
		}
		time.Sleep(50 * time.Millisecond) // polling a remote endpoint's state, not a timing assumption
	}
	data := []byte(r.body)
	return r.run(ctx, "put-records", r.cfg.Clients, func(ctx context.Context) (int, error) {
		entries := make([]ktypes.PutRecordsRequestEntry, 100)
		for i := range entries {
			entries[i] = ktypes.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(strconv.Itoa(i))}
		}
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: name, Records: entries})
		if err != nil {
			return 0, err
		}
		return len(entries) - int(aws.ToInt32(out.FailedRecordCount)), nil
	}), nil
}

// TransitionChain is how many Pass states the transitions scenario's
// Express state machine runs per execution.
const TransitionChain = 20

// Transitions runs an Express state machine of TransitionChain Pass
// states with StartSyncExecution; Messages counts state transitions.
func (r *Runner) Transitions(ctx context.Context) (Result, error) {
	c := sfn.New(sfn.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(r.cfg.Endpoint), Credentials: static(), RetryMaxAttempts: 1},
		noHostPrefix)
	states := map[string]any{}
	for i := 0; i < TransitionChain; i++ {
		st := map[string]any{"Type": "Pass"}
		if i == TransitionChain-1 {
			st["End"] = true
		} else {
			st["Next"] = "S" + strconv.Itoa(i+1)
		}
		states["S"+strconv.Itoa(i)] = st
	}
	def, _ := json.Marshal(map[string]any{"StartAt": "S0", "States": states})
	out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(r.cfg.Queue + "-chain"),
		Definition: aws.String(string(def)), RoleArn: aws.String("arn:aws:iam::000000000000:role/bench"), Type: "EXPRESS"})
	if err != nil {
		return Result{}, fmt.Errorf("create state machine: %w", err)
	}
	input := aws.String(`{"n":1}`)
	return r.run(ctx, "transitions", r.cfg.Clients, func(ctx context.Context) (int, error) {
		res, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: out.StateMachineArn, Input: input})
		if err != nil {
			return 0, err
		}
		if res.Status != "SUCCEEDED" {
			return 0, fmt.Errorf("execution %s", res.Status)
		}
		return TransitionChain, nil
	}), nil
}

// noHostPrefix keeps StartSyncExecution on the configured endpoint instead
// of the "sync-" host the SDK prepends.
func noHostPrefix(o *sfn.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("SkyportNoHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}
