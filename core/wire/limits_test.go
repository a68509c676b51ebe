package wire_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
)

// zeros is an io.Reader of n bytes without a known length, so the request
// goes out chunked and only the cap while reading can stop it.
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), z.n)
	for i := range p[:k] {
		p[i] = ' '
	}
	z.n -= k
	return k, nil
}

// Every protocol's body is capped before it is read, whether the client
// announces the length or streams it, and the refusal is in the protocol's
// shape. The caps hold with signature checking on, too.
func TestBodyCapsPerProtocol(t *testing.T) {
	for _, signed := range []bool{false, true} {
		t.Run(fmt.Sprintf("signed=%v", signed), func(t *testing.T) {
			var opts []wire.Option
			if signed {
				opts = append(opts, wire.WithCredentials(testCreds))
			}
			e := start(t, core.Config{}, opts...)
			cases := []struct {
				name, target, contentType string
				limit                     int
			}{
				{"SQS JSON", "AmazonSQS.SendMessage", "application/x-amz-json-1.0", 4 << 20},
				{"SQS and SNS query", "", "application/x-www-form-urlencoded", 4 << 20},
				{"Kinesis JSON 1.1", "Kinesis_20131202.PutRecords", "application/x-amz-json-1.1", 16 << 20},
				{"Step Functions JSON", "AWSStepFunctions.StartExecution", "application/x-amz-json-1.0", 2 << 20},
				{"other JSON", "DynamoDB_20120810.PutItem", "application/x-amz-json-1.0", 1 << 20},
			}
			for _, c := range cases {
				for _, streamed := range []bool{false, true} {
					var body io.Reader = strings.NewReader(strings.Repeat(" ", c.limit+1))
					if streamed {
						body = &zeros{c.limit + 1}
					}
					req, err := http.NewRequest(http.MethodPost, e.srv.URL()+"/", body)
					if err != nil {
						t.Fatal(err)
					}
					req.Header.Set("Content-Type", c.contentType)
					if c.target != "" {
						req.Header.Set("X-Amz-Target", c.target)
					}
					r := do(t, req)
					if r.status != http.StatusRequestEntityTooLarge {
						t.Fatalf("%s (streamed %v): %d %s", c.name, streamed, r.status, r.body)
					}
					if c.target == "" {
						wantXMLError(t, r, 413, "RequestEntityTooLarge")
					} else if !strings.Contains(r.body, `"__type":`) || !strings.Contains(r.body, "RequestEntityTooLarge") {
						t.Fatalf("%s: not a JSON error: %s", c.name, r.body)
					}
				}
			}
			if signed {
				return
			}
			// Just under the cap the service itself answers (here: the
			// message is larger than MaximumMessageSize).
			url := e.createQueue(t, "big", nil)
			_, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strings.Repeat("x", 3<<20))})
			wantCode(t, err, "InvalidParameterValue")
		})
	}
}

// Slow clients (headers dribbling in, a body that never completes, idle
// keep-alive connections) are cut off by the server's timeouts, and while
// they hang on, other clients are served.
func TestSlowClientsDoNotStarveOthers(t *testing.T) {
	e := start(t, core.Config{}, wire.WithTimeouts(wire.Timeouts{
		ReadHeader: time.Second, Read: 2 * time.Second, Idle: time.Second}))
	addr := e.srv.Addr().String()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	var slow []net.Conn
	for i := 0; i < 40; i++ { // slow loris: headers never finish
		c := dial()
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n", addr)
		slow = append(slow, c)
	}
	for i := 0; i < 10; i++ { // headers done, body promised but never sent
		c := dial()
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"+
			"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 1000\r\n\r\n{", addr)
		slow = append(slow, c)
	}
	idle := dial() // one request, then keep-alive and silence
	fmt.Fprintf(idle, "GET /health HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health on the idle connection: %v %v", resp, err)
	}
	resp.Body.Close()
	slow = append(slow, idle)

	// Meanwhile others get through, several at once.
	url := e.createQueue(t, "busy", nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(fmt.Sprint(w, i))}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a client was not served while slow ones hung on: %v", err)
	}

	// Every slow connection is closed by the server: reads end, and not
	// because of our own (generous) deadline.
	for i, c := range slow {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := io.Copy(io.Discard, c)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("slow connection %d was never closed by the server", i)
		}
	}
}

// Concurrent long polls are capped; one too many gets OverLimit in each
// protocol's shape, and short polls still work.
func TestLongPollCapOverTheWire(t *testing.T) {
	e := start(t, core.Config{MaxLongPolls: 2})
	qurl := e.createQueue(t, "polled", nil)
	done := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() {
			_, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &qurl, WaitTimeSeconds: 20})
			done <- err
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.core.Queues().LongPolls() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the two long polls never waited")
		}
		time.Sleep(time.Millisecond)
	}
	_, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &qurl, WaitTimeSeconds: 5})
	wantCode(t, err, "OverLimit")
	wantStatus(t, err, http.StatusForbidden)

	status, body := postForm(t, e.srv.URL(), url.Values{"Action": {"ReceiveMessage"}, "Version": {"2012-11-05"},
		"QueueUrl": {qurl}, "WaitTimeSeconds": {"5"}})
	wantXMLError(t, response{status: status, body: body}, 403, "OverLimit")

	if _, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &qurl}); err != nil {
		t.Fatalf("short poll: %v", err)
	}
	for i := 0; i < 2; i++ {
		if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &qurl, MessageBody: aws.String("wake")}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// The in-flight quota over both protocols (lowered to 3 so the test need
// not hold 120,000 messages; core/queue tests the real number): a standard
// queue's short poll gets OverLimit, 403, in each protocol's shape; a FIFO
// queue returns nothing, without an error.
func TestInflightQuotaOverTheWire(t *testing.T) {
	e := start(t, core.Config{MaxInflight: 3})
	std := e.createQueue(t, "quota", nil)
	fifo := e.createQueue(t, "quota.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	for i := 0; i < 5; i++ {
		body := fmt.Sprint("m", i)
		if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &std, MessageBody: &body}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sqs.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: &fifo, MessageBody: &body, MessageGroupId: aws.String(fmt.Sprint("g", i))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{std, fifo} {
		out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &q, MaxNumberOfMessages: 10})
		if err != nil || len(out.Messages) != 3 {
			t.Fatalf("receive up to the quota on %s: %d messages, %v", q, len(out.Messages), err)
		}
	}
	_, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &std})
	wantCode(t, err, "OverLimit")
	wantStatus(t, err, http.StatusForbidden)
	status, body := postForm(t, e.srv.URL(), url.Values{"Action": {"ReceiveMessage"}, "Version": {"2012-11-05"}, "QueueUrl": {std}})
	wantXMLError(t, response{status: status, body: body}, 403, "OverLimit")

	out, err := e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: &fifo, MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 0 {
		t.Fatalf("FIFO receive at the quota: %v %v", out, err)
	}
}
