package machine

import (
	"context"
	"fmt"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// ExecutionRetention is how long a closed Standard execution stays, as in
// AWS: 90 days after it closes, its description and history are gone
// (ExecutionDoesNotExist), from the store and from memory alike.
const ExecutionRetention = 90 * 24 * time.Hour

// sweepEvery is how much clock time passes between two retention sweeps.
const sweepEvery = time.Hour

// expireBatch bounds the executions one transaction deletes.
const expireBatch = 256

// maybeExpire sweeps when sweepEvery of clock time has passed since the
// last sweep. Sweeps ride on executions closing (and on Open) rather than
// on a timer of their own, so the clock holds no timer for them.
func (s *Service) maybeExpire() {
	now := s.clock.Now()
	s.mu.Lock()
	due := now.Sub(s.lastSweep) >= sweepEvery
	if due {
		s.lastSweep = now
	}
	s.mu.Unlock()
	if due {
		if _, err := s.Expire(context.Background()); err != nil {
			s.emit("", event.Warn, "", "retention sweep failed: "+err.Error())
		}
	}
}

// Expire deletes every Standard execution that closed ExecutionRetention or
// longer ago and returns how many went. Running executions never expire.
func (s *Service) Expire(ctx context.Context) (int, error) {
	cutoff := s.clock.Now().Add(-ExecutionRetention)
	var old []string
	s.mu.RLock()
	for arn, e := range s.execs {
		e.mu.Lock()
		i := e.info
		e.mu.Unlock()
		if i.Type == Standard && i.Status != StatusRunning && !i.StopDate.IsZero() && !i.StopDate.After(cutoff) {
			old = append(old, arn)
		}
	}
	s.mu.RUnlock()
	n := 0
	for len(old) > 0 {
		batch := old[:min(len(old), expireBatch)]
		old = old[len(batch):]
		err := s.write(ctx, func(tx *store.Tx) error {
			for _, arn := range batch {
				if _, err := tx.Exec(`DELETE FROM machine_history WHERE execution_arn = ?`, arn); err != nil {
					return err
				}
				if _, err := tx.Exec(`DELETE FROM machine_executions WHERE arn = ?`, arn); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		s.mu.Lock()
		for _, arn := range batch {
			delete(s.execs, arn)
		}
		s.mu.Unlock()
		n += len(batch)
	}
	if n > 0 {
		s.emit("", event.Info, "", fmt.Sprintf("%d executions closed more than %d days ago deleted (retention)", n, int(ExecutionRetention/(24*time.Hour))))
	}
	return n, nil
}
