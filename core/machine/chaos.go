package machine

import (
	"context"
	"strings"
	"time"

	"github.com/skyport-dev/skyport/core/chaos"
)

// chaosTask applies the state machine's chaos policy to one Task
// invocation: it may hold it (on the core clock) or fail it with
// States.TaskFailed before the resource is called.
func (r *run) chaosTask(ctx context.Context, state string) error {
	reg := r.svc.cfg.Chaos
	if !reg.Active() {
		return nil
	}
	_, name, _ := strings.Cut(r.ex.StateMachineArn, ":stateMachine:")
	name, _, _ = strings.Cut(name, ":")
	rule := reg.For(chaos.Machine, name)
	if rule == nil {
		return nil
	}
	d := rule.Faults()
	if d.Delay > 0 {
		if err := r.svc.sleep(ctx, d.Delay); err != nil {
			return err
		}
	}
	if d.Fail {
		return fail(ErrTaskFailed, "Skyport chaos failed the task of state %s", state)
	}
	return nil
}

// sleep waits d on the core clock, or until ctx ends.
func (s *Service) sleep(ctx context.Context, d time.Duration) error {
	t := s.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
