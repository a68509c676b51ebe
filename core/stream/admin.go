package stream

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// validName checks a stream name: 1–128 of [a-zA-Z0-9_.-].
func validName(name string) *Error {
	if name == "" || len(name) > 128 {
		return errorf(Validation, "1 validation error detected: Value '%s' at 'streamName' failed to satisfy constraint: Member must have length between 1 and 128", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return errorf(Validation, "1 validation error detected: Value '%s' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name)
		}
	}
	return nil
}

// openShardCount counts the open shards of every stream.
func (s *Service) openShardCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, st := range s.byID {
		st.mu.RLock()
		n += len(st.open)
		st.mu.RUnlock()
	}
	return n
}

// Create makes a new stream with uniform shards.
func (s *Service) Create(ctx context.Context, in CreateInput) error {
	if err := validName(in.Name); err != nil {
		return err
	}
	mode := in.Mode
	if mode == "" {
		mode = ModeProvisioned
	}
	switch mode {
	case ModeProvisioned:
		if in.ShardCount < 1 {
			return errorf(InvalidArgument, "ShardCount must be at least 1 for a PROVISIONED stream.")
		}
	case ModeOnDemand:
		if in.ShardCount == 0 {
			in.ShardCount = OnDemandShards
		}
	default:
		return errorf(Validation, "1 validation error detected: Value '%s' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]", mode)
	}
	maxKB := in.MaxRecordKB
	if maxKB == 0 {
		maxKB = DefaultMaxRecordKiB
	}
	if maxKB < DefaultMaxRecordKiB || maxKB > MaxMaxRecordKiB {
		return errorf(Validation, "MaxRecordSizeInKiB must be between 1024 and 10240.")
	}
	if err := validateTags(in.Tags, 50); err != nil {
		return err
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if s.Exists(in.Name) {
		return errorf(ResourceInUse, "Stream %s under account %s already exists.", in.Name, s.cfg.Account)
	}
	if n := s.openShardCount(); n+in.ShardCount > s.cfg.ShardLimit {
		return errorf(LimitExceeded, "This request would exceed the shard limit for the account %s in %s. Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d.",
			s.cfg.Account, s.cfg.Region, n, s.cfg.ShardLimit, in.ShardCount)
	}
	tags := map[string]string{}
	for k, v := range in.Tags {
		tags[k] = v
	}
	now := s.clock.Now()
	st := &stream{name: in.Name, arn: s.arn(in.Name), mode: mode, retention: DefaultRetentionHours,
		maxRecordKB: maxKB, tags: tags, created: now}
	tagJSON, _ := json.Marshal(tags)
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(`INSERT INTO stream_streams(name, mode, retention_hours, max_record_kib, tags, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			st.name, st.mode, st.retention, st.maxRecordKB, string(tagJSON), now.UnixMilli())
		if err != nil {
			return err
		}
		if st.id, err = res.LastInsertId(); err != nil {
			return err
		}
		start := s.seq.Load() + 1
		for _, r := range UniformRanges(in.ShardCount) {
			sh, err := s.insertShard(tx, st, r, "", "", start)
			if err != nil {
				return err
			}
			st.shards = append(st.shards, sh)
		}
		return nil
	})
	if err != nil {
		return internal(err)
	}
	st.mu.Lock()
	st.reindex()
	s.settle(st, StatusCreating)
	st.mu.Unlock()
	st.registerMetrics(s)
	s.mu.Lock()
	s.byName[st.name] = st
	s.byID[st.id] = st
	s.mu.Unlock()
	s.publish(event.ResourceCreated, event.Info, st.name, "stream "+st.name+" created with "+itoa(in.ShardCount)+" shards ("+mode+")")
	return nil
}

// insertShard stores a new shard of st starting at sequence start. It runs
// on the writer goroutine; the caller adds it to st.
func (s *Service) insertShard(tx *store.Tx, st *stream, r HashRange, parent, adjacent string, start uint64) (*shard, error) {
	now := s.clock.Now()
	sh := &shard{index: st.nextShard, rng: r, parent: parent, adjacent: adjacent, startSeq: start, created: now}
	sh.id = shardName(sh.index)
	res, err := tx.Exec(`INSERT INTO stream_shards(stream_id, shard_index, hash_start, hash_end, parent, adjacent, start_seq, end_seq, created_at, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, 0)`, st.id, sh.index, r.Start.String(), r.End.String(), parent, adjacent, int64(start), now.UnixMilli())
	if err != nil {
		return nil, err
	}
	if sh.dbID, err = res.LastInsertId(); err != nil {
		return nil, err
	}
	st.nextShard++
	if s.cfg.Throughput {
		sh.limits = newThrottle(now)
	}
	return sh, nil
}

// settle puts st in the transient status for the configured delay, then
// ACTIVE (caller holds st.mu).
func (s *Service) settle(st *stream, transient string) {
	if s.cfg.TransitionDelay <= 0 {
		st.status = StatusActive
		return
	}
	st.status = transient
	s.clock.AfterFunc(s.cfg.TransitionDelay, func() {
		st.mu.Lock()
		if !st.deleted {
			st.status = StatusActive
		}
		st.mu.Unlock()
	})
}

// Delete removes a stream and all its records.
func (s *Service) Delete(ctx context.Context, name string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.lookup(name)
	if err != nil {
		return err
	}
	// The stream and its shards go at once; their records are purged in
	// batches in the background (stream_purge keeps the list across a
	// restart), so a large stream does not hold the writer.
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		for _, q := range []string{
			`INSERT OR IGNORE INTO stream_purge(shard_id) SELECT id FROM stream_shards WHERE stream_id = ?`,
			`DELETE FROM stream_shards WHERE stream_id = ?`,
			`DELETE FROM stream_consumers WHERE stream_id = ?`,
			`DELETE FROM stream_streams WHERE id = ?`,
		} {
			if _, err := tx.Exec(q, st.id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return internal(err)
	}
	s.Kick()
	s.mu.Lock()
	delete(s.byName, name)
	delete(s.byID, st.id)
	s.mu.Unlock()
	st.mu.Lock()
	st.deleted = true
	st.status = StatusDeleting
	st.mu.Unlock()
	st.removeMetrics(s)
	s.publish(event.ResourceDeleted, event.Info, name, "stream "+name+" deleted")
	return nil
}

// Describe returns the stream with its shards (all of them).
func (s *Service) Describe(name string) (Description, error) {
	st, err := s.lookup(name)
	if err != nil {
		return Description{}, err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	d := Description{Name: st.name, ARN: st.arn, Status: st.status, Mode: st.mode, RetentionHours: st.retention,
		MaxRecordKB: st.maxRecordKB, Created: st.created, OpenShards: len(st.open), Tags: map[string]string{},
		IteratorAge: msDuration(st.iteratorAge.Load()), Consumers: len(st.consumers)}
	for _, sh := range st.sortedShards() {
		d.Shards = append(d.Shards, sh.info())
	}
	for k, v := range st.tags {
		d.Tags[k] = v
	}
	return d, nil
}

// List returns every stream, by name.
func (s *Service) List() []Summary {
	s.mu.RLock()
	all := make([]*stream, 0, len(s.byName))
	for _, st := range s.byName {
		all = append(all, st)
	}
	s.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	out := make([]Summary, 0, len(all))
	for _, st := range all {
		st.mu.RLock()
		out = append(out, Summary{Name: st.name, ARN: st.arn, Status: st.status, Mode: st.mode, Created: st.created, OpenShards: len(st.open)})
		st.mu.RUnlock()
	}
	return out
}

// validateTags checks tag keys and values and their number.
func validateTags(tags map[string]string, most int) *Error {
	if len(tags) > most {
		return errorf(InvalidArgument, "Failed to add tags to stream: a request may carry at most %d tags.", most)
	}
	for k, v := range tags {
		if k == "" || utf8.RuneCountInString(k) > 128 || strings.HasPrefix(k, "aws:") {
			return errorf(InvalidArgument, "Invalid tag key %q: a key has 1 to 128 characters and may not start with aws:.", k)
		}
		if utf8.RuneCountInString(v) > 256 {
			return errorf(InvalidArgument, "Invalid value for tag %q: at most 256 characters.", k)
		}
	}
	return nil
}

// AddTags adds or replaces tags (at most 10 per call, 50 per stream).
func (s *Service) AddTags(ctx context.Context, name string, tags map[string]string) error {
	if err := validateTags(tags, 10); err != nil {
		return err
	}
	return s.changeTags(ctx, name, func(cur map[string]string) *Error {
		for k, v := range tags {
			cur[k] = v
		}
		if len(cur) > 50 {
			return errorf(LimitExceeded, "Failed to add tags to stream %s: a stream may have at most 50 tags.", name)
		}
		return nil
	})
}

// RemoveTags removes tags by key (at most 10 per call).
func (s *Service) RemoveTags(ctx context.Context, name string, keys []string) error {
	if len(keys) == 0 || len(keys) > 10 {
		return errorf(InvalidArgument, "TagKeys must name 1 to 10 keys.")
	}
	return s.changeTags(ctx, name, func(cur map[string]string) *Error {
		for _, k := range keys {
			delete(cur, k)
		}
		return nil
	})
}

func (s *Service) changeTags(ctx context.Context, name string, change func(map[string]string) *Error) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.lookup(name)
	if err != nil {
		return err
	}
	st.mu.RLock()
	next := map[string]string{}
	for k, v := range st.tags {
		next[k] = v
	}
	st.mu.RUnlock()
	if e := change(next); e != nil {
		return e
	}
	js, _ := json.Marshal(next)
	if err := s.st.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE stream_streams SET tags = ? WHERE id = ?`, string(js), st.id)
		return err
	}); err != nil {
		return internal(err)
	}
	st.mu.Lock()
	st.tags = next
	st.mu.Unlock()
	return nil
}

// Tags returns the stream's tags.
func (s *Service) Tags(name string) (map[string]string, error) {
	d, err := s.Describe(name)
	return d.Tags, err
}

// requireActive returns ResourceInUseException unless st is ACTIVE
// (caller holds st.mu).
func (st *stream) requireActive() *Error {
	if st.status != StatusActive {
		return errorf(ResourceInUse, "Stream %s under account is in %s state; the operation needs ACTIVE.", st.name, st.status)
	}
	return nil
}

// update changes a stream's settings: check runs under the stream's lock
// and returns the column assignments to store.
func (s *Service) update(ctx context.Context, name string, transient bool, check func(st *stream) (string, []any, func(), *Error)) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.lookup(name)
	if err != nil {
		return err
	}
	st.mu.RLock()
	if e := st.requireActive(); e != nil {
		st.mu.RUnlock()
		return e
	}
	set, args, apply, e := check(st)
	st.mu.RUnlock()
	if e != nil {
		return e
	}
	if set != "" {
		if err := s.st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE stream_streams SET `+set+` WHERE id = ?`, append(args, st.id)...)
			return err
		}); err != nil {
			return internal(err)
		}
	}
	st.mu.Lock()
	apply()
	if transient {
		s.settle(st, StatusUpdating)
	}
	st.mu.Unlock()
	s.publish(event.ResourceChanged, event.Info, name, "stream "+name+" updated")
	return nil
}

// IncreaseRetention raises the retention period (hours, up to 8760).
func (s *Service) IncreaseRetention(ctx context.Context, name string, hours int) error {
	return s.setRetention(ctx, name, hours, true)
}

// DecreaseRetention lowers the retention period (hours, down to 24).
func (s *Service) DecreaseRetention(ctx context.Context, name string, hours int) error {
	return s.setRetention(ctx, name, hours, false)
}

func (s *Service) setRetention(ctx context.Context, name string, hours int, increase bool) error {
	if hours < DefaultRetentionHours || hours > MaxRetentionHours {
		return errorf(InvalidArgument, "Minimum allowed retention period is %d hours and maximum is %d hours. Requested retention period (%d hours) is outside this range.",
			DefaultRetentionHours, MaxRetentionHours, hours)
	}
	err := s.update(ctx, name, false, func(st *stream) (string, []any, func(), *Error) {
		if increase && hours < st.retention {
			return "", nil, nil, errorf(InvalidArgument, "Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", hours, name, st.retention)
		}
		if !increase && hours > st.retention {
			return "", nil, nil, errorf(InvalidArgument, "Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", hours, name, st.retention)
		}
		return "retention_hours = ?", []any{hours}, func() { st.retention = hours }, nil
	})
	if err == nil && !increase {
		s.Kick()
	}
	return err
}

// UpdateMaxRecordSize sets the largest record the stream takes (KiB).
func (s *Service) UpdateMaxRecordSize(ctx context.Context, name string, kib int) error {
	if kib < DefaultMaxRecordKiB || kib > MaxMaxRecordKiB {
		return errorf(Validation, "1 validation error detected: Value '%d' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value between 1024 and 10240", kib)
	}
	return s.update(ctx, name, true, func(st *stream) (string, []any, func(), *Error) {
		return "max_record_kib = ?", []any{kib}, func() { st.maxRecordKB = kib }, nil
	})
}

// UpdateMode switches between PROVISIONED and ON_DEMAND.
func (s *Service) UpdateMode(ctx context.Context, name, mode string) error {
	if mode != ModeProvisioned && mode != ModeOnDemand {
		return errorf(Validation, "1 validation error detected: Value '%s' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]", mode)
	}
	return s.update(ctx, name, true, func(st *stream) (string, []any, func(), *Error) {
		if st.mode == mode {
			return "", nil, nil, errorf(ResourceInUse, "Stream %s is already in %s mode.", name, mode)
		}
		return "mode = ?", []any{mode}, func() { st.mode = mode }, nil
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
