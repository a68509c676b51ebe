package queue

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVisibilityExpiryRedelivers(t *testing.T) {
	f := newFixture(t)
	f.create("q", map[string]string{"VisibilityTimeout": "30"})
	sent := f.send("q", "hello")
	first := f.receiveN("q", 1)
	if len(first) != 1 || first[0].Body != "hello" || first[0].MessageID != sent.MessageID {
		t.Fatalf("first receive: %+v", first)
	}
	if first[0].Attributes["ApproximateReceiveCount"] != "1" || first[0].MD5OfBody != md5Hex("hello") {
		t.Fatalf("first receive attributes: %+v", first[0])
	}
	firstAt := first[0].Attributes["ApproximateFirstReceiveTimestamp"]
	if firstAt != strconv.FormatInt(epoch.UnixMilli(), 10) || first[0].Attributes["SentTimestamp"] != firstAt {
		t.Fatalf("timestamps: %v", first[0].Attributes)
	}
	if c := f.counts("q"); c != [3]int{0, 1, 0} {
		t.Fatalf("counts while in flight: %v", c)
	}
	f.advance(29 * time.Second)
	if got := f.receiveN("q", 1); len(got) != 0 {
		t.Fatal("message visible before its visibility timeout")
	}
	f.advance(time.Second)
	second := f.receiveN("q", 1)
	if len(second) != 1 || second[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("second receive: %+v", second)
	}
	if second[0].Attributes["ApproximateFirstReceiveTimestamp"] != firstAt {
		t.Fatal("first receive timestamp changed")
	}
	if second[0].ReceiptHandle == first[0].ReceiptHandle {
		t.Fatal("same receipt handle for two receives")
	}
	// A per-receive visibility timeout overrides the queue's.
	f.advance(30 * time.Second)
	f.receive("q", ReceiveInput{VisibilityTimeout: intp(5)})
	f.advance(5 * time.Second)
	if got := f.receiveN("q", 1); len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != "4" {
		t.Fatalf("after a 5 s receive timeout: %+v", got)
	}
}

func TestChangeMessageVisibility(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	f.send("q", "m")
	m := f.receiveN("q", 1)[0]
	if err := f.svc.ChangeMessageVisibility(f.ctx, "q", m.ReceiptHandle, 100); err != nil {
		t.Fatal(err)
	}
	f.advance(99 * time.Second)
	if len(f.receiveN("q", 1)) != 0 {
		t.Fatal("visible before the extended timeout")
	}
	if err := f.svc.ChangeMessageVisibility(f.ctx, "q", m.ReceiptHandle, 0); err != nil {
		t.Fatal(err)
	}
	if c := f.counts("q"); c != [3]int{1, 0, 0} {
		t.Fatalf("counts after timeout 0: %v", c)
	}
	// The old handle's receive is over: not in flight.
	wantCode(t, f.svc.ChangeMessageVisibility(f.ctx, "q", m.ReceiptHandle, 10), MessageNotInflight)
	again := f.receiveN("q", 1)[0]
	// A handle of an earlier receive no longer changes visibility.
	wantCode(t, f.svc.ChangeMessageVisibility(f.ctx, "q", m.ReceiptHandle, 10), InvalidParameterValue)
	wantCode(t, f.svc.ChangeMessageVisibility(f.ctx, "q", "garbage", 10), ReceiptHandleIsInvalid)
	wantCode(t, f.svc.ChangeMessageVisibility(f.ctx, "q", again.ReceiptHandle, 43201), InvalidParameterValue)
	// 12 hours from the receive at most.
	if err := f.svc.ChangeMessageVisibility(f.ctx, "q", again.ReceiptHandle, 7200); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Hour)
	wantCode(t, f.svc.ChangeMessageVisibility(f.ctx, "q", again.ReceiptHandle, 43200), InvalidParameterValue)
	if err := f.svc.ChangeMessageVisibility(f.ctx, "q", again.ReceiptHandle, 43200-3600); err != nil {
		t.Fatal(err)
	}
	f.del("q", again)
	wantCode(t, f.svc.ChangeMessageVisibility(f.ctx, "q", again.ReceiptHandle, 10), InvalidParameterValue)
	// Batch: per-entry outcomes.
	f.send("q", "b")
	b := f.receiveN("q", 1)[0]
	res, err := f.svc.ChangeMessageVisibilityBatch(f.ctx, "q", []VisibilityBatchEntry{
		{ID: "ok", ReceiptHandle: b.ReceiptHandle, VisibilityTimeout: 0},
		{ID: "bad", ReceiptHandle: "nope", VisibilityTimeout: 0},
	})
	if err != nil || res[0].Err != nil || res[1].Err == nil || res[1].Err.Code != ReceiptHandleIsInvalid {
		t.Fatalf("batch: %+v %v", res, err)
	}
}

func TestDeleteMessageSemantics(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	f.create("other", nil)
	f.createFIFO("f.fifo", nil)
	f.send("q", "m")
	m := f.receiveN("q", 1)[0]
	wantCode(t, f.svc.DeleteMessage(f.ctx, "q", "not-a-handle"), ReceiptHandleIsInvalid)
	wantCode(t, f.svc.DeleteMessage(f.ctx, "other", m.ReceiptHandle), ReceiptHandleIsInvalid)
	tampered := []byte(m.ReceiptHandle)
	tampered[3] ^= 1
	wantCode(t, f.svc.DeleteMessage(f.ctx, "q", string(tampered)), ReceiptHandleIsInvalid)
	f.del("q", m)
	f.del("q", m) // deleting again succeeds, as on AWS
	if f.storedRows("q") != 0 {
		t.Fatal("deleted message still stored")
	}

	// Standard queue: a stale handle still deletes.
	f.send("q", "again")
	old := f.receiveN("q", 1)[0]
	f.advance(30 * time.Second)
	f.receiveN("q", 1)
	f.del("q", old)
	f.advance(30 * time.Second)
	if len(f.receiveN("q", 1)) != 0 || f.counts("q") != [3]int{} {
		t.Fatal("stale handle did not delete on a standard queue")
	}

	// FIFO queue: an expired handle is refused and the message stays.
	f.sendFIFO("f.fifo", "g", "1", "x")
	fm := f.receiveN("f.fifo", 1)[0]
	f.advance(30 * time.Second)
	wantCode(t, f.svc.DeleteMessage(f.ctx, "f.fifo", fm.ReceiptHandle), InvalidParameterValue)
	fresh := f.receiveN("f.fifo", 1)
	if len(fresh) != 1 {
		t.Fatal("FIFO message lost after refused delete")
	}
	wantCode(t, f.svc.DeleteMessage(f.ctx, "f.fifo", fm.ReceiptHandle), InvalidParameterValue)
	f.del("f.fifo", fresh[0])

	// Batch delete with per-entry outcomes.
	f.send("q", "1")
	f.send("q", "2")
	two := f.receiveN("q", 2)
	res, err := f.svc.DeleteMessageBatch(f.ctx, "q", []DeleteBatchEntry{
		{ID: "a", ReceiptHandle: two[0].ReceiptHandle}, {ID: "b", ReceiptHandle: "bogus"}, {ID: "c", ReceiptHandle: two[1].ReceiptHandle},
	})
	if err != nil || res[0].Err != nil || res[2].Err != nil || res[1].Err.Code != ReceiptHandleIsInvalid || !res[1].SenderFault {
		t.Fatalf("batch delete: %+v %v", res, err)
	}
	if f.storedRows("q") != 0 {
		t.Fatal("batch delete left rows")
	}
}

func TestLongPollWakesOnSend(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	done := make(chan []Message, 1)
	go func() {
		msgs, err := f.svc.ReceiveMessage(f.ctx, "q", ReceiveInput{WaitTimeSeconds: intp(20)})
		if err != nil {
			t.Error(err)
		}
		done <- msgs
	}()
	eventually(t, "the receive to wait", func() bool { return f.waiting("q") })
	start := time.Now()
	go f.svc.SendMessage(f.ctx, "q", SendInput{Body: "wake up"})
	select {
	case msgs := <-done:
		if len(msgs) != 1 || msgs[0].Body != "wake up" {
			t.Fatalf("long poll returned %+v", msgs)
		}
		if lag := time.Since(start); lag > time.Second {
			t.Fatalf("long poll woke after %v", lag)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake on send (the clock is frozen)")
	}
}

func TestLongPollWakesOnDelayAndVisibility(t *testing.T) {
	f := newFixture(t)
	f.create("q", map[string]string{"ReceiveMessageWaitTimeSeconds": "20", "VisibilityTimeout": "15"})
	if _, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: "later", DelaySeconds: intp(10)}); err != nil {
		t.Fatal(err)
	}
	poll := func() chan []Message {
		done := make(chan []Message, 1)
		go func() {
			msgs, _ := f.svc.ReceiveMessage(f.ctx, "q", ReceiveInput{}) // the queue's 20 s wait
			done <- msgs
		}()
		eventually(t, "the receive to wait", func() bool { return f.waiting("q") })
		return done
	}
	done := poll()
	f.advance(10 * time.Second)
	var m Message
	select {
	case msgs := <-done:
		if len(msgs) != 1 {
			t.Fatalf("after the delay: %+v", msgs)
		}
		m = msgs[0]
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake when the delay ended")
	}
	done = poll()
	f.advance(15 * time.Second)
	select {
	case msgs := <-done:
		if len(msgs) != 1 || msgs[0].MessageID != m.MessageID {
			t.Fatalf("after the visibility timeout: %+v", msgs)
		}
		f.del("q", msgs[0])
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake when the visibility timeout ended")
	}
	// Nothing arrives: the wait ends with the clock.
	done = poll()
	f.advance(20 * time.Second)
	select {
	case msgs := <-done:
		if len(msgs) != 0 {
			t.Fatalf("empty wait returned %+v", msgs)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not end with its wait time")
	}
	// Close ends waits, and so does the caller's context.
	ctx, cancel := context.WithCancel(f.ctx)
	ended := make(chan struct{})
	go func() {
		f.svc.ReceiveMessage(ctx, "q", ReceiveInput{})
		close(ended)
	}()
	eventually(t, "the receive to wait", func() bool { return f.waiting("q") })
	cancel()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled long poll did not return")
	}
	done = poll()
	f.svc.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the long poll")
	}
}

func TestDelay(t *testing.T) {
	f := newFixture(t)
	f.create("q", map[string]string{"DelaySeconds": "60"})
	f.send("q", "queue delay")
	if _, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: "own delay", DelaySeconds: intp(5)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: "no delay", DelaySeconds: intp(0)}); err != nil {
		t.Fatal(err)
	}
	if c := f.counts("q"); c != [3]int{1, 0, 2} {
		t.Fatalf("counts: %v", c)
	}
	got := f.receiveN("q", 10)
	if len(got) != 1 || got[0].Body != "no delay" {
		t.Fatalf("before any delay ends: %+v", got)
	}
	f.del("q", got[0])
	f.advance(5 * time.Second)
	if got = f.receiveN("q", 10); len(got) != 1 || got[0].Body != "own delay" {
		t.Fatalf("after 5 s: %+v", got)
	}
	f.del("q", got[0])
	f.advance(55 * time.Second)
	if got := f.receiveN("q", 10); len(got) != 1 || got[0].Body != "queue delay" {
		t.Fatalf("after 60 s: %+v", got)
	}
}

func TestRetention(t *testing.T) {
	f := newFixture(t)
	f.create("q", map[string]string{"MessageRetentionPeriod": "60"})
	f.send("q", "old")
	f.advance(30 * time.Second)
	f.send("q", "newer")
	f.receiveN("q", 1) // "old" in flight
	f.advance(30 * time.Second)
	// "old" expired while in flight, "newer" is 30 s old.
	got := f.receiveN("q", 10)
	if len(got) != 1 || got[0].Body != "newer" {
		t.Fatalf("after 60 s: %+v", got)
	}
	f.svc.sweep()
	if n := f.storedRows("q"); n != 1 {
		t.Fatalf("%d rows after the sweep, want 1", n)
	}
	if c := f.counts("q"); c != [3]int{0, 1, 0} {
		t.Fatalf("counts after the sweep: %v", c)
	}
	f.advance(time.Minute)
	f.svc.sweep()
	if n := f.storedRows("q"); n != 0 || f.counts("q") != [3]int{} {
		t.Fatalf("%d rows, counts %v after everything expired", n, f.counts("q"))
	}
}

func TestDeadLetterQueue(t *testing.T) {
	f := newFixture(t)
	f.create("dlq", nil)
	f.create("work", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":2}`})
	sent, err := f.svc.SendMessage(f.ctx, "work", SendInput{Body: "poison",
		MessageAttributes: map[string]MessageAttribute{"k": {DataType: "String", StringValue: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		got := f.receiveN("work", 1)
		if len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != strconv.Itoa(i) {
			t.Fatalf("receive %d: %+v", i, got)
		}
		f.advance(30 * time.Second)
	}
	// The receive that would exceed maxReceiveCount moves it instead.
	if got := f.receiveN("work", 1); len(got) != 0 {
		t.Fatalf("third receive delivered %+v", got)
	}
	if c := f.counts("work"); c != [3]int{} {
		t.Fatalf("source counts: %v", c)
	}
	if c := f.counts("dlq"); c != [3]int{1, 0, 0} {
		t.Fatalf("DLQ counts: %v", c)
	}
	got := f.receiveN("dlq", 1)
	if len(got) != 1 || got[0].Body != "poison" || got[0].MessageID != sent.MessageID {
		t.Fatalf("DLQ receive: %+v", got)
	}
	m := got[0]
	if m.Attributes["DeadLetterQueueSourceArn"] != f.svc.ARN("work") || m.MessageAttributes["k"].StringValue != "v" ||
		m.MD5OfMessageAttributes != sent.MD5OfMessageAttributes {
		t.Fatalf("DLQ message: %+v", m)
	}
	if m.Attributes["SentTimestamp"] != strconv.FormatInt(epoch.UnixMilli(), 10) {
		t.Fatalf("standard DLQ must keep the send time: %v", m.Attributes)
	}
	src, err := f.svc.ListDeadLetterSourceQueues("dlq")
	if err != nil || len(src) != 1 || src[0] != "work" {
		t.Fatalf("ListDeadLetterSourceQueues: %v %v", src, err)
	}
	if n := f.storedRows("work"); n != 0 {
		t.Fatalf("%d rows left in the source", n)
	}
}

func TestRedriveAllowPolicyEnforced(t *testing.T) {
	f := newFixture(t)
	f.create("dlq", nil)
	f.create("src", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":1}`})
	// Denying later stops moves: the message keeps being delivered.
	if err := f.svc.SetQueueAttributes(f.ctx, "dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`}); err != nil {
		t.Fatal(err)
	}
	f.send("src", "m")
	f.receiveN("src", 1)
	f.advance(30 * time.Second)
	if got := f.receiveN("src", 1); len(got) != 1 {
		t.Fatal("message moved to a DLQ that denies it")
	}
	err := f.svc.SetQueueAttributes(f.ctx, "src", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":2}`})
	wantCode(t, err, InvalidParameterValue)
}

func TestMessageMoveTask(t *testing.T) {
	f := newFixture(t)
	f.create("dlq", nil)
	f.create("a", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":1}`})
	f.create("b", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":1}`})
	f.create("elsewhere", nil)
	for _, q := range []string{"a", "a", "b"} {
		f.send(q, "from "+q)
		f.receiveN(q, 1)
	}
	f.advance(30 * time.Second)
	f.receiveN("a", 10)
	f.receiveN("b", 10)
	if c := f.counts("dlq"); c[0] != 3 {
		t.Fatalf("DLQ holds %v", c)
	}

	_, err := f.svc.StartMessageMoveTask(f.ctx, f.svc.ARN("a"), "", 0)
	wantCode(t, err, InvalidParameterValue) // not a DLQ
	_, err = f.svc.StartMessageMoveTask(f.ctx, f.svc.ARN("none"), "", 0)
	wantCode(t, err, ResourceNotFound)
	_, err = f.svc.StartMessageMoveTask(f.ctx, f.svc.ARN("dlq"), f.svc.ARN("none"), 0)
	wantCode(t, err, ResourceNotFound)
	_, err = f.svc.StartMessageMoveTask(f.ctx, f.svc.ARN("dlq"), "", 501)
	wantCode(t, err, InvalidParameterValue)

	handle, err := f.svc.StartMessageMoveTask(f.ctx, f.svc.ARN("dlq"), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	waitTask(t, f, "dlq", "COMPLETED")
	tasks, _ := f.svc.ListMessageMoveTasks(f.svc.ARN("dlq"), 10)
	if tasks[0].ApproximateNumberOfMessagesMoved != 3 || tasks[0].ApproximateNumberOfMessagesToMove != 3 || tasks[0].TaskHandle != handle {
		t.Fatalf("task: %+v", tasks[0])
	}
	if c := f.counts("a"); c[0] != 2 {
		t.Fatalf("a holds %v after the move", c)
	}
	back := f.receiveN("b", 10)
	if len(back) != 1 || back[0].Body != "from b" || back[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("moved back to b: %+v", back)
	}
	if _, ok := back[0].Attributes["DeadLetterQueueSourceArn"]; ok {
		t.Fatal("a redriven message still names a DLQ source")
	}
	_, err = f.svc.CancelMessageMoveTask(f.ctx, handle)
	wantCode(t, err, InvalidParameterValue) // not running
	_, err = f.svc.CancelMessageMoveTask(f.ctx, "%%%")
	wantCode(t, err, InvalidParameterValue)
	_, err = f.svc.ListMessageMoveTasks(f.svc.ARN("dlq"), 11)
	wantCode(t, err, InvalidParameterValue)

	// A rate-limited task to an explicit destination, cancelled midway.
	for range 5 {
		f.send("dlq", "direct")
	}
	handle, err = f.svc.StartMessageMoveTask(f.ctx, f.svc.ARN("dlq"), f.svc.ARN("elsewhere"), 2)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.StartMessageMoveTask(f.ctx, f.svc.ARN("dlq"), "", 0)
	wantCode(t, err, InvalidParameterValue) // one running task per source
	eventually(t, "the first batch", func() bool { return f.counts("elsewhere")[0] == 2 })
	if f.counts("elsewhere")[0] != 2 {
		t.Fatal("more than the rate moved before a second passed")
	}
	eventually(t, "the second batch", func() bool {
		if f.counts("elsewhere")[0] == 2 {
			f.advance(100 * time.Millisecond) // until the task's one-second pause ends
		}
		return f.counts("elsewhere")[0] == 4
	})
	moved, err := f.svc.CancelMessageMoveTask(f.ctx, handle)
	if err != nil || moved != 4 {
		t.Fatalf("cancel: %d %v", moved, err)
	}
	tasks, _ = f.svc.ListMessageMoveTasks(f.svc.ARN("dlq"), 10)
	if len(tasks) != 2 || tasks[0].Status != "CANCELLED" || tasks[0].DestinationArn != f.svc.ARN("elsewhere") ||
		tasks[0].MaxNumberOfMessagesPerSecond != 2 || tasks[1].Status != "COMPLETED" {
		t.Fatalf("tasks: %+v", tasks)
	}
	if c := f.counts("dlq"); c[0] != 1 {
		t.Fatalf("DLQ holds %v after the cancelled task", c)
	}
}

// waitTask waits until the newest move task of a source has the status.
func waitTask(t *testing.T, f *fixture, source, status string) {
	t.Helper()
	eventually(t, "move task "+status, func() bool {
		tasks, err := f.svc.ListMessageMoveTasks(f.svc.ARN(source), 1)
		return err == nil && len(tasks) == 1 && tasks[0].Status == status
	})
}

func TestPurgeOncePerMinute(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	for i := range 5 {
		f.send("q", strconv.Itoa(i))
	}
	f.receiveN("q", 2)
	if err := f.svc.PurgeQueue(f.ctx, "q"); err != nil {
		t.Fatal(err)
	}
	if c := f.counts("q"); c != [3]int{} {
		t.Fatalf("counts after purge: %v", c)
	}
	f.send("q", "after")
	wantCode(t, f.svc.PurgeQueue(f.ctx, "q"), PurgeQueueInProgress)
	f.advance(59 * time.Second)
	wantCode(t, f.svc.PurgeQueue(f.ctx, "q"), PurgeQueueInProgress)
	got := f.receiveN("q", 10)
	if len(got) != 1 || got[0].Body != "after" {
		t.Fatalf("after purge: %+v", got)
	}
	f.svc.sweep()
	if n := f.storedRows("q"); n != 1 {
		t.Fatalf("%d rows after purge cleanup, want 1", n)
	}
	f.advance(time.Second)
	if err := f.svc.PurgeQueue(f.ctx, "q"); err != nil {
		t.Fatalf("purge after 60 s: %v", err)
	}
	wantCode(t, f.svc.PurgeQueue(f.ctx, "none"), QueueDoesNotExist)
}

func TestFairQueueSpreadsGroups(t *testing.T) {
	f := newFixture(t)
	f.create("fair", nil)
	send := func(group string, n int) {
		for i := range n {
			if _, err := f.svc.SendMessage(f.ctx, "fair", SendInput{Body: fmt.Sprintf("%s-%d", group, i), MessageGroupID: group}); err != nil {
				t.Fatal(err)
			}
		}
	}
	send("noisy", 100)
	send("quiet-1", 3)
	send("quiet-2", 3)
	got := f.receiveN("fair", 6)
	seen := map[string]int{}
	for _, m := range got {
		seen[strings.Split(m.Body, "-")[0]]++
		if m.Attributes["MessageGroupId"] == "" {
			t.Fatalf("fair queue message without MessageGroupId: %+v", m.Attributes)
		}
	}
	if seen["noisy"] != 2 || seen["quiet"] != 4 {
		t.Fatalf("first 6 messages by group: %v (%d)", seen, len(got))
	}
	// No ordering or blocking: a group with messages in flight still delivers.
	if got := f.receiveN("fair", 10); len(got) != 10 {
		t.Fatalf("second receive got %d", len(got))
	}
}

func TestPeekLeavesVisibility(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	f.send("q", "a")
	f.send("q", "b")
	f.send("q", "c")
	inflight := f.receiveN("q", 1)[0]
	peeked, err := f.svc.Peek("q", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(peeked) != 2 || peeked[0].ReceiptHandle != "" || peeked[0].Attributes["ApproximateReceiveCount"] != "0" {
		t.Fatalf("peek: %+v", peeked)
	}
	for _, m := range peeked {
		if m.MessageID == inflight.MessageID {
			t.Fatal("peek returned an in-flight message")
		}
	}
	if _, err := f.svc.Peek("q", 10); err != nil {
		t.Fatal(err)
	}
	if c := f.counts("q"); c != [3]int{2, 1, 0} {
		t.Fatalf("counts after peek: %v", c)
	}
	got := f.receiveN("q", 10)
	if len(got) != 2 || got[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("receive after peek: %+v", got)
	}
	_, err = f.svc.Peek("none", 1)
	wantCode(t, err, QueueDoesNotExist)
}

func TestSystemAndMessageAttributes(t *testing.T) {
	f := newFixture(t)
	f.create("q", nil)
	f.createFIFO("q.fifo", nil)
	attrs := map[string]MessageAttribute{
		"color.a": {DataType: "String", StringValue: "red"},
		"color.b": {DataType: "String", StringValue: "blue"},
		"colour":  {DataType: "String", StringValue: "green"},
		"size":    {DataType: "Number", StringValue: "3"},
		"blob":    {DataType: "Binary", BinaryValue: []byte{1, 2, 3}},
	}
	trace := map[string]MessageAttribute{"AWSTraceHeader": {DataType: "String", StringValue: "Root=1-abc"}}
	sent, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: "b", MessageAttributes: attrs, MessageSystemAttributes: trace})
	if err != nil {
		t.Fatal(err)
	}
	if sent.MD5OfMessageAttributes != md5OfAttributes(attrs) || sent.MD5OfMessageSystemAttributes != md5OfAttributes(trace) || sent.SequenceNumber != "" {
		t.Fatalf("send result: %+v", sent)
	}
	got := f.receive("q", ReceiveInput{AttributeNames: []string{"SenderId", "AWSTraceHeader"}, MessageAttributeNames: []string{"color.*", "size"}})
	m := got[0]
	if len(m.Attributes) != 2 || m.Attributes["SenderId"] != "000000000000" || m.Attributes["AWSTraceHeader"] != "Root=1-abc" {
		t.Fatalf("system attributes: %v", m.Attributes)
	}
	if len(m.MessageAttributes) != 3 || m.MessageAttributes["blob"].DataType != "" || m.MessageAttributes["colour"].DataType != "" {
		t.Fatalf("selected attributes: %v", m.MessageAttributes)
	}
	want := map[string]MessageAttribute{"color.a": attrs["color.a"], "color.b": attrs["color.b"], "size": attrs["size"]}
	if m.MD5OfMessageAttributes != md5OfAttributes(want) {
		t.Fatal("MD5OfMessageAttributes must cover the returned attributes")
	}

	r1 := f.sendFIFO("q.fifo", "g", "d1", "one")
	r2 := f.sendFIFO("q.fifo", "g", "d2", "two")
	if len(r1.SequenceNumber) != 20 || r2.SequenceNumber <= r1.SequenceNumber {
		t.Fatalf("sequence numbers %q then %q", r1.SequenceNumber, r2.SequenceNumber)
	}
	fm := f.receiveN("q.fifo", 2)
	if fm[0].Attributes["SequenceNumber"] != r1.SequenceNumber || fm[0].Attributes["MessageGroupId"] != "g" ||
		fm[0].Attributes["MessageDeduplicationId"] != "d1" || fm[1].Attributes["SequenceNumber"] != r2.SequenceNumber {
		t.Fatalf("FIFO attributes: %v / %v", fm[0].Attributes, fm[1].Attributes)
	}
}

func TestReceiveRequestAttemptID(t *testing.T) {
	f := newFixture(t)
	f.createFIFO("q.fifo", nil)
	for i := range 4 {
		f.sendFIFO("q.fifo", "g", strconv.Itoa(i), strconv.Itoa(i))
	}
	in := ReceiveInput{MaxNumberOfMessages: 2, ReceiveRequestAttemptID: "attempt-1", WaitTimeSeconds: intp(0)}
	first := f.receive("q.fifo", in)
	f.advance(20 * time.Second)
	retry := f.receive("q.fifo", in)
	if len(first) != 2 || len(retry) != 2 || retry[0].ReceiptHandle != first[0].ReceiptHandle || retry[1].Body != first[1].Body {
		t.Fatalf("retry returned %+v, first %+v", retry, first)
	}
	// The retry restarted the visibility timeout.
	f.advance(20 * time.Second)
	if got := f.receive("q.fifo", ReceiveInput{MaxNumberOfMessages: 10}); len(got) != 0 {
		t.Fatal("group delivered while the retried messages are in flight")
	}
	// Once a message is deleted the attempt is spent: a new receive.
	f.del("q.fifo", first[0])
	f.del("q.fifo", first[1])
	next := f.receive("q.fifo", in)
	if len(next) != 2 || next[0].Body != "2" {
		t.Fatalf("after deleting: %+v", next)
	}
}

func TestListQueuesPaging(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"b", "a2", "a1", "c", "a3"} {
		f.create(n, nil)
	}
	names, next, err := f.svc.ListQueues("", 0, "")
	if err != nil || strings.Join(names, ",") != "a1,a2,a3,b,c" || next != "" {
		t.Fatalf("all: %v %q %v", names, next, err)
	}
	names, next, _ = f.svc.ListQueues("a", 2, "")
	if strings.Join(names, ",") != "a1,a2" || next == "" {
		t.Fatalf("page 1: %v %q", names, next)
	}
	names, next, _ = f.svc.ListQueues("a", 2, next)
	if strings.Join(names, ",") != "a3" || next != "" {
		t.Fatalf("page 2: %v %q", names, next)
	}
	_, _, err = f.svc.ListQueues("", 2, "!!")
	wantCode(t, err, InvalidParameterValue)
}

func TestDeleteQueue(t *testing.T) {
	f := newFileFixture(t)
	f.create("q", nil)
	f.send("q", "x")
	done := make(chan []Message, 1)
	go func() {
		msgs, _ := f.svc.ReceiveMessage(f.ctx, "q", ReceiveInput{WaitTimeSeconds: intp(20), MaxNumberOfMessages: 10})
		done <- msgs
	}()
	<-done // got "x"
	go func() {
		msgs, _ := f.svc.ReceiveMessage(f.ctx, "q", ReceiveInput{WaitTimeSeconds: intp(20)})
		done <- msgs
	}()
	eventually(t, "the receive to wait", func() bool { return f.waiting("q") })
	if err := f.svc.DeleteQueue(f.ctx, "q"); err != nil {
		t.Fatal(err)
	}
	select {
	case msgs := <-done:
		if len(msgs) != 0 {
			t.Fatalf("receive on a deleted queue: %+v", msgs)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll outlived its queue")
	}
	wantCode(t, f.svc.DeleteQueue(f.ctx, "q"), QueueDoesNotExist)
	_, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: "x"})
	wantCode(t, err, QueueDoesNotExist)
	f.svc.sweep()
	var n int
	f.st.DB().QueryRow(`SELECT count(*) FROM queue_messages`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d rows left after deleting the queue", n)
	}
	// Recreated, it is a new queue.
	f.create("q", nil)
	if c := f.counts("q"); c != [3]int{} {
		t.Fatalf("recreated queue has %v", c)
	}
}

func TestQuotaEmulation(t *testing.T) {
	f := newFixture(t)
	f.close()
	f.open()
	f.svc.cfg.QuotaEmulation = true
	f.createFIFO("q.fifo", map[string]string{"ContentBasedDeduplication": "true"})
	f.create("std", nil)
	var throttled error
	for i := range 301 {
		_, err := f.svc.SendMessage(f.ctx, "q.fifo", SendInput{Body: strconv.Itoa(i), MessageGroupID: "g"})
		if err != nil {
			throttled = err
			break
		}
	}
	wantCode(t, throttled, RequestThrottled)
	f.advance(time.Second)
	if _, err := f.svc.SendMessage(f.ctx, "q.fifo", SendInput{Body: "later", MessageGroupID: "g"}); err != nil {
		t.Fatalf("after a second: %v", err)
	}
	for i := range 400 {
		if _, err := f.svc.SendMessage(f.ctx, "std", SendInput{Body: strconv.Itoa(i)}); err != nil {
			t.Fatalf("standard queue throttled: %v", err)
		}
	}
}

func TestEventsAndMetrics(t *testing.T) {
	f := newFixture(t)
	sub := f.bus.Subscribe(64)
	defer sub.Close()
	f.create("q", nil)
	f.send("q", "m")
	m := f.receiveN("q", 1)[0]
	f.del("q", m)
	f.receiveN("q", 1)
	var kinds []string
	for len(sub.C) > 0 {
		e := <-sub.C
		if e.Service != "queue" || e.Resource != "q" {
			t.Fatalf("event %+v", e)
		}
		kinds = append(kinds, string(e.Kind))
	}
	if strings.Join(kinds, " ") != "resource.created message.sent message.received message.deleted" {
		t.Fatalf("events: %v", kinds)
	}
	var b strings.Builder
	f.reg.WritePrometheus(&b)
	for _, line := range []string{
		`skyport_sqs_number_of_messages_sent_total{queue="q"} 1`,
		`skyport_sqs_number_of_messages_received_total{queue="q"} 1`,
		`skyport_sqs_number_of_messages_deleted_total{queue="q"} 1`,
		`skyport_sqs_number_of_empty_receives_total{queue="q"} 1`,
		`skyport_sqs_approximate_number_of_messages_visible{queue="q"} 0`,
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("metrics lack %s", line)
		}
	}
	if err := f.svc.DeleteQueue(f.ctx, "q"); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	f.reg.WritePrometheus(&b)
	if strings.Contains(b.String(), `queue="q"`) {
		t.Fatal("metrics of a deleted queue remain")
	}
}

func TestListSummaries(t *testing.T) {
	f := newFixture(t)
	f.create("dlq", nil)
	f.create("main", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":3}`})
	f.send("main", "a")
	f.send("main", "b")
	f.receiveN("main", 1)
	f.advance(10 * time.Second)
	list := f.svc.List()
	if len(list) != 2 || list[0].Name != "dlq" || list[1].Name != "main" {
		t.Fatalf("list: %+v", list)
	}
	s := list[1]
	if s.Visible != 1 || s.InFlight != 1 || s.DeadLetter != "dlq" || s.OldestAge != 10*time.Second || s.ARN != f.svc.ARN("main") {
		t.Fatalf("summary: %+v", s)
	}
}

// A message can be held by more than one record (the body cache fills
// asynchronously; read-ahead windows keep their own copies), and a receive
// sets the first receive time only on the one it used. A later receive
// through another copy still reports the stored time, not its own.
func TestFirstReceiveTimeSurvivesAStaleRecord(t *testing.T) {
	f := newFixture(t)
	f.create("q", map[string]string{"VisibilityTimeout": "1"})
	f.send("q", "hello")
	first := f.receiveN("q", 1)[0]
	rcpt, err := f.svc.handles.decode(first.ReceiptHandle)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := f.svc.readRecords([]int64{rcpt.msgID})
	if err != nil || recs[rcpt.msgID] == nil {
		t.Fatalf("read back: %v %v", recs, err)
	}
	stale := recs[rcpt.msgID]
	stale.firstRecv.Store(0) // as a copy read before the first receive committed
	f.svc.cache.Set(uint64(rcpt.msgID), stale, stale.cost())
	f.svc.cache.Wait()
	f.advance(5 * time.Second)
	second := f.receiveN("q", 1)
	if len(second) != 1 || second[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("second receive: %+v", second)
	}
	want := strconv.FormatInt(epoch.UnixMilli(), 10)
	if got := second[0].Attributes["ApproximateFirstReceiveTimestamp"]; got != want {
		t.Fatalf("first receive timestamp %s, want %s", got, want)
	}
	// Peeking through a stale copy reports it too.
	stale.firstRecv.Store(0)
	f.advance(5 * time.Second)
	peeked, err := f.svc.Peek("q", 1)
	if err != nil || len(peeked) != 1 {
		t.Fatalf("peek: %v %v", peeked, err)
	}
	if got := peeked[0].Attributes["ApproximateFirstReceiveTimestamp"]; got != want {
		t.Fatalf("peeked first receive timestamp %s, want %s", got, want)
	}
}
