package gateway

import (
	"context"
	"encoding/json"
	"maps"
	"time"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/internal/tagcheck"
	"github.com/skyport-dev/skyport/core/store"
)

// validateTags checks an API's tags as apigatewayv2 does: at most MaxTags,
// keys of 1–128 characters that do not start with "aws:" (in any case),
// values of at most 256 characters.
func validateTags(tags map[string]string) *Error {
	switch problem, k := tagcheck.Check(tags); problem {
	case tagcheck.TooMany:
		return errorf(BadRequest, "Too many tags: a resource can have at most %d tags", tagcheck.MaxTags)
	case tagcheck.KeyLength:
		return errorf(BadRequest, "Invalid tag key %q: a tag key has 1 to %d characters", k, tagcheck.MaxKeyLength)
	case tagcheck.ReservedKey:
		return errorf(BadRequest, "Invalid tag key. Tag keys cannot start with 'aws:' (case insensitive)")
	case tagcheck.ValueLength:
		return errorf(BadRequest, "Invalid tag value for key %q: a tag value has at most %d characters", k, tagcheck.MaxValueLength)
	}
	return nil
}

// TagResource adds tags to an API or replaces the values of its tags with
// those keys.
func (s *Service) TagResource(ctx context.Context, api string, tags map[string]string) error {
	if err := validateTags(tags); err != nil {
		return err
	}
	return s.changeTags(ctx, api, func(m map[string]string) { maps.Copy(m, tags) })
}

// UntagResource removes tags from an API; keys it does not have are
// ignored.
func (s *Service) UntagResource(ctx context.Context, api string, keys []string) error {
	return s.changeTags(ctx, api, func(m map[string]string) {
		for _, k := range keys {
			delete(m, k)
		}
	})
}

// GetTags returns an API's tags (never nil).
func (s *Service) GetTags(api string) (map[string]string, error) {
	st, err := s.lookup(api)
	if err != nil {
		return nil, err
	}
	return tagcheck.Copy(st.cur.Load().spec.Tags), nil
}

// changeTags stores the API's definition with changed tags. Routes,
// throttle buckets and cached responses are kept: the served API is the
// same, only its compiled copy carries the new tags.
func (s *Service) changeTags(ctx context.Context, api string, change func(map[string]string)) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	st, err := s.lookup(api)
	if err != nil {
		return err
	}
	cur := st.cur.Load()
	a := cloneAPI(cur.spec)
	if a.Tags == nil {
		a.Tags = map[string]string{}
	}
	change(a.Tags)
	if err := validateTags(a.Tags); err != nil {
		return err
	}
	if len(a.Tags) == 0 {
		a.Tags = nil
	}
	now := s.clock.Now()
	if e := s.storeSpec(ctx, a, now); e != nil {
		return e
	}
	next := *cur
	next.spec = a
	st.cur.Store(&next)
	s.mu.Lock()
	st.modified = now
	s.mu.Unlock()
	s.emit(event.ResourceChanged, event.Debug, a.Name, "changed tags of API "+a.Name)
	return nil
}

// storeSpec writes an existing API's changed definition.
func (s *Service) storeSpec(ctx context.Context, a API, now time.Time) *Error {
	spec, _ := json.Marshal(a)
	return s.write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE gateway_apis SET spec = ?, modified_at = ? WHERE name = ?`, string(spec), now.UnixMilli(), a.Name)
		return err
	})
}
