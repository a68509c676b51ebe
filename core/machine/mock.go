package machine

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// MockConfig is an AWS Step Functions Local MockConfigFile.json: for each
// state machine, named test cases mapping Task state names to mocked
// responses; each mocked response lists, per invocation (or range of
// invocations, "0-2"), a Return value or a Throw error.
type MockConfig struct {
	StateMachines   map[string]mockMachine             `json:"StateMachines"`
	MockedResponses map[string]map[string]mockResponse `json:"MockedResponses"`
}

type mockMachine struct {
	TestCases map[string]map[string]string `json:"TestCases"`
}

type mockResponse struct {
	Return json.RawMessage `json:"Return,omitempty"`
	Throw  *struct {
		Error string `json:"Error"`
		Cause string `json:"Cause"`
	} `json:"Throw,omitempty"`
}

func (m mockResponse) result() (any, error) {
	if m.Throw != nil {
		return nil, &Failure{Name: m.Throw.Error, Cause: m.Throw.Cause}
	}
	if len(m.Return) == 0 {
		return map[string]any{}, nil
	}
	v, err := decodeJSON(string(m.Return))
	if err != nil {
		return nil, fail(ErrRuntime, "the mocked Return is not JSON: %v", err)
	}
	return v, nil
}

// mockRange is one "N" or "N-M" key of a mocked response.
type mockRange struct {
	lo, hi int
	resp   mockResponse
}

// ParseMockConfig reads a MockConfigFile.json and checks that every test
// case names a defined mocked response with well-formed invocation keys.
func ParseMockConfig(data []byte) (*MockConfig, error) {
	var c MockConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("mock config: %w", err)
	}
	for name, resp := range c.MockedResponses {
		if _, err := ranges(resp); err != nil {
			return nil, fmt.Errorf("mock config: MockedResponses.%s: %w", name, err)
		}
	}
	for sm, m := range c.StateMachines {
		for tc, states := range m.TestCases {
			for state, resp := range states {
				if _, ok := c.MockedResponses[resp]; !ok {
					return nil, fmt.Errorf("mock config: StateMachines.%s.TestCases.%s.%s names the undefined mocked response %q", sm, tc, state, resp)
				}
			}
		}
	}
	return &c, nil
}

func ranges(resp map[string]mockResponse) ([]mockRange, error) {
	var out []mockRange
	for key, r := range resp {
		lo, hi, isRange := strings.Cut(key, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err != nil || a < 0 || b < a {
			return nil, fmt.Errorf("the invocation key %q must be N or N-M", key)
		}
		if (r.Throw == nil) == (len(r.Return) == 0) {
			return nil, fmt.Errorf("invocation %q needs exactly one of Return and Throw", key)
		}
		out = append(out, mockRange{a, b, r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	return out, nil
}

// SetMockConfig installs the mock configuration executions started with a
// TestCase use (nil removes it).
func (s *Service) SetMockConfig(c *MockConfig) {
	s.mocksMu.Lock()
	s.mocks = c
	s.mocksMu.Unlock()
}

// mockRun is a test case's mocks during one execution, with the count of
// invocations per state.
type mockRun struct {
	mu     sync.Mutex
	states map[string][]mockRange
	calls  map[string]int
}

func (s *Service) mockRun(machineName, testCase string) (*mockRun, error) {
	s.mocksMu.RLock()
	c := s.mocks
	s.mocksMu.RUnlock()
	if c == nil {
		return nil, apiErr(ValidationException, "no mock configuration is loaded, so test case %q cannot run", testCase)
	}
	tc, ok := c.StateMachines[machineName].TestCases[testCase]
	if !ok {
		return nil, apiErr(ValidationException, "the mock configuration has no test case %q for the state machine %q", testCase, machineName)
	}
	m := &mockRun{states: map[string][]mockRange{}, calls: map[string]int{}}
	for state, respName := range tc {
		rs, err := ranges(c.MockedResponses[respName])
		if err != nil {
			return nil, apiErr(ValidationException, "mocked response %s: %v", respName, err)
		}
		m.states[state] = rs
	}
	return m, nil
}

// next returns the mocked response of the state's next invocation. Past
// the last range, the last response repeats.
func (m *mockRun) next(state string) (mockResponse, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs, ok := m.states[state]
	if !ok || len(rs) == 0 {
		return mockResponse{}, false
	}
	n := m.calls[state]
	m.calls[state] = n + 1
	for _, r := range rs {
		if n >= r.lo && n <= r.hi {
			return r.resp, true
		}
	}
	return rs[len(rs)-1].resp, true
}

// LoadMockConfigFile reads a Step Functions Local MockConfigFile.json and
// installs it (see SetMockConfig).
func (s *Service) LoadMockConfigFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("mock config: %w", err)
	}
	c, err := ParseMockConfig(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s.SetMockConfig(c)
	return nil
}
