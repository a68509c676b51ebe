package wire_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
)

// BenchmarkSQSSendSigV4 compares SDK SendMessage round trips (in-memory
// core, loopback) with signature checking off and on.
func BenchmarkSQSSendSigV4(b *testing.B) {
	for _, signed := range []bool{false, true} {
		name := "unchecked"
		var opts []wire.Option
		if signed {
			name = "verified"
			opts = append(opts, wire.WithCredentials(testCreds))
		}
		b.Run(name, func(b *testing.B) {
			c, err := core.Open(core.Config{Memory: true})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			srv, err := wire.Listen(c, "127.0.0.1:0", opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Shutdown(b.Context())
			client := sdkClient(srv.URL(), testKey, testSecret)
			q, err := client.CreateQueue(b.Context(), &sqs.CreateQueueInput{QueueName: aws.String("bench")})
			if err != nil {
				b.Fatal(err)
			}
			in := &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello, benchmark")}
			b.ResetTimer()
			for b.Loop() {
				if _, err := client.SendMessage(b.Context(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
