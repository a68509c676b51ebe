package queue

import (
	"strconv"
	"testing"
	"time"
)

// A batch of 25 messages is stored by batched statements (10 rows each):
// every entry keeps its own body and message id, in order, across a
// restart; a receive of 10 records every receive count and its deadline
// in one statement; a visibility batch with two timeouts and a delete
// batch change exactly their rows.
func TestBatchedRowStatements(t *testing.T) {
	f := newFileFixture(t)
	f.create("rows", map[string]string{"VisibilityTimeout": "30"})
	want := map[string]string{} // message id → body
	var order []string
	for b := 0; b < 3; b++ {
		n := 10
		if b == 2 {
			n = 5
		}
		entries := make([]SendBatchEntry, n)
		for i := range entries {
			body := "body-" + strconv.Itoa(b*10+i)
			entries[i] = SendBatchEntry{ID: "e" + strconv.Itoa(i), SendInput: SendInput{Body: body}}
		}
		res, err := f.svc.SendMessageBatch(f.ctx, "rows", entries)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("entry %s: %v", r.ID, r.Err)
			}
			want[r.Result.MessageID] = entries[i].Body
			order = append(order, entries[i].Body)
		}
	}
	f.restart()

	all := []string{"All"}
	first := f.receive("rows", ReceiveInput{MaxNumberOfMessages: 10, AttributeNames: all})
	second := f.receive("rows", ReceiveInput{MaxNumberOfMessages: 10, AttributeNames: all})
	third := f.receive("rows", ReceiveInput{MaxNumberOfMessages: 10, AttributeNames: all})
	got := append(append(append([]Message{}, first...), second...), third...)
	if len(got) != 25 {
		t.Fatalf("received %d messages, want 25", len(got))
	}
	for i, m := range got {
		if want[m.MessageID] != m.Body {
			t.Fatalf("message %s has body %q, sent as %q", m.MessageID, m.Body, want[m.MessageID])
		}
		if m.Body != order[i] {
			t.Fatalf("message %d is %q, want %q (send order)", i, m.Body, order[i])
		}
		if m.Attributes["ApproximateReceiveCount"] != "1" {
			t.Fatalf("receive count %q, want 1", m.Attributes["ApproximateReceiveCount"])
		}
	}

	// Visibility: five messages of the first receive get 0 s (back now),
	// five get 600 s; deleting the second receive's ten leaves 15.
	vis := make([]VisibilityBatchEntry, 10)
	for i, m := range first {
		vis[i] = VisibilityBatchEntry{ID: strconv.Itoa(i), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 600}
		if i < 5 {
			vis[i].VisibilityTimeout = 0
		}
	}
	res, err := f.svc.ChangeMessageVisibilityBatch(f.ctx, "rows", vis)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("visibility %s: %v", r.ID, r.Err)
		}
	}
	del := make([]DeleteBatchEntry, len(second))
	for i, m := range second {
		del[i] = DeleteBatchEntry{ID: strconv.Itoa(i), ReceiptHandle: m.ReceiptHandle}
	}
	dres, err := f.svc.DeleteMessageBatch(f.ctx, "rows", del)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range dres {
		if r.Err != nil {
			t.Fatalf("delete %s: %v", r.ID, r.Err)
		}
	}
	f.restart()

	// After the restart: the five released messages are visible with a
	// receive count of 1; 31 s later the third receive's five are back
	// (30 s default), the other five of the first receive are not (600 s).
	again := f.receive("rows", ReceiveInput{MaxNumberOfMessages: 10, AttributeNames: all})
	if len(again) != 5 {
		t.Fatalf("after restart %d visible, want the 5 released", len(again))
	}
	for i, m := range again {
		if m.Body != order[i] || m.Attributes["ApproximateReceiveCount"] != "2" {
			t.Fatalf("released message %d: %q with receive count %s, want %q and 2", i, m.Body,
				m.Attributes["ApproximateReceiveCount"], order[i])
		}
	}
	f.advance(31 * time.Second)
	later := f.receive("rows", ReceiveInput{MaxNumberOfMessages: 10, AttributeNames: all})
	bodies := map[string]bool{}
	for _, m := range later {
		bodies[m.Body] = true
	}
	for _, m := range third {
		if !bodies[m.Body] {
			t.Fatalf("%q of the third receive is not back after its 30 s", m.Body)
		}
	}
	for _, m := range first[5:] {
		if bodies[m.Body] {
			t.Fatalf("%q came back before its 600 s", m.Body)
		}
	}
	for _, m := range second {
		if bodies[m.Body] {
			t.Fatalf("deleted %q came back", m.Body)
		}
	}
	if len(later) != 10 { // the third's 5 and the 5 released ones, received 31 s ago
		t.Fatalf("31 s later %d visible, want 10", len(later))
	}
}
