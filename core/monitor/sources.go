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
	// every > 1 reads the family only every that many ticks and repeats
	// the last samples in between: for gauges that cost a query each.
	every uint64
}

// families are the registry series the core keeps per resource.
var families = []family{
	{"skyport_sqs_approximate_number_of_messages_visible", Queue, "queue", ApproximateNumberOfMessagesVisible, false, 0},
	{"skyport_sqs_approximate_number_of_messages_not_visible", Queue, "queue", ApproximateNumberOfMessagesNotVisible, false, 0},
	{"skyport_sqs_approximate_number_of_messages_delayed", Queue, "queue", ApproximateNumberOfMessagesDelayed, false, 0},
	// A database query per non-empty queue: every 2 s at the default interval.
	{"skyport_sqs_approximate_age_of_oldest_message_seconds", Queue, "queue", ApproximateAgeOfOldestMessage, false, 4},
	{"skyport_sqs_number_of_messages_sent_total", Queue, "queue", NumberOfMessagesSent, true, 0},
	{"skyport_sqs_number_of_messages_received_total", Queue, "queue", NumberOfMessagesReceived, true, 0},
	{"skyport_sqs_number_of_messages_deleted_total", Queue, "queue", NumberOfMessagesDeleted, true, 0},
	{"skyport_sqs_number_of_empty_receives_total", Queue, "queue", NumberOfEmptyReceives, true, 0},
	{"skyport_topic_messages_published_total", Topic, "topic", NumberOfMessagesPublished, true, 0},
	{"skyport_topic_deliveries_succeeded_total", Topic, "topic", NumberOfNotificationsDelivered, true, 0},
	{"skyport_topic_deliveries_failed_total", Topic, "topic", NumberOfNotificationsFailed, true, 0},
	{"skyport_kinesis_incoming_records_total", Stream, "stream", IncomingRecords, true, 0},
	{"skyport_kinesis_incoming_bytes_total", Stream, "stream", IncomingBytes, true, 0},
	{"skyport_kinesis_get_records_records_total", Stream, "stream", GetRecordsRecords, true, 0},
	{"skyport_kinesis_get_records_iterator_age_milliseconds", Stream, "stream", GetRecordsIteratorAgeMillis, false, 0},
	{"skyport_sfn_machine_executions_started_total", StateMachine, "state_machine", ExecutionsStarted, true, 0},
	{"skyport_sfn_machine_executions_succeeded_total", StateMachine, "state_machine", ExecutionsSucceeded, true, 0},
	{"skyport_sfn_machine_executions_failed_total", StateMachine, "state_machine", ExecutionsFailed, true, 0},
	{"skyport_sfn_machine_executions_aborted_total", StateMachine, "state_machine", ExecutionsAborted, true, 0},
	{"skyport_sfn_machine_executions_timed_out_total", StateMachine, "state_machine", ExecutionsTimedOut, true, 0},
	{"skyport_function_invocations_total", Function, "function", Invocations, true, 0},
	{"skyport_function_errors_total", Function, "function", Errors, true, 0},
	{"skyport_function_concurrent_executions", Function, "function", ConcurrentExecutions, false, 0},
}

// gatewayCounters are the per-route counters of API Gateway, summed per API
// as well.
var gatewayCounters = []family{
	{"skyport_gateway_requests_total", API, "api", Count, true, 0},
	{"skyport_gateway_4xx_errors_total", API, "api", Error4XX, true, 0},
	{"skyport_gateway_5xx_errors_total", API, "api", Error5XX, true, 0},
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
		var held []family
		for _, f := range families {
			if f.every > 1 && w.tick%f.every != 1 && !w.first {
				held = append(held, f)
				continue
			}
			reg.Gather(f.name, func(s *metrics.Sample) {
				k := Key{Kind: f.kind, Resource: s.Label(f.label), Metric: f.metric}
				if f.counter {
					w.Counter(k, s.Value)
				} else {
					w.Gauge(k, s.Value)
				}
			})
		}
		for _, f := range held {
			w.hold(f.kind, f.metric)
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
