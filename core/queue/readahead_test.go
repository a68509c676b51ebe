package queue

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// tinyCacheService has a body cache too small to hold anything, so every
// receive reads through the read-ahead windows.
func tinyCacheService(t *testing.T) *Service {
	t.Helper()
	st, err := store.Open(store.Config{Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: clock.NewFrozen(epoch), Events: event.NewBus(), Metrics: metrics.NewRegistry(), CacheBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(); st.Close() })
	if err := svc.CreateQueue(context.Background(), "q", nil, nil); err != nil {
		t.Fatal(err)
	}
	return svc
}

// A window read at the tail of the table must not hide messages stored
// after it was read.
func TestReadAheadSeesLaterMessages(t *testing.T) {
	svc := tinyCacheService(t)
	ctx := context.Background()
	for i := range 5 {
		body := "m" + strconv.Itoa(i)
		if _, err := svc.SendMessage(ctx, "q", SendInput{Body: body}); err != nil {
			t.Fatal(err)
		}
		got, err := svc.ReceiveMessage(ctx, "q", ReceiveInput{MaxNumberOfMessages: 10})
		if err != nil || len(got) != 1 || got[0].Body != body {
			t.Fatalf("receive %d: %+v %v", i, got, err)
		}
	}
}

// Concurrent receivers sharing windows get every message exactly once with
// its own body, across many windows.
func TestReadAheadConcurrentReceivers(t *testing.T) {
	svc := tinyCacheService(t)
	ctx := context.Background()
	const n = (3*readAheadRows + 9) / 10 * 10 // whole batches, across three windows
	for i := 0; i < n; i += 10 {
		entries := make([]SendBatchEntry, 10)
		for j := range entries {
			entries[j] = SendBatchEntry{ID: strconv.Itoa(j), SendInput: SendInput{Body: "body-" + strconv.Itoa(i+j) + strings.Repeat(".", j)}}
		}
		if _, err := svc.SendMessageBatch(ctx, "q", entries); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				got, err := svc.ReceiveMessage(ctx, "q", ReceiveInput{MaxNumberOfMessages: 10})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.Body]++
					if m.MD5OfBody != md5Hex(m.Body) {
						t.Errorf("body %q has MD5 %s", m.Body, m.MD5OfBody)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("received %d distinct bodies, want %d", len(seen), n)
	}
	for b, c := range seen {
		if c != 1 {
			t.Fatalf("%q received %d times", b, c)
		}
	}
}

// A message sent behind a backlog larger than the body cache is not cached:
// its receive reads it back from the store with the same id, body,
// attributes and digests that the send acknowledged.
func TestBacklogLargerThanCacheReadsBack(t *testing.T) {
	st, err := store.Open(store.Config{Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: clock.NewFrozen(epoch), Events: event.NewBus(), Metrics: metrics.NewRegistry(), CacheBytes: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(); st.Close() })
	ctx := context.Background()
	if err := svc.CreateQueue(ctx, "q", nil, nil); err != nil {
		t.Fatal(err)
	}
	const n = 200 // 200 × ~500 bytes: the later sends find a backlog the cache cannot hold
	sent := map[string]SendResult{}
	for i := range n {
		body := strings.Repeat(strconv.Itoa(i%10), 300) + strconv.Itoa(i)
		attrs := map[string]MessageAttribute{"n": {DataType: "Number", StringValue: strconv.Itoa(i)}, "b": {DataType: "Binary", BinaryValue: []byte{byte(i)}}}
		res, err := svc.SendMessage(ctx, "q", SendInput{Body: body, MessageAttributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		sent[body] = res
	}
	got := 0
	for got < n {
		msgs, err := svc.ReceiveMessage(ctx, "q", ReceiveInput{MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
		if err != nil || len(msgs) == 0 {
			t.Fatalf("after %d messages: %v, %v", got, msgs, err)
		}
		for _, m := range msgs {
			res, ok := sent[m.Body]
			if !ok || m.MessageID != res.MessageID || m.MD5OfBody != res.MD5OfMessageBody || m.MD5OfBody != md5Hex(m.Body) ||
				m.MD5OfMessageAttributes != res.MD5OfMessageAttributes || len(m.MessageAttributes) != 2 {
				t.Fatalf("received %+v, sent %+v", m, res)
			}
			delete(sent, m.Body)
			got++
		}
	}
}
