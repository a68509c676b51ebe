package wire_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
)

// SetCredentials turns verification on, changes the keys and turns it off
// again on a listener that keeps serving.
func TestSetCredentialsWhileServing(t *testing.T) {
	e := start(t, core.Config{})
	anyone := sdkClient(e.srv.URL(), "anything", "at-all")
	if _, err := anyone.ListQueues(e.ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("unchecked listener refused: %v", err)
	}
	if n := e.srv.VerifiesSignatures(); n != 0 {
		t.Fatalf("VerifiesSignatures = %d before any credentials", n)
	}

	creds := wire.Credentials{testKey: testSecret}
	e.srv.SetCredentials(creds)
	creds[testKey] = "changed-after-the-call" // the listener keeps its own copy
	if n := e.srv.VerifiesSignatures(); n != 1 {
		t.Fatalf("VerifiesSignatures = %d, want 1", n)
	}
	_, err := anyone.ListQueues(e.ctx, &sqs.ListQueuesInput{})
	wantCode(t, err, "InvalidClientTokenId")
	signed := sdkClient(e.srv.URL(), testKey, testSecret)
	if _, err := signed.ListQueues(e.ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("right key refused: %v", err)
	}

	e.srv.SetCredentials(wire.Credentials{"AKIANEXT": "next-secret"})
	_, err = signed.ListQueues(e.ctx, &sqs.ListQueuesInput{})
	wantCode(t, err, "InvalidClientTokenId")
	if _, err := sdkClient(e.srv.URL(), "AKIANEXT", "next-secret").ListQueues(e.ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("new key refused: %v", err)
	}
	_, err = sdkClient(e.srv.URL(), "AKIANEXT", testSecret).ListQueues(e.ctx, &sqs.ListQueuesInput{})
	wantCode(t, err, "SignatureDoesNotMatch")

	e.srv.SetCredentials(nil)
	if _, err := anyone.ListQueues(e.ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("verification still on after SetCredentials(nil): %v", err)
	}
}

// Requests racing a swap are each checked against one whole set: a client
// whose key is in both sets always gets in, one whose key is in only one
// gets in or gets InvalidClientTokenId, nothing else (run with -race).
func TestSetCredentialsRacesRequests(t *testing.T) {
	e := start(t, core.Config{})
	a := wire.Credentials{testKey: testSecret, "AKIAONLYA": "a-secret"}
	b := wire.Credentials{testKey: testSecret, "AKIAONLYB": "b-secret"}
	e.srv.SetCredentials(a)
	stop := make(chan struct{})
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				e.srv.SetCredentials(b)
			} else {
				e.srv.SetCredentials(a)
			}
			swaps.Add(1)
			time.Sleep(200 * time.Microsecond)
		}
	}()
	var refused atomic.Int64
	var clients sync.WaitGroup
	for _, k := range []struct{ key, secret string }{{testKey, testSecret}, {"AKIAONLYA", "a-secret"}, {"AKIAONLYB", "b-secret"}} {
		c := sdkClient(e.srv.URL(), k.key, k.secret)
		clients.Add(1)
		go func() {
			defer clients.Done()
			for i := 0; i < 150; i++ {
				_, err := c.ListQueues(e.ctx, &sqs.ListQueuesInput{})
				if err == nil {
					continue
				}
				var ae smithy.APIError
				if k.key == testKey || !errors.As(err, &ae) || ae.ErrorCode() != "InvalidClientTokenId" {
					t.Errorf("%s during swaps: %v", k.key, err)
					return
				}
				refused.Add(1)
			}
		}()
	}
	clients.Wait()
	close(stop)
	wg.Wait()
	if swaps.Load() < 2 || refused.Load() == 0 {
		t.Fatalf("%d swaps, %d refusals: the requests did not race the swaps", swaps.Load(), refused.Load())
	}
}
