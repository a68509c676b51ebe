package gateway

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/skyport-dev/skyport/core/chaos"
	"github.com/skyport-dev/skyport/core/clock"
	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/metrics"
	"github.com/skyport-dev/skyport/core/store"
)

// Config says what a Service runs on.
type Config struct {
	Store      *store.Store      // definitions; every change goes through Store.Write
	Clock      *clock.Clock      // the only source of time for throttling, TTLs, timeouts
	Events     event.Publisher   // access log and resource events; may be nil
	Metrics    *metrics.Registry // may be nil
	Region     string            // "us-east-1" when empty
	Account    string            // "000000000000" when empty
	Host       string            // listen address of the APIs; "127.0.0.1" when empty
	BasePort   int               // first port tried for an API without one; DefaultBasePort when 0
	AnyPort    bool              // an API without a port gets any free port, not from BasePort (tests)
	CacheBytes int64             // response cache budget; 0 means 64 MiB
	Targets    Targets           // integration targets; more can be wired later with SetTargets
	HTTPClient *http.Client      // for HTTP proxy integrations; nil: a default client
	Chaos      *chaos.Registry   // per-route chaos (chaos.go); nil: none
}

// Service holds every API, its listener and its serving state.
type Service struct {
	cfg     Config
	st      *store.Store
	clock   *clock.Clock
	reg     *metrics.Registry
	cache   *ristretto.Cache[string, *cached]
	client  *http.Client
	targets atomic.Pointer[Targets]

	generation atomic.Uint64

	adminMu sync.Mutex // serializes definition changes
	mu      sync.RWMutex
	apis    map[string]*apiState

	keys  atomic.Pointer[keyring]
	plans map[string]UsagePlan // guarded by adminMu; snapshot in keys

	statsMu sync.Mutex
	stats   map[string]*routeMetrics // by api + "\x00" + route key

	flightMu sync.Mutex
	flights  map[string]*flight // cache misses being filled, by cache key

	closed atomic.Bool
}

// apiState is one API: its live definition and its listener.
type apiState struct {
	cur      atomic.Pointer[compiled]
	created  time.Time
	modified time.Time
	lis      *listener
	lisErr   string
}

// Open loads the stored APIs, keys and usage plans and starts a listener
// for each API. An API whose port is taken stays defined, without a
// listener, and says why in APIs().
func Open(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Clock == nil {
		return nil, errors.New("gateway: Open needs a Store and a Clock")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.BasePort == 0 {
		cfg.BasePort = DefaultBasePort
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = defaultCacheBytes
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewRegistry()
	}
	cache, err := newResponseCache(cfg.CacheBytes)
	if err != nil {
		return nil, fmt.Errorf("gateway: response cache: %w", err)
	}
	s := &Service{cfg: cfg, st: cfg.Store, clock: cfg.Clock, reg: cfg.Metrics, cache: cache,
		client: cfg.HTTPClient, apis: map[string]*apiState{}, plans: map[string]UsagePlan{}, stats: map[string]*routeMetrics{}, flights: map[string]*flight{}}
	if s.client == nil {
		s.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	t := cfg.Targets
	s.targets.Store(&t)
	s.keys.Store(&keyring{})
	if err := s.load(); err != nil {
		cache.Close()
		return nil, err
	}
	s.mu.RLock()
	names := make([]string, 0, len(s.apis))
	for n := range s.apis {
		names = append(names, n)
	}
	s.mu.RUnlock()
	sort.Strings(names)
	for _, n := range names {
		s.startListener(n, s.apis[n])
	}
	return s, nil
}

// SetTargets replaces the integration targets (as services come up).
func (s *Service) SetTargets(t Targets) { s.targets.Store(&t) }

// Close stops every listener (in-flight requests get up to five seconds)
// and saves the usage plans' quota counts. It does not close the store.
func (s *Service) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.mu.Lock()
	var errs []error
	for _, a := range s.apis {
		if a.lis != nil {
			errs = append(errs, a.lis.stop())
			a.lis = nil
		}
	}
	s.mu.Unlock()
	if err := s.saveUsage(); err != nil {
		errs = append(errs, fmt.Errorf("gateway: save usage: %w", err))
	}
	s.cache.Close()
	return errors.Join(errs...)
}

func (s *Service) emit(kind event.Kind, level event.Level, resource, msg string) {
	if s.cfg.Events == nil {
		return
	}
	s.cfg.Events.Publish(event.Event{Time: s.clock.Now(), Kind: kind, Level: level, Service: "gateway", Resource: resource, Message: msg})
}

func (s *Service) lookup(name string) (*apiState, *Error) {
	s.mu.RLock()
	a := s.apis[name]
	s.mu.RUnlock()
	if a == nil {
		return nil, errorf(NotFound, "API %q does not exist", name)
	}
	return a, nil
}

// write runs fn in the store's group commit.
func (s *Service) write(ctx context.Context, fn func(tx *store.Tx) error) *Error {
	if err := s.st.Write(ctx, fn); err != nil {
		var ge *Error
		if errors.As(err, &ge) {
			return ge
		}
		return errorf(InternalError, "gateway store: %v", err)
	}
	return nil
}

// newID returns n random characters from [a-z0-9], as API Gateway ids look.
func newID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// CreateAPI defines an API and starts its listener. A Port of 0 takes the
// first free port from the base port (8080); the chosen port is kept.
func (s *Service) CreateAPI(ctx context.Context, a API) (APIInfo, error) {
	a.Tags = maps.Clone(a.Tags)
	if len(a.Tags) == 0 {
		a.Tags = nil
	}
	keys, err := validateAPI(&a)
	if err != nil {
		return APIInfo{}, err
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if _, exists := s.lookup(a.Name); exists == nil {
		return APIInfo{}, errorf(Conflict, "API %q already exists", a.Name)
	}
	if e := s.portFree(a.Name, a.Port); e != nil {
		return APIInfo{}, e
	}
	a.ID = newID(10)
	lis, port, lerr := s.listen(a.Port)
	if lerr != nil {
		return APIInfo{}, lerr
	}
	if !s.cfg.AnyPort || a.Port != 0 {
		a.Port = port
	}
	now := s.clock.Now()
	spec, _ := json.Marshal(a)
	if e := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO gateway_apis(name, api_id, spec, created_at, modified_at) VALUES (?, ?, ?, ?, ?)`,
			a.Name, a.ID, string(spec), now.UnixMilli(), now.UnixMilli())
		return err
	}); e != nil {
		_ = lis.stop()
		return APIInfo{}, e
	}
	st := &apiState{created: now, modified: now}
	st.cur.Store(s.compile(a, keys))
	s.mu.Lock()
	s.apis[a.Name] = st
	s.mu.Unlock()
	s.serve(a.Name, st, lis)
	s.emit(event.ResourceCreated, event.Info, a.Name, fmt.Sprintf("API %s created, listening on %s", a.Name, lis.url()))
	return s.info(st), nil
}

// UpdateAPI replaces an API's definition (by name). Requests in flight
// finish on the old one; a new port moves the listener.
// The API keeps its tags (a.Tags is ignored): TagResource and
// UntagResource change them.
func (s *Service) UpdateAPI(ctx context.Context, a API) (APIInfo, error) {
	a.Tags = nil
	keys, err := validateAPI(&a)
	if err != nil {
		return APIInfo{}, err
	}
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.lookup(a.Name)
	if err != nil {
		return APIInfo{}, err
	}
	old := st.cur.Load().spec
	a.ID = old.ID
	a.Tags = maps.Clone(old.Tags)
	if a.Port == 0 {
		a.Port = old.Port
	}
	var lis *listener
	if a.Port != old.Port || st.lis == nil {
		if e := s.portFree(a.Name, a.Port); e != nil {
			return APIInfo{}, e
		}
		var port int
		var lerr *Error
		if lis, port, lerr = s.listen(a.Port); lerr != nil {
			return APIInfo{}, lerr
		}
		if !s.cfg.AnyPort || a.Port != 0 {
			a.Port = port
		}
	}
	now := s.clock.Now()
	if e := s.storeSpec(ctx, a, now); e != nil {
		if lis != nil {
			_ = lis.stop()
		}
		return APIInfo{}, e
	}
	st.cur.Store(s.compile(a, keys))
	s.mu.Lock()
	st.modified = now
	s.mu.Unlock()
	if lis != nil {
		s.mu.Lock()
		prev := st.lis
		st.lis = nil
		s.mu.Unlock()
		if prev != nil {
			_ = prev.stop()
		}
		s.serve(a.Name, st, lis)
	}
	s.emit(event.ResourceChanged, event.Info, a.Name, fmt.Sprintf("API %s updated (%d routes)", a.Name, len(a.Routes)))
	return s.info(st), nil
}

// DeleteAPI removes an API and stops its listener.
func (s *Service) DeleteAPI(ctx context.Context, name string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.lookup(name)
	if err != nil {
		return err
	}
	if e := s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM gateway_apis WHERE name = ?`, name)
		return err
	}); e != nil {
		return e
	}
	s.mu.Lock()
	delete(s.apis, name)
	lis := st.lis
	st.lis = nil
	s.mu.Unlock()
	if lis != nil {
		_ = lis.stop()
	}
	s.dropStats(name)
	s.emit(event.ResourceDeleted, event.Info, name, "API "+name+" deleted")
	return nil
}

// PutRoute adds a route to an API or replaces the route with the same key.
func (s *Service) PutRoute(ctx context.Context, api string, r Route) (APIInfo, error) {
	a, err := s.API(api)
	if err != nil {
		return APIInfo{}, err
	}
	replaced := false
	for i := range a.Routes {
		if a.Routes[i].Key == r.Key {
			a.Routes[i], replaced = r, true
		}
	}
	if !replaced {
		a.Routes = append(a.Routes, r)
	}
	return s.UpdateAPI(ctx, a)
}

// DeleteRoute removes a route from an API.
func (s *Service) DeleteRoute(ctx context.Context, api, key string) error {
	a, err := s.API(api)
	if err != nil {
		return err
	}
	n := len(a.Routes)
	a.Routes = slices.DeleteFunc(a.Routes, func(r Route) bool { return r.Key == key })
	if len(a.Routes) == n {
		return errorf(NotFound, "API %q has no route %q", api, key)
	}
	_, err = s.UpdateAPI(ctx, a)
	return err
}

// API returns an API's definition.
func (s *Service) API(name string) (API, error) {
	st, err := s.lookup(name)
	if err != nil {
		return API{}, err
	}
	return cloneAPI(st.cur.Load().spec), nil
}

// cloneAPI deep-copies a definition through JSON, so callers cannot change
// a live one.
func cloneAPI(a API) API {
	b, _ := json.Marshal(a)
	var out API
	_ = json.Unmarshal(b, &out)
	return out
}

// APIs lists every API by name.
func (s *Service) APIs() []APIInfo {
	s.mu.RLock()
	out := make([]APIInfo, 0, len(s.apis))
	for _, st := range s.apis {
		out = append(out, s.infoLocked(st))
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// URL returns the base URL an API listens on ("" when it is not listening).
func (s *Service) URL(name string) string {
	st, err := s.lookup(name)
	if err != nil {
		return ""
	}
	return s.info(st).URL
}

func (s *Service) info(st *apiState) APIInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.infoLocked(st)
}

func (s *Service) infoLocked(st *apiState) APIInfo {
	in := APIInfo{API: cloneAPI(st.cur.Load().spec), Created: st.created, Modified: st.modified, ListenErr: st.lisErr}
	if st.lis != nil {
		in.URL, in.Listening = st.lis.url(), true
	}
	return in
}

// load reads every stored API, key and plan.
func (s *Service) load() error {
	rows, err := s.st.DB().Query(`SELECT name, spec, created_at, modified_at FROM gateway_apis ORDER BY name`)
	if err != nil {
		return fmt.Errorf("gateway: load APIs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, spec string
		var created, modified int64
		if err := rows.Scan(&name, &spec, &created, &modified); err != nil {
			return fmt.Errorf("gateway: load APIs: %w", err)
		}
		var a API
		if err := json.Unmarshal([]byte(spec), &a); err != nil {
			return fmt.Errorf("gateway: API %s: stored definition: %w", name, err)
		}
		keys, verr := validateAPI(&a)
		if verr != nil {
			return fmt.Errorf("gateway: API %s: stored definition: %v", name, verr)
		}
		st := &apiState{created: time.UnixMilli(created), modified: time.UnixMilli(modified)}
		st.cur.Store(s.compile(a, keys))
		s.apis[name] = st
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("gateway: load APIs: %w", err)
	}
	return s.loadKeys()
}
