package topic

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/store"
)

// crashChildEnv turns a re-executed test binary into the publishing child.
const crashChildEnv = "SKYPORT_TOPIC_CRASH_CHILD" // database path

// stuckQueues never completes a send, so every delivery stays pending.
type stuckQueues struct{}

func (stuckQueues) SendToQueue(ctx context.Context, _ string, _ QueueMessage) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestCrashChild publishes from 16 goroutines and prints each message body
// once Publish has acknowledged it, until it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("run by TestCrashKeepsAcknowledgedPublishes")
	}
	st, err := store.Open(store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(Config{Store: st, Clock: clock.New(), Queues: stuckQueues{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	arn, err := svc.CreateTopic(ctx, "crash", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Subscribe(ctx, arn, "sqs", "arn:aws:sqs:us-east-1:000000000000:crash", map[string]string{"RawMessageDelivery": "true"}, false); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Go(func() {
			for i := 0; ; i++ {
				body := fmt.Sprintf("w%d-%d", w, i)
				if _, err := svc.Publish(ctx, PublishInput{TopicARN: arn, Message: body}); err != nil {
					return
				}
				mu.Lock()
				fmt.Fprintf(out, "ack %s\n", body)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrashKeepsAcknowledgedPublishes kills a publishing child with SIGKILL
// and checks that every publish it saw acknowledged is recorded with its
// delivery, and is then delivered exactly once by a reopened service.
func TestCrashKeepsAcknowledgedPublishes(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in short mode")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path, "GORACE=atexit_sleep_ms=0")
	cmd.Stderr = os.Stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := make(chan string, 1<<16)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		r := bufio.NewReader(pipe)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return // an unterminated last line was not acknowledged in full
			}
			if id, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "ack "); ok {
				acks <- id
			}
		}
	}()
	acked := map[string]bool{}
	deadline := time.After(20 * time.Second)
	for len(acked) < 500 {
		select {
		case id := <-acks:
			acked[id] = true
		case <-deadline:
			t.Fatalf("the child acknowledged only %d publishes", len(acked))
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-readDone
	_ = cmd.Wait()
	for len(acks) > 0 {
		acked[<-acks] = true
	}

	st, err := store.Open(store.Config{Path: path})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer st.Close()
	q := &recordingQueues{}
	svc, err := Open(Config{Store: st, Clock: clock.New(), Queues: q})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	wait := time.Now().Add(30 * time.Second)
	for svc.Topics()[0].Pending > 0 {
		if time.Now().After(wait) {
			t.Fatalf("%d deliveries still pending", svc.Topics()[0].Pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
	bodies := map[string]int{}
	for _, m := range q.messages() {
		bodies[m.Body]++
		if bodies[m.Body] > 1 {
			t.Fatalf("%s delivered twice after the restart", m.Body)
		}
	}
	var ids []string
	rows, err := st.DB().Query(`SELECT message_id FROM topic_messages`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) != 0 {
		t.Fatalf("%d messages left after every delivery", len(ids))
	}
	for body := range acked {
		if bodies[body] != 1 {
			t.Fatalf("acknowledged publish %s was lost", body)
		}
	}
	t.Logf("%d acknowledged publishes before SIGKILL, %d delivered after the restart", len(acked), len(q.messages()))
}
