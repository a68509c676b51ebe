package machine

import (
	"strings"
	"testing"

	"github.com/skyport-dev/skyport/core/metrics"
)

func TestPerMachineCountersGoWithTheMachine(t *testing.T) {
	reg := metrics.NewRegistry()
	f := newFixtureWith(t, Config{Metrics: reg})
	arn := f.create("gone", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`, Standard)
	f.run(arn, `{}`)
	scrape := func() string {
		var b strings.Builder
		_ = reg.WritePrometheus(&b)
		return b.String()
	}
	if want := `skyport_sfn_machine_executions_succeeded_total{state_machine="gone"} 1`; !strings.Contains(scrape(), want) {
		t.Fatalf("metrics lack %q", want)
	}
	if err := f.svc.DeleteStateMachine(f.ctx, arn); err != nil {
		t.Fatal(err)
	}
	if text := scrape(); strings.Contains(text, `state_machine="gone"`) {
		t.Errorf("a deleted machine's series remain:\n%s", text)
	}
}
