package monitor

import "github.com/skyport-dev/skyport/core/metrics"

// CloudWatch metric names the monitor records.
const (
	NumberOfMessagesSent                  = "NumberOfMessagesSent"
	NumberOfMessagesReceived              = "NumberOfMessagesReceived"
	NumberOfMessagesDeleted               = "NumberOfMessagesDeleted"
	ApproximateNumberOfMessagesVisible    = "ApproximateNumberOfMessagesVisible"
	ApproximateNumberOfMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible"
	ApproximateNumberOfMessagesDelayed    = "ApproximateNumberOfMessagesDelayed"
	ApproximateAgeOfOldestMessage         = "ApproximateAgeOfOldestMessage"

	NumberOfMessagesPublished      = "NumberOfMessagesPublished"
	NumberOfNotificationsDelivered = "NumberOfNotificationsDelivered"
	NumberOfNotificationsFailed    = "NumberOfNotificationsFailed"

	IncomingRecords             = "IncomingRecords"
	IncomingBytes               = "IncomingBytes"
	GetRecordsIteratorAgeMillis = "GetRecords.IteratorAgeMilliseconds"
	GetRecordsRecords           = "GetRecords.Records"
	Count                       = "Count"
	Error4XX                    = "4XXError"
	Error5XX                    = "5XXError"
	LatencyP50                  = "Latency p50"
	LatencyP99                  = "Latency p99"
	ExecutionsStarted           = "ExecutionsStarted"
	ExecutionsSucceeded         = "ExecutionsSucceeded"
	ExecutionsFailed            = "ExecutionsFailed"
	ExecutionsAborted           = "ExecutionsAborted"
	ExecutionsTimedOut          = "ExecutionsTimedOut"
	Invocations                 = "Invocations"
	Errors                      = "Errors"
	DurationP50                 = "Duration p50"
	DurationP99                 = "Duration p99"
	ConcurrentExecutions        = "ConcurrentExecutions"
	NumberOfEmptyReceives       = "NumberOfEmptyReceives"
)

// family maps one registry family to a series of one resource.
type family struct {
	name    string // Prometheus family in the core's registry
	kind    Kind
	label   string // label that holds the resource's name
	metric  string // CloudWatch name
	counter bool   // a running total, recorded as a rate
}

// families are the registry series the core keeps per resource. Queue
// gauges are not here: the core reads them from the queue service's summary
// in one pass instead of four scrapes.
var families = []family{
	{"skyport_sqs_number_of_messages_sent_total", Queue, "queue", NumberOfMessagesSent, true},
	{"skyport_sqs_number_of_messages_received_total", Queue, "queue", NumberOfMessagesReceived, true},
	{"skyport_sqs_number_of_messages_deleted_total", Queue, "queue", NumberOfMessagesDeleted, true},
	{"skyport_sqs_number_of_empty_receives_total", Queue, "queue", NumberOfEmptyReceives, true},
	{"skyport_topic_messages_published_total", Topic, "topic", NumberOfMessagesPublished, true},
	{"skyport_topic_deliveries_succeeded_total", Topic, "topic", NumberOfNotificationsDelivered, true},
	{"skyport_topic_deliveries_failed_total", Topic, "topic", NumberOfNotificationsFailed, true},
	{"skyport_kinesis_incoming_records_total", Stream, "stream", IncomingRecords, true},
	{"skyport_kinesis_incoming_bytes_total", Stream, "stream", IncomingBytes, true},
	{"skyport_kinesis_get_records_records_total", Stream, "stream", GetRecordsRecords, true},
	{"skyport_kinesis_get_records_iterator_age_milliseconds", Stream, "stream", GetRecordsIteratorAgeMillis, false},
	{"skyport_sfn_machine_executions_started_total", StateMachine, "state_machine", ExecutionsStarted, true},
	{"skyport_sfn_machine_executions_succeeded_total", StateMachine, "state_machine", ExecutionsSucceeded, true},
	{"skyport_sfn_machine_executions_failed_total", StateMachine, "state_machine", ExecutionsFailed, true},
	{"skyport_sfn_machine_executions_aborted_total", StateMachine, "state_machine", ExecutionsAborted, true},
	{"skyport_sfn_machine_executions_timed_out_total", StateMachine, "state_machine", ExecutionsTimedOut, true},
	{"skyport_function_invocations_total", Function, "function", Invocations, true},
	{"skyport_function_errors_total", Function, "function", Errors, true},
	{"skyport_function_concurrent_executions", Function, "function", ConcurrentExecutions, false},
}

// gatewayCounters are the per-route counters of API Gateway, summed per API
// as well.
var gatewayCounters = []family{
	{"skyport_gateway_requests_total", API, "api", Count, true},
	{"skyport_gateway_4xx_errors_total", API, "api", Error4XX, true},
	{"skyport_gateway_5xx_errors_total", API, "api", Error5XX, true},
}

var (
	p50p99       = []float64{0.5, 0.99}
	latencyNames = []string{LatencyP50, LatencyP99}
	durationName = []string{DurationP50, DurationP99}
)

// RegistrySource reads the core's per-resource series from reg: counters
// as rates, gauges as they are, API latency and function duration as p50
// and p99 in milliseconds over each interval. API series exist per route
// (Dimension the route key) and per API (Dimension "").
func RegistrySource(reg *metrics.Registry) Source {
	type apiTotal struct {
		counts  [3]float64
		buckets []uint64
		bounds  []float64
	}
	var perAPI map[string]*apiTotal
	return func(w *Writer) {
		for _, f := range families {
			reg.Gather(f.name, func(s *metrics.Sample) {
				k := Key{Kind: f.kind, Resource: s.Label(f.label), Metric: f.metric}
				if f.counter {
					w.Counter(k, s.Value)
				} else {
					w.Gauge(k, s.Value)
				}
			})
		}
		reg.Gather("skyport_function_duration_seconds", func(s *metrics.Sample) {
			w.Quantiles(Key{Kind: Function, Resource: s.Label("function")}, s.Bounds, s.Buckets, 1000, durationName, p50p99)
		})
		clear(perAPI)
		if perAPI == nil {
			perAPI = map[string]*apiTotal{}
		}
		total := func(api string) *apiTotal {
			t := perAPI[api]
			if t == nil {
				t = &apiTotal{}
				perAPI[api] = t
			}
			return t
		}
		for i, f := range gatewayCounters {
			reg.Gather(f.name, func(s *metrics.Sample) {
				api := s.Label("api")
				w.Counter(Key{Kind: API, Resource: api, Dimension: s.Label("route"), Metric: f.metric}, s.Value)
				total(api).counts[i] += s.Value
			})
		}
		reg.Gather("skyport_gateway_latency_seconds", func(s *metrics.Sample) {
			api := s.Label("api")
			w.Quantiles(Key{Kind: API, Resource: api, Dimension: s.Label("route")}, s.Bounds, s.Buckets, 1000, latencyNames, p50p99)
			t := total(api)
			t.bounds = s.Bounds
			if len(t.buckets) < len(s.Buckets) {
				t.buckets = make([]uint64, len(s.Buckets))
			}
			for i, c := range s.Buckets {
				t.buckets[i] += c
			}
		})
		for api, t := range perAPI {
			for i, f := range gatewayCounters {
				w.Counter(Key{Kind: API, Resource: api, Metric: f.metric}, t.counts[i])
			}
			if t.bounds != nil {
				w.Quantiles(Key{Kind: API, Resource: api}, t.bounds, t.buckets, 1000, latencyNames, p50p99)
			}
		}
	}
}
