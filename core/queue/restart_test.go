package queue

import (
	"strconv"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/store"
)

// TestRestartKeepsEverything closes the service and the store and opens
// both again on the same file: nothing acknowledged is lost, in-flight
// messages stay in flight until their deadline (and their receipt handles
// keep working), deleted messages stay deleted, FIFO deduplication and
// sequence numbers carry on, and queue settings, tags and move tasks
// survive.
func TestRestartKeepsEverything(t *testing.T) {
	f := newFileFixture(t)
	f.create("dlq", nil)
	f.create("std", map[string]string{"VisibilityTimeout": "60", "RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":5}`})
	f.createFIFO("f.fifo", map[string]string{"VisibilityTimeout": "3600"})
	if err := f.svc.TagQueue(f.ctx, "std", map[string]string{"team": "core"}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		f.send("std", strconv.Itoa(i))
	}
	if _, err := f.svc.SendMessage(f.ctx, "std", SendInput{Body: "delayed", DelaySeconds: intp(120)}); err != nil {
		t.Fatal(err)
	}
	got := f.receiveN("std", 2) // 0 and 1 in flight
	f.del("std", got[0])        // 0 deleted
	inflight := got[1]
	first := f.sendFIFO("f.fifo", "g", "d1", "a")
	f.sendFIFO("f.fifo", "g", "d2", "b")
	fifoHeld := f.receiveN("f.fifo", 1)[0] // "a" in flight, blocks "b"
	if err := f.svc.PurgeQueue(f.ctx, "dlq"); err != nil {
		t.Fatal(err)
	}
	before := f.counts("std")

	f.advance(10 * time.Second)
	f.restart()

	if c := f.counts("std"); c != before {
		t.Fatalf("counts %v after restart, want %v", c, before)
	}
	attrs, _ := f.svc.GetQueueAttributes("std", []string{"VisibilityTimeout", "RedrivePolicy"})
	if attrs["VisibilityTimeout"] != "60" || attrs["RedrivePolicy"] == "" {
		t.Fatalf("attributes after restart: %v", attrs)
	}
	if tags, _ := f.svc.ListQueueTags("std"); tags["team"] != "core" {
		t.Fatalf("tags after restart: %v", tags)
	}
	if err := f.svc.PurgeQueue(f.ctx, "dlq"); err == nil {
		t.Fatal("purge interval forgotten across a restart")
	}
	// Visible ones come back, in-flight ones only after their deadline.
	vis := f.receiveN("std", 10)
	if len(vis) != 3 {
		t.Fatalf("visible after restart: %v", bodies(vis))
	}
	for _, m := range vis {
		if m.Body == "0" || m.Body == "1" {
			t.Fatalf("deleted or in-flight message delivered: %s", m.Body)
		}
		f.del("std", m)
	}
	// The receipt handle from before the restart still changes visibility.
	if err := f.svc.ChangeMessageVisibility(f.ctx, "std", inflight.ReceiptHandle, 70); err != nil {
		t.Fatalf("old handle after restart: %v", err)
	}
	f.advance(69 * time.Second)
	if len(f.receiveN("std", 10)) != 0 {
		t.Fatal("in-flight message visible early after restart")
	}
	f.advance(time.Second)
	again := f.receiveN("std", 10)
	if len(again) != 1 || again[0].Body != "1" || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("in-flight message after its deadline: %+v", again)
	}
	f.del("std", again[0])
	f.advance(time.Minute)
	if d := f.receiveN("std", 10); len(d) != 1 || d[0].Body != "delayed" {
		t.Fatalf("delayed message after restart: %v", bodies(d))
	}

	// FIFO: the group stays blocked until the held message is deleted,
	// with the handle from before the restart; dedup and sequence go on.
	if len(f.receiveN("f.fifo", 10)) != 0 {
		t.Fatal("FIFO group delivered while its message is in flight")
	}
	f.del("f.fifo", fifoHeld)
	b := f.receiveN("f.fifo", 10)
	if len(b) != 1 || b[0].Body != "b" {
		t.Fatalf("FIFO after restart: %v", bodies(b))
	}
	if dup := f.sendFIFO("f.fifo", "g", "d1", "again"); dup.MessageID != first.MessageID {
		t.Fatal("deduplication id forgotten across a restart")
	}
	if next := f.sendFIFO("f.fifo", "g", "d3", "c"); next.SequenceNumber <= b[0].Attributes["SequenceNumber"] {
		t.Fatalf("sequence number went back: %s after %s", next.SequenceNumber, b[0].Attributes["SequenceNumber"])
	}
}

// TestRestartResumesMoveTask stops the service while a rate-limited move
// task runs; the next Open resumes it where it stopped.
func TestRestartResumesMoveTask(t *testing.T) {
	f := newFileFixture(t)
	f.create("dlq", nil)
	f.create("src", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + f.svc.ARN("dlq") + `","maxReceiveCount":3}`})
	f.create("dst", nil)
	for i := range 5 {
		f.send("dlq", strconv.Itoa(i))
	}
	if _, err := f.svc.StartMessageMoveTask(f.ctx, f.svc.ARN("dlq"), f.svc.ARN("dst"), 2); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first batch", func() bool { return f.counts("dst")[0] == 2 })
	f.restart()
	tasks, _ := f.svc.ListMessageMoveTasks(f.svc.ARN("dlq"), 1)
	if len(tasks) != 1 || tasks[0].ApproximateNumberOfMessagesMoved < 2 {
		t.Fatalf("task after restart: %+v", tasks)
	}
	eventually(t, "the task to complete", func() bool {
		f.advance(time.Second) // the task waits a second of clock time between batches
		tasks, _ := f.svc.ListMessageMoveTasks(f.svc.ARN("dlq"), 1)
		return tasks[0].Status == "COMPLETED"
	})
	if c := f.counts("dst"); c[0] != 5 {
		t.Fatalf("dst holds %v", c)
	}
	tasks, _ = f.svc.ListMessageMoveTasks(f.svc.ARN("dlq"), 1)
	if tasks[0].ApproximateNumberOfMessagesMoved != 5 {
		t.Fatalf("task: %+v", tasks[0])
	}
}

// TestRestartForgetsExpiredDedup: a deduplication id older than five
// minutes at restart no longer blocks.
func TestRestartForgetsExpiredDedup(t *testing.T) {
	f := newFileFixture(t)
	f.createFIFO("q.fifo", nil)
	first := f.sendFIFO("q.fifo", "g", "d", "x")
	f.restart()
	if dup := f.sendFIFO("q.fifo", "g", "d", "y"); dup.MessageID != first.MessageID {
		t.Fatal("dedup lost on restart")
	}
	f.advance(5 * time.Minute)
	f.restart()
	if again := f.sendFIFO("q.fifo", "g", "d", "z"); again.MessageID == first.MessageID {
		t.Fatal("expired dedup id still blocks after restart")
	}
}

// A message read back from the store after a restart answers with the
// digests its send stored, not hashed again; a row from before digests
// were stored (NULL) is hashed when read, with the same result.
func TestRestartUsesStoredDigests(t *testing.T) {
	f := newFileFixture(t)
	f.create("q", nil)
	attrs := map[string]MessageAttribute{"k": {DataType: "String", StringValue: "v"}}
	for _, body := range []string{"kept", "legacy"} {
		if _, err := f.svc.SendMessage(f.ctx, "q", SendInput{Body: body, MessageAttributes: attrs}); err != nil {
			t.Fatal(err)
		}
	}
	const marker = "0123456789abcdef0123456789abcdef"
	err := f.st.Write(f.ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`UPDATE queue_messages SET md5_body = ? WHERE body = 'kept'`, marker); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE queue_messages SET md5_body = NULL, md5_attrs = NULL WHERE body = 'legacy'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.restart()
	got := f.receive("q", ReceiveInput{MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
	if len(got) != 2 {
		t.Fatalf("received %d messages", len(got))
	}
	want := md5OfAttributes(attrs)
	for _, m := range got {
		wantBody := md5Hex(m.Body)
		if m.Body == "kept" {
			wantBody = marker // the stored digest, not a new hash
		}
		if m.MD5OfBody != wantBody || m.MD5OfMessageAttributes != want {
			t.Errorf("%s: MD5OfBody %s (want %s), MD5OfMessageAttributes %s (want %s)", m.Body, m.MD5OfBody, wantBody, m.MD5OfMessageAttributes, want)
		}
	}
}

// One receive of messages with different receive counts stores each
// message's own count and keeps each one's first receive time: the
// counts and times survive a restart.
func TestReceiveStoresEachCount(t *testing.T) {
	f := newFileFixture(t)
	f.create("q", map[string]string{"VisibilityTimeout": "0"})
	f.send("q", "a")
	f.send("q", "b")
	f.receiveN("q", 2) // a and b at 1, visible again at once
	firstAB := f.clock.Now().UnixMilli()
	f.advance(time.Second)
	f.receiveN("q", 2) // a and b at 2
	f.send("q", "c")
	f.advance(time.Second)
	firstC := f.clock.Now().UnixMilli()
	if got := f.receive("q", ReceiveInput{MaxNumberOfMessages: 10, VisibilityTimeout: intp(60)}); len(got) != 3 {
		t.Fatalf("received %d of 3", len(got))
	}
	f.restart()
	f.advance(61 * time.Second)
	// The receive after the restart counts too: a and b at 4, c at 2.
	type state struct {
		rc    int
		first int64
	}
	want := map[string]state{"a": {4, firstAB}, "b": {4, firstAB}, "c": {2, firstC}}
	got := f.receiveN("q", 10)
	if len(got) != 3 {
		t.Fatalf("received %d of 3 after the restart", len(got))
	}
	for _, m := range got {
		w := want[m.Body]
		rc, first := m.Attributes["ApproximateReceiveCount"], m.Attributes["ApproximateFirstReceiveTimestamp"]
		if rc != strconv.Itoa(w.rc) || first != strconv.FormatInt(w.first, 10) {
			t.Errorf("%s after restart: receive count %s, first receive %s; want %d, %d", m.Body, rc, first, w.rc, w.first)
		}
	}
}
