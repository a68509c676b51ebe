package function

import (
	"context"
	"maps"

	"github.com/skyport-dev/skyport/core/event"
	"github.com/skyport-dev/skyport/core/internal/tagcheck"
)

// validateTags checks a function's tags as Lambda does: at most MaxTags,
// keys of 1–128 characters that do not start with "aws:" (in any case),
// values of at most 256 characters.
func validateTags(tags map[string]string) error {
	switch problem, k := tagcheck.Check(tags); problem {
	case tagcheck.TooMany:
		return errorf(InvalidParameterValue, "Number of tags exceeds resource tag limit: a function has at most %d tags.", tagcheck.MaxTags)
	case tagcheck.KeyLength:
		return errorf(InvalidParameterValue, "1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to %d, Member must have length greater than or equal to 1]", k, tagcheck.MaxKeyLength)
	case tagcheck.ReservedKey:
		return errorf(InvalidParameterValue, "Invalid tag key %s: tag keys cannot start with 'aws:' (case insensitive).", k)
	case tagcheck.ValueLength:
		return errorf(InvalidParameterValue, "1 validation error detected: Value for tag '%s' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to %d]", k, tagcheck.MaxValueLength)
	}
	return nil
}

// TagResource adds tags to a function or replaces the values of its tags
// with those keys. resource is a function name or ARN, as Lambda's
// TagResource takes it.
func (s *Service) TagResource(ctx context.Context, resource string, tags map[string]string) error {
	if err := validateTags(tags); err != nil {
		return err
	}
	return s.changeTags(ctx, resource, func(m map[string]string) { maps.Copy(m, tags) })
}

// UntagResource removes tags from a function; keys it does not have are
// ignored.
func (s *Service) UntagResource(ctx context.Context, resource string, keys []string) error {
	return s.changeTags(ctx, resource, func(m map[string]string) {
		for _, k := range keys {
			delete(m, k)
		}
	})
}

// ListTags returns a function's tags (never nil).
func (s *Service) ListTags(resource string) (map[string]string, error) {
	f, err := s.lookup(resource)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return tagcheck.Copy(f.def.Tags), nil
}

// changeTags applies change to a copy of the function's tags, checks the
// result, stores the definition and swaps the tags in. The warm processes
// keep running: tags do not change how a function runs.
func (s *Service) changeTags(ctx context.Context, resource string, change func(map[string]string)) error {
	s.mu.Lock() // serializes with UpdateFunction and DeleteFunction
	defer s.mu.Unlock()
	name, _ := s.resolveName(resource)
	f := s.funcs[name]
	if f == nil {
		return errNotFound(resource)
	}
	f.mu.Lock()
	def := cloneDef(f.def)
	f.mu.Unlock()
	if def.Tags == nil {
		def.Tags = map[string]string{}
	}
	change(def.Tags)
	if err := validateTags(def.Tags); err != nil {
		return err
	}
	if len(def.Tags) == 0 {
		def.Tags = nil
	}
	if err := s.save(ctx, def, false); err != nil {
		return err
	}
	f.mu.Lock()
	f.def.Tags = def.Tags
	f.mu.Unlock()
	s.emit(event.ResourceChanged, event.Debug, name, "changed tags of function "+name)
	return nil
}
