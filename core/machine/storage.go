package machine

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// Tables (migration 5): machine_machines, machine_executions (with the
// checkpoint a resumed execution restarts from) and machine_history.

// checkpoint is where a Standard execution restarts after a restart of the
// core: the top-level state it was in, that state's input, the variables
// and, for a Wait, its deadline.
type checkpoint struct {
	State    string         `json:"state"`
	Input    any            `json:"input"`
	Vars     map[string]any `json:"vars,omitempty"`
	Deadline time.Time      `json:"deadline,omitzero"`
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func (s *Service) write(ctx context.Context, fn func(tx *store.Tx) error) error {
	if s.st == nil {
		return nil
	}
	if err := s.st.Write(ctx, fn); err != nil {
		return apiErr(InternalError, "the store failed: %v", err)
	}
	return nil
}

func (s *Service) persistMachine(ctx context.Context, m *StateMachine, create bool) error {
	tags, _ := json.Marshal(m.Tags)
	return s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO machine_machines(arn, name, type, definition, role_arn, description, tags, created_at, updated_at, revision)
VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT(arn) DO UPDATE SET definition=excluded.definition, role_arn=excluded.role_arn,
description=excluded.description, tags=excluded.tags, updated_at=excluded.updated_at, revision=excluded.revision`,
			m.Arn, m.Name, m.Type, m.Definition, m.RoleArn, m.Description, string(tags), ms(m.Created), ms(m.Updated), m.RevisionID)
		return err
	})
}

func (s *Service) deleteMachineRow(ctx context.Context, arn string) error {
	return s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM machine_machines WHERE arn = ?`, arn)
		return err
	})
}

func insertEvents(tx *store.Tx, arn string, events []HistoryEvent) error {
	for _, ev := range events {
		b, err := json.Marshal(storedEvent{Time: ms(ev.Time), Type: ev.Type, Details: ev.Details})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT OR REPLACE INTO machine_history(execution_arn, id, event) VALUES(?,?,?)`, arn, ev.ID, string(b)); err != nil {
			return err
		}
	}
	return nil
}

type storedEvent struct {
	Time    int64          `json:"t"`
	Type    string         `json:"type"`
	Details map[string]any `json:"d,omitempty"`
}

func (s *Service) persistStart(ctx context.Context, e *execution) error {
	info := e.info
	events := e.run.hist.unpersisted()
	return s.write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`INSERT INTO machine_executions(arn, machine_arn, name, type, status, input, role_arn, definition, test_case, started_at, seq)
VALUES(?,?,?,?,?,?,?,?,?,?,?)`, info.Arn, info.StateMachineArn, info.Name, info.Type, info.Status, info.Input, info.RoleArn, info.Definition, info.TestCase, ms(info.StartDate), e.order); err != nil {
			return err
		}
		return insertEvents(tx, info.Arn, events)
	})
}

// checkpoint persists where the execution is, with the events so far.
func (r *run) checkpoint(st *State, input any, vars *varScope, deadline time.Time) error {
	if r.svc.st == nil || r.hist == nil || r.inspect != nil {
		return nil
	}
	cp, err := json.Marshal(checkpoint{State: st.Name, Input: input, Vars: vars.own(), Deadline: deadline})
	if err != nil {
		return fail(ErrRuntime, "cannot checkpoint the execution: %v", err)
	}
	events := r.hist.unpersisted()
	arn := r.ex.Arn
	err = r.svc.write(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Exec(`UPDATE machine_executions SET checkpoint = ? WHERE arn = ?`, string(cp), arn); err != nil {
			return err
		}
		return insertEvents(tx, arn, events)
	})
	if err != nil {
		return fail(ErrRuntime, "cannot persist the execution: %v", err)
	}
	return nil
}

func (s *Service) persistEnd(ctx context.Context, e *execution, r *run) error {
	info := e.snapshot()
	events := r.hist.unpersisted()
	return s.write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`UPDATE machine_executions SET status=?, output=?, error=?, cause=?, stopped_at=?, checkpoint=NULL WHERE arn=?`,
			info.Status, info.Output, info.Error, info.Cause, ms(info.StopDate), info.Arn); err != nil {
			return err
		}
		return insertEvents(tx, info.Arn, events)
	})
}

func (s *Service) loadHistory(ctx context.Context, arn string) ([]HistoryEvent, error) {
	if s.st == nil {
		return nil, nil
	}
	rows, err := s.st.DB().QueryContext(ctx, `SELECT id, event FROM machine_history WHERE execution_arn = ? ORDER BY id`, arn)
	if err != nil {
		return nil, apiErr(InternalError, "reading the history: %v", err)
	}
	defer rows.Close()
	var out []HistoryEvent
	for rows.Next() {
		var id int64
		var raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, apiErr(InternalError, "reading the history: %v", err)
		}
		var se storedEvent
		if err := json.Unmarshal([]byte(raw), &se); err != nil {
			return nil, apiErr(InternalError, "event %d of %s is damaged: %v", id, arn, err)
		}
		out = append(out, HistoryEvent{ID: id, PreviousID: id - 1, Time: fromMS(se.Time), Type: se.Type, DetailsKey: detailsKey(se.Type), Details: se.Details})
	}
	return out, rows.Err()
}

// load reads every state machine and execution, and resumes the running
// Standard executions.
func (s *Service) load() error {
	if err := s.loadMachines(); err != nil {
		return err
	}
	resume, err := s.loadExecutions()
	if err != nil {
		return err
	}
	for _, e := range resume {
		if err := s.resumeExecution(e.exec, e.cp); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) loadMachines() error {
	rows, err := s.st.DB().Query(`SELECT arn, name, type, definition, role_arn, description, tags, created_at, updated_at, revision FROM machine_machines`)
	if err != nil {
		return fmt.Errorf("machine: loading state machines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m := &StateMachine{}
		var tags string
		var created, updated int64
		if err := rows.Scan(&m.Arn, &m.Name, &m.Type, &m.Definition, &m.RoleArn, &m.Description, &tags, &created, &updated, &m.RevisionID); err != nil {
			return fmt.Errorf("machine: loading state machines: %w", err)
		}
		m.Created, m.Updated = fromMS(created), fromMS(updated)
		_ = json.Unmarshal([]byte(tags), &m.Tags)
		def, err := Parse(m.Definition)
		if err != nil {
			return fmt.Errorf("machine: stored state machine %s no longer parses: %w", m.Name, err)
		}
		m.def = def
		s.machines[m.Arn] = m
	}
	return rows.Err()
}

type resumable struct {
	exec *execution
	cp   *checkpoint
}

func (s *Service) loadExecutions() ([]resumable, error) {
	rows, err := s.st.DB().Query(`SELECT arn, machine_arn, name, type, status, input, output, error, cause, role_arn, definition, test_case, started_at, stopped_at, seq, checkpoint FROM machine_executions ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("machine: loading executions: %w", err)
	}
	defer rows.Close()
	var out []resumable
	for rows.Next() {
		e := &execution{done: make(chan struct{})}
		var output, errName, cause, cp sql.NullString
		var started, stopped int64
		i := &e.info
		if err := rows.Scan(&i.Arn, &i.StateMachineArn, &i.Name, &i.Type, &i.Status, &i.Input, &output, &errName, &cause, &i.RoleArn, &i.Definition, &i.TestCase, &started, &stopped, &e.order, &cp); err != nil {
			return nil, fmt.Errorf("machine: loading executions: %w", err)
		}
		i.Output, i.Error, i.Cause = output.String, errName.String, cause.String
		i.StartDate, i.StopDate = fromMS(started), fromMS(stopped)
		i.machineName = machineNameOf(i.StateMachineArn)
		i.input, _ = decodeJSON(i.Input)
		s.execs[i.Arn] = e
		s.seq = max(s.seq, e.order)
		if i.Status != StatusRunning {
			close(e.done)
			continue
		}
		r := resumable{exec: e}
		if cp.Valid {
			r.cp = &checkpoint{}
			if err := json.Unmarshal([]byte(cp.String), r.cp); err != nil {
				return nil, fmt.Errorf("machine: the checkpoint of %s is damaged: %w", i.Arn, err)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func machineNameOf(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == ':' {
			return arn[i+1:]
		}
	}
	return arn
}

// resumeExecution restarts a Standard execution from its checkpoint with
// the definition it started with.
func (s *Service) resumeExecution(e *execution, cp *checkpoint) error {
	def, err := Parse(e.info.Definition)
	if err != nil {
		return fmt.Errorf("machine: execution %s: its definition no longer parses: %w", e.info.Arn, err)
	}
	events, err := s.loadHistory(context.Background(), e.info.Arn)
	if err != nil {
		return err
	}
	var mocks *mockRun
	if e.info.TestCase != "" {
		mocks, _ = s.mockRun(e.info.machineName, e.info.TestCase)
	}
	r := s.newRun(e, def, mocks)
	r.hist = &history{limit: s.cfg.MaxHistoryEvents, events: events, persisted: len(events)}
	if cp != nil {
		r.resume = cp
		r.vars.set(cp.Vars)
	}
	s.emit(event.ExecutionStep, event.Info, e.info.Arn, "execution "+e.info.Name+" resumed after a restart")
	s.launch(e, r)
	return nil
}
