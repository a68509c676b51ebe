package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/store"
)

// keyring is an immutable snapshot of the keys and plans, swapped whole on
// every change so requests read it without locks. Buckets and meters live
// in the service's limiter map so they survive snapshot changes.
type keyring struct {
	byValue map[string]*APIKey
	plans   map[string]UsagePlan
	limits  *sync.Map // plan + "\x00" + key id → *planLimiter
}

// planLimiter is one key's throttle and quota under one plan.
type planLimiter struct {
	bucket *bucket // nil without a plan throttle
	meter  meter
}

// keyDecision is why a request with (or without) a key may go on.
type keyDecision int

const (
	keyOK keyDecision = iota
	keyForbidden
	keyThrottled
	keyQuotaExceeded
)

// check admits a request for api/stage with the x-api-key value.
func (k *keyring) check(api, stage, value string, now time.Time) keyDecision {
	key := k.byValue[value]
	if value == "" || key == nil || !key.Enabled {
		return keyForbidden
	}
	for _, name := range key.Plans {
		plan, ok := k.plans[name]
		if !ok || !plan.covers(api, stage) {
			continue
		}
		lim := k.limiter(plan, key.ID, now)
		if lim.bucket != nil && !lim.bucket.take(now) {
			return keyThrottled
		}
		if plan.Quota != nil {
			if _, ok := lim.meter.use(*plan.Quota, now); !ok {
				return keyQuotaExceeded
			}
		}
		return keyOK
	}
	return keyForbidden
}

func (k *keyring) limiter(plan UsagePlan, keyID string, now time.Time) *planLimiter {
	id := plan.Name + "\x00" + keyID
	if v, ok := k.limits.Load(id); ok {
		return v.(*planLimiter)
	}
	lim := &planLimiter{}
	if plan.Throttle != nil {
		lim.bucket = newBucket(*plan.Throttle, now)
	}
	v, _ := k.limits.LoadOrStore(id, lim)
	return v.(*planLimiter)
}

func (p UsagePlan) covers(api, stage string) bool {
	for _, a := range p.APIs {
		name, st, hasStage := strings.Cut(a, "/")
		if name == api && (!hasStage || st == stage) {
			return true
		}
	}
	return false
}

func (s *Service) loadKeys() error {
	limits := &sync.Map{}
	ring := &keyring{byValue: map[string]*APIKey{}, plans: map[string]UsagePlan{}, limits: limits}
	rows, err := s.st.DB().Query(`SELECT spec FROM gateway_usage_plans ORDER BY name`)
	if err != nil {
		return fmt.Errorf("gateway: load usage plans: %w", err)
	}
	for rows.Next() {
		var spec string
		var p UsagePlan
		if err := rows.Scan(&spec); err == nil {
			err = json.Unmarshal([]byte(spec), &p)
		}
		if err != nil {
			rows.Close()
			return fmt.Errorf("gateway: load usage plans: %w", err)
		}
		ring.plans[p.Name] = p
		s.plans[p.Name] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("gateway: load usage plans: %w", err)
	}
	rows, err = s.st.DB().Query(`SELECT id, name, value, enabled, plans, created_at FROM gateway_api_keys ORDER BY id`)
	if err != nil {
		return fmt.Errorf("gateway: load API keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k APIKey
		var plans string
		var created int64
		if err := rows.Scan(&k.ID, &k.Name, &k.Value, &k.Enabled, &plans, &created); err != nil {
			return fmt.Errorf("gateway: load API keys: %w", err)
		}
		if err := json.Unmarshal([]byte(plans), &k.Plans); err != nil {
			return fmt.Errorf("gateway: API key %s: %w", k.ID, err)
		}
		k.Created = time.UnixMilli(created)
		ring.byValue[k.Value] = &k
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("gateway: load API keys: %w", err)
	}
	s.keys.Store(ring)
	return s.loadUsage(ring)
}

// forgetPlan drops the throttles and quota counts of a plan's keys.
func (k *keyring) forgetPlan(plan string) {
	prefix := plan + "\x00"
	k.limits.Range(func(id, _ any) bool {
		if strings.HasPrefix(id.(string), prefix) {
			k.limits.Delete(id)
		}
		return true
	})
}

// loadUsage restores the quota counts saved by the last Close.
func (s *Service) loadUsage(ring *keyring) error {
	rows, err := s.st.DB().Query(`SELECT plan, key_id, window_start, used FROM gateway_usage`)
	if err != nil {
		return fmt.Errorf("gateway: load usage: %w", err)
	}
	defer rows.Close()
	now := s.clock.Now()
	for rows.Next() {
		var plan, keyID string
		var window int64
		var used int
		if err := rows.Scan(&plan, &keyID, &window, &used); err != nil {
			return fmt.Errorf("gateway: load usage: %w", err)
		}
		p, ok := ring.plans[plan]
		if !ok || p.Quota == nil {
			continue
		}
		lim := ring.limiter(p, keyID, now)
		lim.meter.window, lim.meter.used = time.UnixMilli(window).UTC(), used
	}
	return rows.Err()
}

// saveUsage stores the quota counts so a restart keeps them.
func (s *Service) saveUsage() error {
	type row struct {
		plan, key string
		window    int64
		used      int
	}
	var out []row
	ring := s.keys.Load()
	ring.limits.Range(func(id, v any) bool {
		plan, key, _ := strings.Cut(id.(string), "\x00")
		lim := v.(*planLimiter)
		lim.meter.mu.Lock()
		if lim.meter.used > 0 {
			out = append(out, row{plan, key, lim.meter.window.UnixMilli(), lim.meter.used})
		}
		lim.meter.mu.Unlock()
		return true
	})
	return s.st.Write(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Exec(`DELETE FROM gateway_usage`); err != nil {
			return err
		}
		for _, r := range out {
			if _, err := tx.Exec(`INSERT INTO gateway_usage(plan, key_id, window_start, used) VALUES (?, ?, ?, ?)`, r.plan, r.key, r.window, r.used); err != nil {
				return err
			}
		}
		return nil
	})
}

// APIKeys lists the keys by name.
func (s *Service) APIKeys() []APIKey {
	ring := s.keys.Load()
	out := make([]APIKey, 0, len(ring.byValue))
	for _, k := range ring.byValue {
		c := *k
		c.Plans = slices.Clone(k.Plans)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || out[i].Name == out[j].Name && out[i].ID < out[j].ID
	})
	return out
}

// CreateAPIKey makes an enabled key in the given usage plans; an empty
// value gets a random 40-character one.
func (s *Service) CreateAPIKey(ctx context.Context, name, value string, plans []string) (APIKey, error) {
	if name == "" || len(name) > 1024 {
		return APIKey{}, errorf(BadRequest, "an API key needs a name of at most 1024 characters")
	}
	if value == "" {
		value = newID(40)
	}
	if len(value) < 20 || len(value) > 128 {
		return APIKey{}, errorf(BadRequest, "an API key value must be 20–128 characters")
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	for _, p := range plans {
		if _, ok := s.plans[p]; !ok {
			return APIKey{}, errorf(NotFound, "usage plan %q does not exist", p)
		}
	}
	ring := s.keys.Load()
	if _, dup := ring.byValue[value]; dup {
		return APIKey{}, errorf(Conflict, "an API key with that value already exists")
	}
	k := APIKey{ID: newID(10), Name: name, Value: value, Enabled: true, Plans: slices.Clone(plans), Created: s.clock.Now()}
	if e := s.saveKey(ctx, k); e != nil {
		return APIKey{}, e
	}
	s.emit(event.ResourceCreated, event.Info, "key/"+k.Name, "API key "+k.Name+" created")
	return k, nil
}

// UpdateAPIKey changes a key's name, enabled state and plans (by ID).
func (s *Service) UpdateAPIKey(ctx context.Context, k APIKey) (APIKey, error) {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	old := s.keyByID(k.ID)
	if old == nil {
		return APIKey{}, errorf(NotFound, "API key %q does not exist", k.ID)
	}
	for _, p := range k.Plans {
		if _, ok := s.plans[p]; !ok {
			return APIKey{}, errorf(NotFound, "usage plan %q does not exist", p)
		}
	}
	k.Value, k.Created = old.Value, old.Created
	if k.Name == "" {
		k.Name = old.Name
	}
	if e := s.saveKey(ctx, k); e != nil {
		return APIKey{}, e
	}
	return k, nil
}

// DeleteAPIKey removes a key.
func (s *Service) DeleteAPIKey(ctx context.Context, id string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	old := s.keyByID(id)
	if old == nil {
		return errorf(NotFound, "API key %q does not exist", id)
	}
	if e := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM gateway_api_keys WHERE id = ?`, id)
		return err
	}); e != nil {
		return e
	}
	s.swapRing(func(r *keyring) { delete(r.byValue, old.Value) })
	return nil
}

func (s *Service) keyByID(id string) *APIKey {
	for _, k := range s.keys.Load().byValue {
		if k.ID == id {
			return k
		}
	}
	return nil
}

func (s *Service) saveKey(ctx context.Context, k APIKey) *Error {
	plans, _ := json.Marshal(nonNil(k.Plans))
	if e := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO gateway_api_keys(id, name, value, enabled, plans, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			k.ID, k.Name, k.Value, k.Enabled, string(plans), k.Created.UnixMilli())
		return err
	}); e != nil {
		return e
	}
	s.swapRing(func(r *keyring) {
		c := k
		r.byValue[k.Value] = &c
	})
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// swapRing copies the keyring, lets change edit the copy and installs it.
// The caller holds adminMu.
func (s *Service) swapRing(change func(*keyring)) {
	old := s.keys.Load()
	n := &keyring{byValue: make(map[string]*APIKey, len(old.byValue)), plans: make(map[string]UsagePlan, len(s.plans)), limits: old.limits}
	if n.limits == nil {
		n.limits = &sync.Map{}
	}
	for k, v := range old.byValue {
		n.byValue[k] = v
	}
	for k, v := range s.plans {
		n.plans[k] = v
	}
	change(n)
	s.keys.Store(n)
}

// UsagePlans lists the plans by name.
func (s *Service) UsagePlans() []UsagePlan {
	ring := s.keys.Load()
	out := make([]UsagePlan, 0, len(ring.plans))
	for _, p := range ring.plans {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutUsagePlan creates or replaces a usage plan; its keys' throttle and
// quota counts start afresh.
func (s *Service) PutUsagePlan(ctx context.Context, p UsagePlan) error {
	if !validName(p.Name, 128) {
		return errorf(BadRequest, "usage plan name %q must be 1–128 letters, digits, '.', '_' or '-'", p.Name)
	}
	if err := validateThrottle("usage plan "+p.Name, p.Throttle); err != nil {
		return err
	}
	if q := p.Quota; q != nil {
		if q.Limit < 0 {
			return errorf(BadRequest, "usage plan %s: the quota limit cannot be negative", p.Name)
		}
		if q.Period != Day && q.Period != Week && q.Period != Month {
			return errorf(BadRequest, "usage plan %s: the quota period must be DAY, WEEK or MONTH", p.Name)
		}
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	spec, _ := json.Marshal(p)
	if e := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO gateway_usage_plans(name, spec) VALUES (?, ?)`, p.Name, string(spec))
		return err
	}); e != nil {
		return e
	}
	s.plans[p.Name] = p
	s.swapRing(func(r *keyring) { r.forgetPlan(p.Name) })
	return nil
}

// DeleteUsagePlan removes a plan; keys in it lose access through it.
func (s *Service) DeleteUsagePlan(ctx context.Context, name string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if _, ok := s.plans[name]; !ok {
		return errorf(NotFound, "usage plan %q does not exist", name)
	}
	if e := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM gateway_usage_plans WHERE name = ?`, name)
		return err
	}); e != nil {
		return e
	}
	delete(s.plans, name)
	s.swapRing(func(r *keyring) { r.forgetPlan(name) })
	return nil
}

// Usage returns how many requests a key has made in its plan's current
// quota period, and how many remain.
func (s *Service) Usage(plan, keyID string) (used, remaining int, err error) {
	ring := s.keys.Load()
	p, ok := ring.plans[plan]
	if !ok {
		return 0, 0, errorf(NotFound, "usage plan %q does not exist", plan)
	}
	if p.Quota == nil {
		return 0, 0, errorf(BadRequest, "usage plan %q has no quota", plan)
	}
	now := s.clock.Now()
	lim := ring.limiter(p, keyID, now)
	lim.meter.mu.Lock()
	defer lim.meter.mu.Unlock()
	if !lim.meter.window.Equal(quotaWindow(p.Quota.Period, now)) {
		return 0, p.Quota.Limit, nil
	}
	return lim.meter.used, p.Quota.Limit - lim.meter.used, nil
}
