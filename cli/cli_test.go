package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

func TestStartWithCredentialsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(file, []byte("# keys\nAKIALOCAL s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, srv, err := Start(Options{Addr: "127.0.0.1:0", Memory: true, Credentials: file})
	if err != nil {
		t.Fatal(err)
	}
	defer Stop(c, srv, 5*time.Second)
	client := func(key, secret string) *sqs.Client {
		return sqs.New(sqs.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	}
	ctx := context.Background()
	if _, err := client("AKIALOCAL", "s3cret").ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("right key refused: %v", err)
	}
	_, err = client("AKIALOCAL", "guess").ListQueues(ctx, &sqs.ListQueuesInput{})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestServeRefusesBadCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{filepath.Join(dir, "missing"), empty} {
		var stderr strings.Builder
		code := Main([]string{"serve", "--memory", "--addr", "127.0.0.1:0", "--credentials", file},
			Env{Stdout: &strings.Builder{}, Stderr: &stderr, Signals: make(chan os.Signal)})
		if code != ExitUsage || !strings.Contains(stderr.String(), "credentials") {
			t.Errorf("%s: exit %d, stderr %q", file, code, stderr.String())
		}
	}
}
