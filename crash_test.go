package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

func sqsClient(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{
		HTTPClient: sdkhttp.Client(),
		Region:     "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// TestCrashSQSUnderLoad SIGKILLs a real `skyport serve` while SDK clients
// send and delete, restarts it on the same file, and checks that every
// acknowledged send is there exactly once and no acknowledged delete came back.
func TestCrashSQSUnderLoad(t *testing.T) {
	data := filepath.Join(t.TempDir(), "crash.db")
	acked := map[string]bool{}   // body → acknowledged send
	deleted := map[string]bool{} // body → acknowledged delete
	tried := map[string]bool{}   // body → delete sent (maybe cut off by the kill)
	var mu sync.Mutex

	for round := 0; round < 3; round++ {
		cmd, url, _ := startServe(t, "--addr", "127.0.0.1:0", "--data", data)
		client := sqsClient(url)
		ctx := context.Background()
		q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("crash")})
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf("r%d-w%d-%d", round, w, i)
					if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: &body}); err != nil {
						return // the server died mid-call: not acknowledged
					}
					mu.Lock()
					acked[body] = true
					mu.Unlock()
					if i%3 == 0 { // consume some, so deletes are in flight at the kill too
						out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 2})
						if err != nil {
							return
						}
						for _, m := range out.Messages {
							mu.Lock()
							tried[*m.Body] = true
							mu.Unlock()
							if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
								return
							}
							mu.Lock()
							deleted[*m.Body] = true
							mu.Unlock()
						}
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(400+200*round) * time.Millisecond)
		cmd.Process.Kill() // SIGKILL mid-load
		cmd.Wait()
		close(stop)
		wg.Wait()
	}

	// Restart and drain: every acknowledged, undeleted send exactly once.
	_, url, _ := startServe(t, "--addr", "127.0.0.1:0", "--data", data)
	client := sqsClient(url)
	ctx := context.Background()
	q, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("crash")})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			seen[*m.Body]++
		}
	}
	// Messages received (not deleted) before a kill become visible again only
	// after their visibility timeout; fast-forward past it and drain again.
	resp, err := httpPost(url+"/_skyport/clock/advance?by=1m", "")
	if err != nil || resp != 200 {
		t.Fatalf("advance clock: %v %d", err, resp)
	}
	for {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			seen[*m.Body]++
		}
	}
	missing, dup, resurrected := 0, 0, 0
	for body := range acked {
		if deleted[body] {
			continue
		}
		switch n := seen[body]; {
		case n == 0 && !tried[body]: // a delete cut off by the kill may have landed
			missing++
		case n > 1:
			dup++
		}
	}
	for body := range deleted {
		if seen[body] > 0 {
			resurrected++
		}
	}
	for body := range seen {
		if !strings.HasPrefix(body, "r") {
			t.Errorf("unexpected body %q", body)
		}
	}
	t.Logf("acknowledged sends %d, acknowledged deletes %d, present after restart %d", len(acked), len(deleted), len(seen))
	if len(acked) < 50 {
		t.Fatalf("only %d sends acknowledged: the load did not run", len(acked))
	}
	if missing+dup+resurrected > 0 {
		t.Fatalf("%d acknowledged sends lost, %d duplicated, %d acknowledged deletes came back", missing, dup, resurrected)
	}
}
