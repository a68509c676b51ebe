package soak

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

// SFNOptions size the Step Functions workload; zero fields take the defaults.
type SFNOptions struct {
	Starters int // StartExecution callers; default 2
}

const (
	sfnMachine = "soak-standard"
	sfnRole    = "arn:aws:iam::000000000000:role/soak"
	// sfnDefinition computes, waits two seconds (so kills land on waiting
	// executions, which the core resumes from their checkpoint), checks and
	// answers {"done": n}.
	sfnDefinition = `{"StartAt": "Count", "States": {
  "Count": {"Type": "Pass", "Parameters": {"n.$": "$.n", "twice.$": "States.MathAdd($.n, $.n)"}, "Next": "Sleep"},
  "Sleep": {"Type": "Wait", "Seconds": 2, "Next": "Check"},
  "Check": {"Type": "Choice", "Choices": [{"Variable": "$.twice", "NumericGreaterThanEquals": 0, "Next": "Done"}], "Default": "Bad"},
  "Bad": {"Type": "Fail", "Error": "Soak.Negative"},
  "Done": {"Type": "Pass", "Parameters": {"done.$": "$.n"}, "End": true}}}`
)

// sfnLoad is the Step Functions workload: starters start executions of a
// Standard state machine under unique names, calling StartExecution again
// with the same name and input after a failed call (AWS makes that
// idempotent while the execution runs; ExecutionAlreadyExists means it was
// stored and has finished), and a watcher describes executions while the
// server comes and goes. The ledger demands that every acknowledged
// execution exists at the end and SUCCEEDED with its output, that an
// execution seen finished stays so, and that nothing else exists.
type sfnLoad struct {
	opt    SFNOptions
	client *sfn.Client
	arn    string

	mu       sync.Mutex
	acked    map[string]int  // execution ARN → its n
	order    []string        // acknowledged ARNs, in order
	maybe    map[string]bool // names whose start was never answered
	retried  int             // starts answered after a failed call
	existed  int             // of them, ExecutionAlreadyExists
	finished map[string]sfntypes.ExecutionStatus
	bad      mismatches
}

// NewSFN returns the Step Functions workload.
func NewSFN(opt SFNOptions) Workload {
	if opt.Starters <= 0 {
		opt.Starters = 2
	}
	return &sfnLoad{opt: opt, acked: map[string]int{}, maybe: map[string]bool{}, finished: map[string]sfntypes.ExecutionStatus{}}
}

func (l *sfnLoad) Name() string { return "sfn" }

func (l *sfnLoad) Setup(ctx context.Context, t Target) error {
	l.client = sfn.New(sfn.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(t.Endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("soak", "soak", "")})
	out, err := l.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(sfnMachine),
		Definition: aws.String(sfnDefinition), RoleArn: aws.String(sfnRole), Type: sfntypes.StateMachineTypeStandard})
	if err != nil {
		return fmt.Errorf("create state machine: %w", err)
	}
	l.arn = *out.StateMachineArn
	return nil
}

func (l *sfnLoad) Run(ctx context.Context, t Target, ops *atomic.Int64) {
	var wg sync.WaitGroup
	for p := 0; p < l.opt.Starters; p++ {
		wg.Add(1)
		go func() { defer wg.Done(); l.start(ctx, p, ops) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); l.watch(ctx, ops) }()
	wg.Wait()
}

// executionArn is the ARN AWS gives execution name of the soak machine.
func (l *sfnLoad) executionArn(name string) string {
	return "arn:aws:states:us-east-1:000000000000:execution:" + sfnMachine + ":" + name
}

// start starts executions until ctx ends.
func (l *sfnLoad) start(ctx context.Context, p int, ops *atomic.Int64) {
	for i := 0; ctx.Err() == nil; i++ {
		name, n := fmt.Sprintf("x-%d-%d", p, i), i*10+p
		input := fmt.Sprintf(`{"n": %d}`, n)
		for attempt := 0; ; attempt++ {
			out, err := l.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(l.arn),
				Name: aws.String(name), Input: aws.String(input)})
			var exists *sfntypes.ExecutionAlreadyExists
			if err == nil || (attempt > 0 && errors.As(err, &exists)) {
				arn := l.executionArn(name)
				if err == nil {
					arn = *out.ExecutionArn
				}
				ops.Add(1)
				l.mu.Lock()
				if err == nil && arn != l.executionArn(name) {
					l.bad.addf("execution %s started as %s", name, arn)
				}
				l.acked[arn] = n
				l.order = append(l.order, arn)
				if attempt > 0 {
					l.retried++
					if err != nil {
						l.existed++
					}
				}
				delete(l.maybe, name)
				l.mu.Unlock()
				break
			}
			l.mu.Lock()
			l.maybe[name] = true
			l.mu.Unlock()
			if !pause(ctx, backoff) {
				return
			}
		}
	}
}

// watch describes acknowledged executions, oldest unfinished first, and
// checks a finished one never changes.
func (l *sfnLoad) watch(ctx context.Context, ops *atomic.Int64) {
	next := 0
	for ctx.Err() == nil {
		l.mu.Lock()
		var arn string
		if next < len(l.order) {
			arn = l.order[next]
		}
		l.mu.Unlock()
		if arn == "" {
			pause(ctx, 50*time.Millisecond)
			continue
		}
		d, err := l.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			var missing *sfntypes.ExecutionDoesNotExist
			if errors.As(err, &missing) {
				l.bad.addf("acknowledged execution %s does not exist", arn)
				next++
			}
			pause(ctx, backoff)
			continue
		}
		ops.Add(1)
		if d.Status == sfntypes.ExecutionStatusRunning {
			pause(ctx, 20*time.Millisecond)
			continue
		}
		l.mu.Lock()
		l.finished[arn] = d.Status
		l.mu.Unlock()
		next++
	}
}

func (l *sfnLoad) Verify(ctx context.Context, t Target) Report {
	r := Report{Workload: l.Name()}
	// Every Wait in progress at the last kill is due.
	if err := t.Advance(time.Hour); err != nil {
		r.Mismatches = append(r.Mismatches, "advance clock: "+err.Error())
		return r
	}
	statuses, err := l.awaitFinished(ctx)
	if err != nil {
		r.Mismatches = append(r.Mismatches, err.Error())
		return r
	}
	l.mu.Lock()
	acked := make(map[string]int, len(l.acked))
	for arn, n := range l.acked {
		acked[arn] = n
	}
	l.mu.Unlock()

	// Describe every acknowledged execution (8 at a time).
	arns := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for arn := range arns {
				d, err := l.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
				switch {
				case err != nil:
					l.bad.addf("acknowledged execution %s: %v", arn, err)
				case d.Status != sfntypes.ExecutionStatusSucceeded:
					l.bad.addf("acknowledged execution %s is %s (%s: %s)", arn, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
				case aws.ToString(d.Output) != fmt.Sprintf(`{"done":%d}`, acked[arn]):
					l.bad.addf("execution %s answered %s for n=%d", arn, aws.ToString(d.Output), acked[arn])
				}
			}
		}()
	}
	for arn := range acked {
		arns <- arn
	}
	close(arns)
	wg.Wait()

	l.mu.Lock()
	defer l.mu.Unlock()
	for arn, st := range l.finished {
		if statuses[arn] != st {
			l.bad.addf("execution %s was seen %s during the load, is %s after the restarts", arn, st, statuses[arn])
		}
	}
	stored := 0
	for arn := range statuses {
		if _, ok := acked[arn]; ok {
			continue
		}
		name := arn[len(l.executionArn("")):]
		if !l.maybe[name] {
			l.bad.addf("execution %s exists but was never started", arn)
		}
		stored++
	}
	r.Checked = len(acked)
	r.Mismatches = l.bad.sorted()
	r.Notes = []string{fmt.Sprintf("%d executions acknowledged (%d after a failed call, %d of them answered ExecutionAlreadyExists), %d starts never answered (%d of them stored), %d seen finished during the load",
		len(acked), l.retried, l.existed, len(l.maybe), stored, len(l.finished))}
	return r
}

// awaitFinished lists the machine's executions until none is running and
// returns every execution's status.
func (l *sfnLoad) awaitFinished(ctx context.Context) (map[string]sfntypes.ExecutionStatus, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		statuses := map[string]sfntypes.ExecutionStatus{}
		running := 0
		p := sfn.NewListExecutionsPaginator(l.client, &sfn.ListExecutionsInput{StateMachineArn: aws.String(l.arn), MaxResults: 1000})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list executions: %w", err)
			}
			for _, x := range page.Executions {
				statuses[*x.ExecutionArn] = x.Status
				if x.Status == sfntypes.ExecutionStatusRunning {
					running++
				}
			}
		}
		if running == 0 {
			return statuses, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d executions still running a minute after the load", running)
		}
		pause(ctx, 200*time.Millisecond)
	}
}

// Retire moves the clock past the 90 days AWS (and the core) keep a closed
// Standard execution, closes one more execution (the core sweeps as
// executions close) and waits until the soak machine lists none.
func (l *sfnLoad) Retire(ctx context.Context, t Target) error {
	if err := t.Advance(91 * 24 * time.Hour); err != nil {
		return err
	}
	sweep, err := l.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("soak-sweep"),
		Definition: aws.String(`{"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}}`),
		RoleArn:    aws.String(sfnRole), Type: sfntypes.StateMachineTypeStandard})
	if err != nil {
		return fmt.Errorf("create the sweep machine: %w", err)
	}
	if _, err := l.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sweep.StateMachineArn}); err != nil {
		return fmt.Errorf("start the sweep execution: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := l.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(l.arn), MaxResults: 1000})
		if err != nil {
			return err
		}
		if len(out.Executions) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d+ executions left 91 days after they closed", len(out.Executions))
		}
		pause(ctx, 100*time.Millisecond)
	}
}
