package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core/queue"
	"github.com/skyport-dev/skyport/core/stream"
	"github.com/skyport-dev/skyport/widgets"
)

// queueBrowser looks into one queue: peek (nothing changes), receive (the
// messages become in flight, their receipt handles kept for Delete),
// delete, purge and, for a dead-letter queue, move the messages back to
// their source queues.
type queueBrowser struct {
	ac       actionContext
	table    *widgets.MessageTable
	detail   *widget.Entry
	status   *widget.Label
	peek     *widget.Button
	receive  *widget.Button
	del      *widget.Button
	purge    *widget.Button
	moveBack *widget.Button
	content  fyne.CanvasObject

	handles map[string]string // message ID → receipt handle of received messages
	msgs    map[string]queue.Message
}

func newQueueBrowser(ac actionContext) *queueBrowser {
	b := &queueBrowser{ac: ac, table: widgets.NewMessageTable(), detail: widget.NewMultiLineEntry(),
		status: widget.NewLabel(""), handles: map[string]string{}, msgs: map[string]queue.Message{}}
	b.detail.TextStyle = fyne.TextStyle{Monospace: true}
	b.detail.Wrapping = fyne.TextWrapBreak
	b.status.Wrapping = fyne.TextWrapWord
	b.peek = widget.NewButtonWithIcon("Peek", theme.VisibilityIcon(), func() { b.doPeek() })
	b.receive = widget.NewButtonWithIcon("Receive", theme.DownloadIcon(), func() { b.doReceive() })
	b.del = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { b.deleteSelected() })
	b.purge = widget.NewButtonWithIcon("Purge", theme.ContentClearIcon(), func() {
		confirmDelete(ac.win, "every message in "+ac.name, func() error {
			return ac.core.Queues().PurgeQueue(context.Background(), ac.name)
		}, func(err error) { b.after("purged "+ac.name, err) })
	})
	b.purge.Importance = widget.DangerImportance
	b.moveBack = widget.NewButtonWithIcon("Move back to source", theme.MailReplyIcon(), func() { b.startMoveBack() })
	b.del.Disable()
	if srcs, _ := ac.core.Queues().ListDeadLetterSourceQueues(ac.name); len(srcs) == 0 {
		b.moveBack.Disable()
	}
	b.table.OnSelected = b.selected
	bar := container.NewHBox(b.peek, b.receive, b.del, b.purge, b.moveBack)
	split := container.NewVSplit(b.table, b.detail)
	split.SetOffset(0.65)
	b.content = container.NewBorder(container.NewVBox(bar, b.status), nil, nil, nil, split)
	b.doPeek()
	return b
}

// browserMessage maps a queue message to a table row.
func browserMessage(m queue.Message) widgets.Message {
	row := widgets.Message{ID: m.MessageID, Body: m.Body, Group: m.Attributes["MessageGroupId"]}
	if ms, err := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64); err == nil {
		row.Sent = time.UnixMilli(ms)
	}
	row.Receives, _ = strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	return row
}

func (b *queueBrowser) show(msgs []queue.Message) {
	rows := make([]widgets.Message, 0, len(msgs))
	b.msgs = map[string]queue.Message{}
	for _, m := range msgs {
		rows = append(rows, browserMessage(m))
		b.msgs[m.MessageID] = m
	}
	b.table.SetMessages(rows)
}

func (b *queueBrowser) doPeek() error {
	msgs, err := b.ac.core.Queues().Peek(b.ac.name, 100)
	if err != nil {
		b.status.SetText(errorInWords(err))
		return err
	}
	b.show(msgs)
	b.handles = map[string]string{}
	b.del.Disable()
	status := fmt.Sprintf("%s visible (peeked: nothing changed)", plural(len(msgs), "message"))
	if !b.moveBack.Disabled() {
		status += " · " + b.moveStatus()
	}
	b.status.SetText(status)
	return nil
}

func (b *queueBrowser) doReceive() error {
	wait := 0
	msgs, err := b.ac.core.Queues().ReceiveMessage(context.Background(), b.ac.name, queue.ReceiveInput{MaxNumberOfMessages: 10,
		WaitTimeSeconds: &wait, AttributeNames: []string{"All"}, MessageAttributeNames: []string{"All"}})
	if err != nil {
		b.status.SetText(errorInWords(err))
		return err
	}
	b.show(msgs)
	b.handles = map[string]string{}
	for _, m := range msgs {
		b.handles[m.MessageID] = m.ReceiptHandle
	}
	b.status.SetText(fmt.Sprintf("received %s: in flight until their visibility timeout ends", plural(len(msgs), "message")))
	b.ac.notifyChanged()
	return nil
}

func (b *queueBrowser) selected(m widgets.Message) {
	qm := b.msgs[m.ID]
	var sb strings.Builder
	sb.WriteString(qm.Body)
	keys := make([]string, 0, len(qm.MessageAttributes))
	for k := range qm.MessageAttributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		sb.WriteString("\n\n— attributes —")
	}
	for _, k := range keys {
		a := qm.MessageAttributes[k]
		fmt.Fprintf(&sb, "\n%s (%s): %s", k, a.DataType, a.StringValue)
	}
	b.detail.SetText(sb.String())
	if _, ok := b.handles[m.ID]; ok {
		b.del.Enable()
	} else {
		b.del.Disable()
	}
}

func (b *queueBrowser) deleteSelected() error {
	m, ok := b.table.Selected()
	h := b.handles[m.ID]
	if !ok || h == "" {
		err := errors.New("receive a message before deleting it: peeked messages have no receipt handle")
		b.status.SetText(err.Error())
		return err
	}
	err := b.ac.core.Queues().DeleteMessage(context.Background(), b.ac.name, h)
	if err == nil {
		delete(b.handles, m.ID)
		rows := b.table.Rows()
		kept := rows[:0]
		for _, r := range rows {
			if r.ID != m.ID {
				kept = append(kept, r)
			}
		}
		b.table.SetMessages(kept)
		b.del.Disable()
	}
	b.after("deleted message "+m.ID, err)
	return err
}

// startMoveBack starts a message-move task that returns the dead-letter
// queue's messages to the queues they came from.
func (b *queueBrowser) startMoveBack() error {
	qs := b.ac.core.Queues()
	arn := qs.ARN(b.ac.name)
	_, err := qs.StartMessageMoveTask(context.Background(), arn, "", 0)
	if err != nil {
		b.status.SetText(errorInWords(err))
		return err
	}
	b.status.SetText("moving messages back to their source queues")
	return nil
}

// moveStatus describes the newest move task of the queue.
func (b *queueBrowser) moveStatus() string {
	qs := b.ac.core.Queues()
	tasks, err := qs.ListMessageMoveTasks(qs.ARN(b.ac.name), 1)
	if err != nil || len(tasks) == 0 {
		return "no move task"
	}
	t := tasks[0]
	return fmt.Sprintf("move task %s: %d moved", t.Status, t.ApproximateNumberOfMessagesMoved)
}

func (b *queueBrowser) after(what string, err error) {
	if err != nil {
		b.status.SetText(errorInWords(err))
		return
	}
	b.status.SetText(what)
	b.ac.notifyChanged()
}

// openQueueBrowser opens the message browser of queue ac.name in a tab
// (ac.openTab) or a window of its own.
func openQueueBrowser(ac actionContext) *queueBrowser {
	b := newQueueBrowser(ac)
	openBrowser(ac, "Messages · "+ac.name, b.content)
	return b
}

func openBrowser(ac actionContext, title string, content fyne.CanvasObject) {
	if ac.openTab != nil {
		ac.openTab(container.NewTabItemWithIcon(title, theme.ListIcon(), content))
		return
	}
	if a := fyne.CurrentApp(); a != nil && ac.win != nil {
		w := a.NewWindow(title)
		w.SetContent(content)
		w.Resize(fyne.NewSize(900, 600))
		w.Show()
	}
}

// iteratorTypes are the ways to start reading a shard.
var iteratorTypes = []string{stream.TrimHorizon, stream.Latest, stream.AtSequenceNumber, stream.AfterSequenceNumber, stream.AtTimestamp}

// streamBrowser reads a stream's shard from a chosen position, page by
// page.
type streamBrowser struct {
	ac      actionContext
	form    *actionForm
	table   *widgets.MessageTable
	detail  *widget.Entry
	next    *widget.Button
	status  *widget.Label
	content fyne.CanvasObject

	iterator string // the next page's iterator, "" when none
	records  []stream.Record
}

func newStreamBrowser(ac actionContext) *streamBrowser {
	b := &streamBrowser{ac: ac, table: widgets.NewMessageTable(), detail: widget.NewMultiLineEntry(), status: widget.NewLabel("")}
	b.detail.TextStyle = fyne.TextStyle{Monospace: true}
	b.detail.Wrapping = fyne.TextWrapBreak
	d, _ := ac.core.Streams().Describe(ac.name)
	var ids []string
	for _, s := range d.Shards {
		ids = append(ids, s.ID)
	}
	shard := selectField("shard", "Shard", ids)
	itype := selectField("type", "Start at", iteratorTypes)
	seq := textField("sequence", "Sequence number", nil)
	at := textField("timestamp", "Timestamp", nil)
	at.input.(*widget.Entry).SetPlaceHolder(time.RFC3339)
	limit := textField("limit", "Limit", intIn(1, stream.MaxGetRecords, "records"))
	shard.check = func(s string) error {
		if s == "" {
			return errors.New("pick a shard")
		}
		return nil
	}
	seq.check = func(s string) error {
		if t := itype.get(); (t == stream.AtSequenceNumber || t == stream.AfterSequenceNumber) && strings.TrimSpace(s) == "" {
			return errors.New("required for " + t)
		}
		return nil
	}
	at.check = func(s string) error {
		if itype.get() != stream.AtTimestamp {
			return nil
		}
		if _, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err != nil {
			return errors.New("write a time as 2006-01-02T15:04:05Z")
		}
		return nil
	}
	b.form = newActionForm("Read shard", "Read", []*formField{shard, itype, seq, at, limit}, nil)
	if len(ids) > 0 {
		shard.set(ids[0])
	}
	itype.set(stream.TrimHorizon)
	limit.set("100")
	b.form.do = b.read
	b.next = widget.NewButtonWithIcon("Next page", theme.NavigateNextIcon(), func() { b.readNext() })
	b.next.Disable()
	b.table.OnSelected = func(m widgets.Message) {
		for _, r := range b.records {
			if r.SequenceNumber == m.ID {
				b.detail.SetText(string(r.Data))
			}
		}
	}
	split := container.NewVSplit(b.table, b.detail)
	split.SetOffset(0.65)
	top := container.NewVBox(b.form.box, container.NewHBox(layout.NewSpacer(), b.next), b.status)
	b.content = container.NewBorder(top, nil, nil, nil, split)
	return b
}

func (b *streamBrowser) read(v map[string]string) error {
	in := stream.IteratorInput{Stream: b.ac.name, ShardID: v["shard"], Type: v["type"], Sequence: strings.TrimSpace(v["sequence"])}
	if v["type"] == stream.AtTimestamp {
		in.At, _ = time.Parse(time.RFC3339, strings.TrimSpace(v["timestamp"]))
	}
	it, err := b.ac.core.Streams().GetShardIterator(context.Background(), in)
	if err != nil {
		return err
	}
	b.iterator = it
	b.records = nil
	return b.page()
}

func (b *streamBrowser) readNext() error {
	if b.iterator == "" {
		return errors.New("no next page")
	}
	err := b.page()
	if err != nil {
		b.status.SetText(errorInWords(err))
	}
	return err
}

// page reads one page from the current iterator and appends it.
func (b *streamBrowser) page() error {
	limit, _ := strconv.Atoi(b.form.field("limit").get())
	res, err := b.ac.core.Streams().GetRecords(context.Background(), b.iterator, limit)
	if err != nil {
		return err
	}
	b.iterator = res.NextIterator
	b.records = append(b.records, res.Records...)
	rows := make([]widgets.Message, len(b.records))
	for i, r := range b.records {
		rows[i] = widgets.Message{ID: r.SequenceNumber, Sent: r.Arrival, Group: r.PartitionKey, Body: string(r.Data)}
	}
	b.table.SetMessages(rows)
	b.status.SetText(fmt.Sprintf("%s read · %d ms behind latest", plural(len(b.records), "record"), res.MillisBehindLatest))
	if b.iterator != "" {
		b.next.Enable()
	} else {
		b.next.Disable()
	}
	return nil
}

// openStreamBrowser opens the record browser of stream ac.name in a tab
// (ac.openTab) or a window of its own.
func openStreamBrowser(ac actionContext) *streamBrowser {
	b := newStreamBrowser(ac)
	openBrowser(ac, "Records · "+ac.name, b.content)
	return b
}
