package cli

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// putTwoLargeRecords puts two 600 KiB records on one shard in one call and
// returns the second record's error code ("" when stored).
func putTwoLargeRecords(t *testing.T, url string) string {
	t.Helper()
	ctx := context.Background()
	k := kinesis.New(kinesis.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(url),
		RetryMaxAttempts: 1, Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	if _, err := k.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("q"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		d, err := k.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("q")})
		if err == nil && d.StreamDescriptionSummary.StreamStatus == ktypes.StreamStatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream not active: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // polling the stream's status, as clients do
	}
	big := make([]byte, 600<<10)
	out, err := k.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("q"), Records: []ktypes.PutRecordsRequestEntry{
		{PartitionKey: aws.String("a"), Data: big}, {PartitionKey: aws.String("a"), Data: big}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Records[0].ErrorCode != nil {
		t.Fatalf("first record refused: %s", *out.Records[0].ErrorCode)
	}
	return aws.ToString(out.Records[1].ErrorCode)
}

// --kinesis-throughput: 1.2 MiB into one shard at once exceeds its 1 MiB/s.
// Without the flag nothing is throttled.
func TestStartKinesisThroughputFlag(t *testing.T) {
	for _, on := range []bool{false, true} {
		c, srv, err := Start(Options{Addr: "127.0.0.1:0", Memory: true, StreamThroughput: on})
		if err != nil {
			t.Fatal(err)
		}
		code := putTwoLargeRecords(t, srv.URL())
		Stop(c, srv, 5*time.Second)
		want := ""
		if on {
			want = "ProvisionedThroughputExceededException"
		}
		if code != want {
			t.Errorf("throughput emulation %v: second record's error %q, want %q", on, code, want)
		}
	}
}

// --fifo-quotas: SendMessage on a FIFO queue beyond 300 calls/s is refused
// with SQS's throttling error.
func TestStartFIFOQuotasFlag(t *testing.T) {
	c, srv, err := Start(Options{Addr: "127.0.0.1:0", Memory: true, FIFOQuotas: true})
	if err != nil {
		t.Fatal(err)
	}
	defer Stop(c, srv, 5*time.Second)
	ctx := context.Background()
	q := sqs.New(sqs.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()),
		RetryMaxAttempts: 1, Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	var throttled atomic.Pointer[string]
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for throttled.Load() == nil && calls.Add(1) <= 5000 {
				n := calls.Load()
				_, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageGroupId: aws.String("g"),
					MessageBody: aws.String("m" + strconv.FormatInt(n, 10))})
				var api smithy.APIError
				if errors.As(err, &api) {
					code := api.ErrorCode()
					throttled.CompareAndSwap(nil, &code)
				} else if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if p := throttled.Load(); p == nil || (*p != "RequestThrottled" && *p != "ThrottlingException") {
		t.Fatalf("after %d sends, throttling error %v", calls.Load(), p)
	}
}
