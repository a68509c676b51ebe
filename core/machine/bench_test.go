package machine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/core/clock"
)

func passChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt": "S0", "States": {`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"S%d": {"Type": "Pass", "End": true}`, i)
		} else {
			fmt.Fprintf(&b, `"S%d": {"Type": "Pass", "Next": "S%d"}`, i, i+1)
		}
	}
	b.WriteString("}}")
	return b.String()
}

func runToEnd(b *testing.B, f *fixture, arn, input string) Execution {
	ex, err := f.svc.StartExecution(context.Background(), StartInput{StateMachineArn: arn, Input: input})
	if err != nil {
		b.Fatal(err)
	}
	got, err := f.svc.AwaitExecution(context.Background(), ex.Arn)
	if err != nil || got.Status != StatusSucceeded {
		b.Fatalf("%+v %v", got, err)
	}
	return got
}

// BenchmarkExpressPassChain runs an Express machine of 100 Pass states and
// reports state transitions per second (target ≥ 20,000/s).
func BenchmarkExpressPassChain(b *testing.B) {
	f := newFixtureF(b)
	arn := f.create("chain", passChain(100), Express)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		runToEnd(b, f, arn, `{"order": 1, "items": ["a", "b"]}`)
	}
	b.ReportMetric(float64(100*b.N)/time.Since(start).Seconds(), "transitions/s")
}

// BenchmarkStandardFiveStates measures start→finish of a durable Standard
// execution of 5 states on a file store (synchronous=FULL).
func BenchmarkStandardFiveStates(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	f := openFixture(b, path, clock.New(), Integrations{})
	arn := f.create("five", passChain(5), Standard)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runToEnd(b, f, arn, `{"order": 1}`)
	}
}

// BenchmarkMap10000 maps 10,000 items through a Pass state (Express).
func BenchmarkMap10000(b *testing.B) {
	items := make([]string, 10000)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	input := `{"xs": [` + strings.Join(items, ",") + `]}`
	for _, conc := range []int{0, 10} {
		b.Run(fmt.Sprintf("MaxConcurrency=%d", conc), func(b *testing.B) {
			f := newFixtureF(b)
			def := fmt.Sprintf(`{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.xs", "MaxConcurrency": %d, "ItemSelector": {"v.$": "$$.Map.Item.Value"},
			  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "OutputPath": "$.v", "End": true}}}, "End": true}}}`, conc)
			arn := f.create("map", def, Express)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				got := runToEnd(b, f, arn, input)
				if !strings.HasPrefix(got.Output, "[0,1,2,") {
					b.Fatalf("output %s…", got.Output[:20])
				}
			}
			b.ReportMetric(float64(10000*b.N)/time.Since(start).Seconds(), "items/s")
		})
	}
}
