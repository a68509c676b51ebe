package wire

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// BenchmarkSigV4Verify measures verifying one SDK-signed SQS request with a
// 1 KiB body (what --credentials adds to every call).
func BenchmarkSigV4Verify(b *testing.B) {
	body := `{"QueueUrl":"http://127.0.0.1:4566/000000000000/q","MessageBody":"` + strings.Repeat("x", 1024) + `"}`
	sum := sha256.Sum256([]byte(body))
	req := httptest.NewRequest("POST", "http://127.0.0.1:4566/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
	at := time.Now()
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIABENCH", SecretAccessKey: "secret"},
		req, hex.EncodeToString(sum[:]), "sqs", "us-east-1", at); err != nil {
		b.Fatal(err)
	}
	v := &verifier{creds: Credentials{"AKIABENCH": "secret"}, now: time.Now}
	raw := []byte(body)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if e := v.verify(req, raw); e != nil {
			b.Fatal(e)
		}
	}
}
