package stream

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skyport-dev/skyport/core/metrics"
)

// Metric names (CloudWatch's, in Prometheus form).
const (
	metricIncomingRecords = "skyport_kinesis_incoming_records_total"
	metricIncomingBytes   = "skyport_kinesis_incoming_bytes_total"
	metricOutgoingRecords = "skyport_kinesis_get_records_records_total"
	metricIteratorAge     = "skyport_kinesis_get_records_iterator_age_milliseconds"
	metricTrimmed         = "skyport_kinesis_trimmed_records_total"
)

// shard is one shard's hot state. Its identity and range never change;
// endSeq and closed are set once, under the stream's lock, by resharding.
type shard struct {
	dbID     int64
	index    int
	id       string
	rng      HashRange
	parent   string
	adjacent string
	startSeq uint64
	endSeq   uint64 // 0 while open
	created  time.Time
	closed   time.Time

	wArrival    int64         // arrival of the last record written; writer goroutine only
	latest      atomic.Uint64 // last committed sequence counter, 0 when none
	lastArrival atomic.Int64  // epoch ms of that record
	limits      *throttle     // nil without throughput emulation
	iteratorAge atomic.Int64  // ms behind the tip at the last GetRecords

	waitMu sync.Mutex
	waitC  chan struct{} // closed when records land or the shard closes
}

// waitCh returns a channel closed at the next append to (or closing of) sh.
func (sh *shard) waitCh() <-chan struct{} {
	sh.waitMu.Lock()
	defer sh.waitMu.Unlock()
	if sh.waitC == nil {
		sh.waitC = make(chan struct{})
	}
	return sh.waitC
}

// wake releases whoever waits on sh.
func (sh *shard) wake() {
	sh.waitMu.Lock()
	if sh.waitC != nil {
		close(sh.waitC)
		sh.waitC = nil
	}
	sh.waitMu.Unlock()
}

func (sh *shard) open() bool { return sh.endSeq == 0 }

// stream is one stream's hot state.
type stream struct {
	id   int64
	name string
	arn  string

	mu          sync.RWMutex // guards the fields below
	status      string
	mode        string
	retention   int // hours
	maxRecordKB int
	tags        map[string]string
	created     time.Time
	nextShard   int
	shards      []*shard // every shard, by index
	open        []*shard // open shards sorted by hash range start
	deleted     bool
	consumers   map[string]*consumer // enhanced fan-out consumers by name

	iteratorAge atomic.Int64 // ms, last GetRecords
	met         streamMetrics
}

type streamMetrics struct {
	records, bytes, outgoing *metrics.Counter
}

// reindex rebuilds the list of open shards (caller holds st.mu for writing).
func (st *stream) reindex() {
	st.open = st.open[:0]
	for _, sh := range st.shards {
		if sh.open() {
			st.open = append(st.open, sh)
		}
	}
	sort.Slice(st.open, func(i, j int) bool { return st.open[i].rng.Start.Cmp(st.open[j].rng.Start) < 0 })
}

// route returns the open shard owning k (caller holds st.mu). Open shards
// always tile the whole hash-key space.
func (st *stream) route(k HashKey) *shard {
	i := sort.Search(len(st.open), func(i int) bool { return st.open[i].rng.Start.Cmp(k) > 0 })
	if i == 0 {
		return nil
	}
	return st.open[i-1]
}

// shardByID returns the shard with that id (caller holds st.mu).
func (st *stream) shardByID(id string) *shard {
	for _, sh := range st.shards {
		if sh.id == id {
			return sh
		}
	}
	return nil
}

// children returns the shards that followed sh when it closed: those that
// started right after its end and overlap its hash range (caller holds
// st.mu).
func (st *stream) children(sh *shard) []ChildShard {
	if sh.open() {
		return nil
	}
	var out []ChildShard
	for _, c := range st.shards {
		if c.startSeq != sh.endSeq+1 || c.rng.End.Cmp(sh.rng.Start) < 0 || sh.rng.End.Cmp(c.rng.Start) < 0 {
			continue
		}
		parents := []string{c.parent}
		if c.adjacent != "" {
			parents = append(parents, c.adjacent)
		}
		out = append(out, ChildShard{ShardID: c.id, Parents: parents, Range: c.rng})
	}
	return out
}

func (st *stream) registerMetrics(s *Service) {
	reg := s.cfg.Metrics
	if reg == nil {
		return
	}
	l := metrics.Label{Name: "stream", Value: st.name}
	st.met = streamMetrics{
		records:  reg.Counter(metricIncomingRecords, "Records put into the stream (IncomingRecords).", l),
		bytes:    reg.Counter(metricIncomingBytes, "Bytes put into the stream (IncomingBytes).", l),
		outgoing: reg.Counter(metricOutgoingRecords, "Records returned by GetRecords (GetRecords.Records).", l),
	}
	reg.GaugeFunc(metricIteratorAge, "Age of the last record returned by GetRecords relative to the tip (GetRecords.IteratorAgeMilliseconds).",
		func() float64 { return float64(st.iteratorAge.Load()) }, l)
}

func (st *stream) removeMetrics(s *Service) {
	reg := s.cfg.Metrics
	if reg == nil {
		return
	}
	l := metrics.Label{Name: "stream", Value: st.name}
	for _, n := range []string{metricIncomingRecords, metricIncomingBytes, metricOutgoingRecords, metricIteratorAge} {
		reg.Remove(n, l)
	}
}

func addCounter(c *metrics.Counter, n int) {
	if c != nil && n > 0 {
		c.Add(uint64(n))
	}
}

// storeMax raises latest to seq (and lastArrival with it) unless a later
// write got there first.
func storeMax(latest *atomic.Uint64, seq uint64, arrival *atomic.Int64, at int64) {
	for {
		cur := latest.Load()
		if cur >= seq {
			return
		}
		if latest.CompareAndSwap(cur, seq) {
			arrival.Store(at)
			return
		}
	}
}

// info describes sh (caller holds st.mu).
func (sh *shard) info() ShardInfo {
	in := ShardInfo{ID: sh.id, Parent: sh.parent, AdjacentParent: sh.adjacent, Range: sh.rng,
		StartSeq: formatSeq(sh.startSeq), Created: sh.created, Closed: sh.closed}
	if sh.endSeq != 0 {
		in.EndSeq = formatSeq(sh.endSeq)
	}
	if l := sh.latest.Load(); l != 0 {
		in.LatestSeq = formatSeq(l)
	}
	in.IteratorAge = msDuration(sh.iteratorAge.Load())
	return in
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }
