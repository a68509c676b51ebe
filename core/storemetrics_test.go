package core_test

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/skyport-dev/skyport/core/clock"
)

// /metrics has the time group commits take, one observation per commit.
func TestStoreCommitTimeIsAHistogram(t *testing.T) {
	c := openCore(t, clock.New())
	ctx := context.Background()
	if err := c.Queues().CreateQueue(ctx, "timed", nil, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Metrics().WritePrometheus(&buf); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^skyport_store_commit_seconds_count (\d+)$`).FindStringSubmatch(buf.String())
	if m == nil {
		t.Fatalf("no skyport_store_commit_seconds_count in /metrics:\n%s", buf.String())
	}
	n, _ := strconv.Atoi(m[1])
	if commits := c.Store().Stats().Commits; n == 0 || uint64(n) > commits {
		t.Fatalf("%d commit times observed, %d commits", n, commits)
	}
}
