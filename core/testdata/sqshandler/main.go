// Command sqshandler is an aws-lambda-go handler for queue event sources,
// used by the core's queue → function tests and benchmarks: it fails the
// messages whose body starts with "fail" (as batchItemFailures), and holds
// a message "gate:PATH" until the file PATH exists.
package main

import (
	"context"
	"log"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, r := range ev.Records {
		if path, ok := strings.CutPrefix(r.Body, "gate:"); ok {
			for {
				if _, err := os.Stat(path); err == nil {
					break
				}
				select {
				case <-ctx.Done():
					return resp, ctx.Err()
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
		if strings.HasPrefix(r.Body, "fail") {
			log.Printf("failing %s (receive %s)", r.Body, r.Attributes["ApproximateReceiveCount"])
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return resp, nil
}

func main() {
	log.SetFlags(0)
	lambda.Start(handle)
}
