package queue

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// Message move tasks (DLQ redrive) move the messages visible in a
// dead-letter queue when the task starts back to the queues they came from
// (or to a given queue) as new messages, at most MaxNumberOfMessagesPerSecond
// per second, in the background. Progress is written with every batch moved,
// so a restart resumes a running task where it stopped.

// Move task statuses.
const (
	taskRunning    = "RUNNING"
	taskCompleted  = "COMPLETED"
	taskCancelling = "CANCELLING"
	taskCancelled  = "CANCELLED"
	taskFailed     = "FAILED"
)

const (
	maxMoveRate      = 500
	defaultMoveBatch = 100 // messages per write when no rate is given
	maxTasksKept     = 10  // per source queue, as ListMessageMoveTasks returns at most 10
)

// moveTask is a task and its goroutine's controls. Its fields are guarded
// by Service.tasksMu.
type moveTask struct {
	MoveTask
	seq    int64
	cancel chan struct{}
	done   chan struct{}
}

// taskHandleBody is what a task handle encodes (as AWS's do).
type taskHandleBody struct {
	TaskID    string `json:"taskId"`
	SourceArn string `json:"sourceArn"`
}

// StartMessageMoveTask starts moving the messages of a dead-letter queue.
// An empty destination sends each message back to the queue it came from.
func (s *Service) StartMessageMoveTask(ctx context.Context, sourceARN, destinationARN string, maxPerSecond int) (string, error) {
	src := s.byARN(sourceARN)
	if src == nil {
		return "", errorf(ResourceNotFound, "The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	if !s.isDeadLetterQueue(src) {
		return "", errorf(InvalidParameterValue, "Source queue must be configured as a Dead Letter Queue.")
	}
	if destinationARN != "" && s.byARN(destinationARN) == nil {
		return "", errorf(ResourceNotFound, "The resource that you specified for the DestinationArn parameter doesn't exist.")
	}
	if maxPerSecond < 0 || maxPerSecond > maxMoveRate {
		return "", errorf(InvalidParameterValue, "Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. "+
			"Reason: You must enter a number that's between 1 and %d.", maxPerSecond, maxMoveRate)
	}
	visible, _, _ := src.counts()
	handleJSON, _ := json.Marshal(taskHandleBody{TaskID: newMessageID(), SourceArn: sourceARN})
	t := &moveTask{MoveTask: MoveTask{
		TaskHandle: base64.StdEncoding.EncodeToString(handleJSON), Status: taskRunning, SourceArn: sourceARN,
		DestinationArn: destinationARN, MaxNumberOfMessagesPerSecond: maxPerSecond,
		ApproximateNumberOfMessagesToMove: visible, StartedTimestamp: s.nowMS(),
	}, cancel: make(chan struct{}), done: make(chan struct{})}
	s.tasksMu.Lock()
	defer s.tasksMu.Unlock()
	for _, o := range s.tasks {
		if o.SourceArn == sourceARN && (o.Status == taskRunning || o.Status == taskCancelling) {
			return "", errorf(InvalidParameterValue, "There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	stale := s.oldTasks(sourceARN)
	qerr := s.write(ctx, func(tx *store.Tx) error {
		for _, h := range stale {
			if _, err := tx.Exec(`DELETE FROM queue_move_tasks WHERE handle = ?`, h); err != nil {
				return err
			}
		}
		return saveTask(tx, &t.MoveTask)
	})
	if qerr != nil {
		return "", qerr
	}
	for _, h := range stale {
		delete(s.tasks, h)
	}
	s.taskSeq++
	t.seq = s.taskSeq
	s.tasks[t.TaskHandle] = t
	s.startTask(t)
	s.emit(event.ResourceChanged, event.Info, src.name, "started moving messages out of "+src.name)
	return t.TaskHandle, nil
}

// oldTasks returns the finished tasks of a source beyond the newest ones
// kept. Callers hold tasksMu.
func (s *Service) oldTasks(sourceARN string) []string {
	var mine []*moveTask
	for _, t := range s.tasks {
		if t.SourceArn == sourceARN {
			mine = append(mine, t)
		}
	}
	if len(mine) < maxTasksKept {
		return nil
	}
	slices.SortFunc(mine, func(a, b *moveTask) int { return int(b.seq - a.seq) })
	var out []string
	for _, t := range mine[maxTasksKept-1:] {
		if t.Status != taskRunning && t.Status != taskCancelling {
			out = append(out, t.TaskHandle)
		}
	}
	return out
}

func saveTask(tx *store.Tx, t *MoveTask) error {
	_, err := tx.Exec(`INSERT OR REPLACE INTO queue_move_tasks(handle, source_arn, dest_arn, rate, status, moved, to_move, failure, started_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.TaskHandle, t.SourceArn, t.DestinationArn, t.MaxNumberOfMessagesPerSecond, t.Status,
		t.ApproximateNumberOfMessagesMoved, t.ApproximateNumberOfMessagesToMove, t.FailureReason, t.StartedTimestamp)
	return err
}

// isDeadLetterQueue reports whether some queue's RedrivePolicy targets q.
func (s *Service) isDeadLetterQueue(q *queue) bool {
	for _, o := range s.queues() {
		o.mu.Lock()
		is := o.conf.redrive != nil && o.conf.redrive.DeadLetterTargetArn == q.arn
		o.mu.Unlock()
		if is {
			return true
		}
	}
	return false
}

// ListMessageMoveTasks returns the most recent tasks of a source queue,
// newest first (max 1–10).
func (s *Service) ListMessageMoveTasks(sourceARN string, max int) ([]MoveTask, error) {
	if max == 0 {
		max = 1
	}
	if max < 1 || max > maxTasksKept {
		return nil, errorf(InvalidParameterValue, "Value %d for parameter MaxResults is invalid. "+
			"Reason: You must enter a number that's between 1 and 10.", max)
	}
	if s.byARN(sourceARN) == nil {
		return nil, errorf(ResourceNotFound, "The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	s.tasksMu.Lock()
	var mine []*moveTask
	for _, t := range s.tasks {
		if t.SourceArn == sourceARN {
			mine = append(mine, t)
		}
	}
	slices.SortFunc(mine, func(a, b *moveTask) int {
		if a.seq == b.seq {
			return 0
		}
		if a.seq > b.seq {
			return -1
		}
		return 1
	})
	out := make([]MoveTask, 0, min(max, len(mine)))
	for _, t := range mine[:min(max, len(mine))] {
		out = append(out, t.MoveTask)
	}
	s.tasksMu.Unlock()
	return out, nil
}

// CancelMessageMoveTask stops a running task and returns how many messages
// it had moved.
func (s *Service) CancelMessageMoveTask(ctx context.Context, taskHandle string) (int64, error) {
	var h taskHandleBody
	raw, err := base64.StdEncoding.DecodeString(taskHandle)
	if err != nil || json.Unmarshal(raw, &h) != nil || h.TaskID == "" || h.SourceArn == "" {
		return 0, errorf(InvalidParameterValue, "Value for parameter TaskHandle is invalid.")
	}
	if s.byARN(h.SourceArn) == nil {
		return 0, errorf(ResourceNotFound, "The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	s.tasksMu.Lock()
	t := s.tasks[taskHandle]
	if t == nil {
		s.tasksMu.Unlock()
		return 0, errorf(ResourceNotFound, "Task does not exist.")
	}
	if t.Status != taskRunning {
		s.tasksMu.Unlock()
		return 0, errorf(InvalidParameterValue, "Only active tasks can be cancelled.")
	}
	t.Status = taskCancelling
	close(t.cancel)
	s.tasksMu.Unlock()
	select {
	case <-t.done:
	case <-ctx.Done():
	case <-s.done:
	}
	s.tasksMu.Lock()
	defer s.tasksMu.Unlock()
	return t.ApproximateNumberOfMessagesMoved, nil
}

// loadTasks reads the stored tasks; running ones are resumed by resumeTasks.
func (s *Service) loadTasks() error {
	rows, err := s.st.DB().Query(`SELECT handle, source_arn, dest_arn, rate, status, moved, to_move, failure, started_at
FROM queue_move_tasks ORDER BY started_at, handle`)
	if err != nil {
		return fmt.Errorf("queue: load move tasks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t := &moveTask{cancel: make(chan struct{}), done: make(chan struct{})}
		if err := rows.Scan(&t.TaskHandle, &t.SourceArn, &t.DestinationArn, &t.MaxNumberOfMessagesPerSecond, &t.Status,
			&t.ApproximateNumberOfMessagesMoved, &t.ApproximateNumberOfMessagesToMove, &t.FailureReason, &t.StartedTimestamp); err != nil {
			return fmt.Errorf("queue: load move tasks: %w", err)
		}
		if t.Status == taskCancelling {
			t.Status = taskCancelled
		}
		s.taskSeq++
		t.seq = s.taskSeq
		s.tasks[t.TaskHandle] = t
	}
	return rows.Err()
}

// resumeTasks restarts the tasks that were running.
func (s *Service) resumeTasks() {
	s.tasksMu.Lock()
	defer s.tasksMu.Unlock()
	for _, t := range s.tasks {
		if t.Status == taskRunning {
			s.startTask(t)
		} else {
			close(t.done)
		}
	}
}

// startTask runs a task's goroutine. Callers hold tasksMu.
func (s *Service) startTask(t *moveTask) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runTask(t)
	}()
}

// runTask moves batches until the task is done, cancelled or failed.
func (s *Service) runTask(t *moveTask) {
	for {
		s.tasksMu.Lock()
		rate, moved, toMove, cancelled := t.MaxNumberOfMessagesPerSecond, t.ApproximateNumberOfMessagesMoved, t.ApproximateNumberOfMessagesToMove, t.Status == taskCancelling
		s.tasksMu.Unlock()
		switch {
		case cancelled:
			s.finishTask(t, taskCancelled, "")
			return
		case s.closed():
			return // still RUNNING in the store: resumed by the next Open
		case moved >= toMove:
			s.finishTask(t, taskCompleted, "")
			return
		}
		n := defaultMoveBatch
		if rate > 0 {
			n = rate
		}
		n = int(min(int64(n), toMove-moved))
		got, failure := s.moveBatch(t, n)
		if failure != "" {
			s.finishTask(t, taskFailed, failure)
			return
		}
		if got == 0 {
			s.finishTask(t, taskCompleted, "")
			return
		}
		if rate > 0 && !s.pause(t, time.Second) {
			continue // cancelled or closing: handled at the top
		}
	}
}

// pause waits d of clock time; false when the task was cancelled or the
// service closed meanwhile.
func (s *Service) pause(t *moveTask, d time.Duration) bool {
	timer := s.clock.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.cancel:
	case <-s.done:
	}
	return false
}

// finishTask records a task's final status.
func (s *Service) finishTask(t *moveTask, status, failure string) {
	s.tasksMu.Lock()
	t.Status, t.FailureReason = status, failure
	snapshot := t.MoveTask
	s.tasksMu.Unlock()
	_ = s.st.Write(context.Background(), func(tx *store.Tx) error { return saveTask(tx, &snapshot) })
	close(t.done)
	if q := s.byARN(t.SourceArn); q != nil {
		s.emit(event.ResourceChanged, event.Info, q.name, fmt.Sprintf("message move task %s: %d messages moved",
			status, snapshot.ApproximateNumberOfMessagesMoved))
	}
}

// moveBatch moves up to n visible messages out of the task's source queue.
// It returns how many it moved, or why the task failed.
func (s *Service) moveBatch(t *moveTask, n int) (int, string) {
	src := s.byARN(t.SourceArn)
	if src == nil {
		return 0, "AWS.SimpleQueueService.NonExistentQueue"
	}
	now := s.nowMS()
	src.mu.Lock()
	src.advance(now)
	retention := int64(src.conf.retention) * 1000
	moving := src.x.take(n, 0, func(id int64, m meta) verdict {
		if m.sentAt+retention <= now {
			return drop // expired: the sweeper deletes its row
		}
		return extract
	})
	src.mu.Unlock()
	if len(moving) == 0 {
		return 0, ""
	}
	dests, failure := s.moveDestinations(t, moving)
	if failure != "" {
		src.restore(moving, now)
		return 0, failure
	}
	stages := map[*queue]*stage{}
	qerr := s.write(context.Background(), func(tx *store.Tx) error {
		moved := 0
		for i, m := range moving {
			it, ok, err := s.moveRow(tx, m.id, dests[i], "", true, now, 0, m.group)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			moved++
			if stages[dests[i]] == nil {
				stages[dests[i]] = &stage{}
			}
			stages[dests[i]].items = append(stages[dests[i]].items, it)
		}
		for q, st := range stages {
			q.stageInsert(st)
		}
		_, err := tx.Exec(`UPDATE queue_move_tasks SET moved = moved + ? WHERE handle = ?`, moved, t.TaskHandle)
		return err
	})
	for q, st := range stages {
		q.resolve(st, qerr == nil)
	}
	if qerr != nil {
		src.restore(moving, now)
		return 0, "AWS.SimpleQueueService.InternalError"
	}
	s.tasksMu.Lock()
	t.ApproximateNumberOfMessagesMoved += int64(len(moving))
	s.tasksMu.Unlock()
	add(src.met.deleted, len(moving))
	return len(moving), ""
}

// moveDestinations resolves where each message goes.
func (s *Service) moveDestinations(t *moveTask, moving []taken) ([]*queue, string) {
	dests := make([]*queue, len(moving))
	if t.DestinationArn != "" {
		dst := s.byARN(t.DestinationArn)
		if dst == nil {
			return nil, "AWS.SimpleQueueService.NonExistentQueue"
		}
		for i := range dests {
			dests[i] = dst
		}
		return dests, ""
	}
	ids := make([]int64, len(moving))
	for i, m := range moving {
		ids[i] = m.id
	}
	recs, err := s.records(ids)
	if err != nil {
		return nil, "AWS.SimpleQueueService.InternalError"
	}
	for i, r := range recs {
		if r == nil || r.sourceARN == "" {
			return nil, "AWS.SimpleQueueService.NonExistentQueue"
		}
		if dests[i] = s.byARN(r.sourceARN); dests[i] == nil {
			return nil, "AWS.SimpleQueueService.NonExistentQueue"
		}
	}
	return dests, ""
}

// restore puts messages taken out for a move back into the queue.
func (q *queue) restore(ms []taken, now int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range ms {
		q.x.insert(m.id, m.sentAt, now, m.rc, m.group, now)
	}
	q.wake()
}
