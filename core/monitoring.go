package core

import (
	"sync"

	"github.com/skyport-dev/skyport/core/monitor"
)

// monitorState holds the monitor, started on first use.
type monitorState struct {
	mu sync.Mutex
	m  *monitor.Monitor
}

// Monitor returns the sampler that keeps the last ten minutes of every
// resource's metrics at two samples a second (for the GUI's charts),
// starting it on the first call; it stops when the core closes. A core on a
// frozen clock gets a monitor that samples only when its Tick is called,
// as its clock moves only when told.
func (c *Core) Monitor() *monitor.Monitor {
	c.monitor.mu.Lock()
	defer c.monitor.mu.Unlock()
	if c.monitor.m == nil {
		c.monitor.m = monitor.New(monitor.Config{Sources: c.MonitorSources()})
		if !c.clock.Frozen() {
			c.monitor.m.Start()
		}
	}
	return c.monitor.m
}

func (c *Core) stopMonitor() {
	c.monitor.mu.Lock()
	m := c.monitor.m
	c.monitor.mu.Unlock()
	if m != nil {
		m.Stop()
	}
}

// MonitorSources are what the core's monitor samples: the metrics registry
// and topic deliveries per subscription. Tests and benchmarks build their own monitors from them.
func (c *Core) MonitorSources() []monitor.Source {
	return []monitor.Source{monitor.RegistrySource(c.metrics), c.subscriptionCounters}
}

func (c *Core) subscriptionCounters(w *monitor.Writer) {
	if c.topics == nil {
		return
	}
	for _, t := range c.topics.Topics() {
		for _, sub := range t.Subscriptions {
			if sub.Pending {
				continue
			}
			k := monitor.Key{Kind: monitor.Topic, Resource: t.Name, Dimension: sub.ARN}
			k.Metric = monitor.NumberOfNotificationsDelivered
			w.Counter(k, float64(sub.Delivered))
			k.Metric = monitor.NumberOfNotificationsFailed
			w.Counter(k, float64(sub.Failed))
		}
	}
}
