package machine

import "github.com/skyport-dev/skyport/core/metrics"

// Per-state-machine execution counters (CloudWatch's ExecutionsStarted,
// ExecutionsSucceeded… with the StateMachineArn dimension), labelled by
// machine name beside the service-wide totals.
const (
	metricMachineStarted   = "skyport_sfn_machine_executions_started_total"
	metricMachineSucceeded = "skyport_sfn_machine_executions_succeeded_total"
	metricMachineFailed    = "skyport_sfn_machine_executions_failed_total"
	metricMachineAborted   = "skyport_sfn_machine_executions_aborted_total"
	metricMachineTimedOut  = "skyport_sfn_machine_executions_timed_out_total"
)

var machineMetricHelp = map[string]string{
	metricMachineStarted:   "Executions started, by state machine (ExecutionsStarted).",
	metricMachineSucceeded: "Executions that succeeded, by state machine (ExecutionsSucceeded).",
	metricMachineFailed:    "Executions that failed, by state machine (ExecutionsFailed).",
	metricMachineAborted:   "Executions stopped, by state machine (ExecutionsAborted).",
	metricMachineTimedOut:  "Executions that timed out, by state machine (ExecutionsTimedOut).",
}

// machineCounter returns the named counter of the machine ARN, labelled by
// the machine's name.
func (s *Service) machineCounter(name, machineARN string) *metrics.Counter {
	return s.reg.Counter(name, machineMetricHelp[name], metrics.Label{Name: "state_machine", Value: machineNameOf(machineARN)})
}

// removeMachineMetrics drops a deleted machine's series.
func (s *Service) removeMachineMetrics(machine string) {
	for name := range machineMetricHelp {
		s.reg.Remove(name, metrics.Label{Name: "state_machine", Value: machine})
	}
}
