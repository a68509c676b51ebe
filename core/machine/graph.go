package machine

// Graph is a definition as the GUI draws it: nodes (states, with nested
// graphs for Parallel branches and Map item processors) and edges (Next,
// Choice rules, Default and Catch).
type Graph struct {
	StartAt string
	Nodes   []Node
	Edges   []Edge
}

// Node is one state of a graph.
type Node struct {
	Name     string
	Type     string
	End      bool // ends its graph (End, Succeed or Fail)
	Resource string
	Children []Graph // Parallel branches, or the Map item processor
}

// GraphOf returns the graph of a definition.
func GraphOf(def *Definition) Graph {
	g := Graph{StartAt: def.StartAt}
	for _, name := range def.Order {
		st := def.States[name]
		n := Node{Name: name, Type: st.Type, End: st.terminal(), Resource: st.Resource}
		for _, b := range st.Branches {
			n.Children = append(n.Children, GraphOf(b))
		}
		if st.Processor != nil {
			n.Children = append(n.Children, GraphOf(st.Processor))
		}
		g.Nodes = append(g.Nodes, n)
		g.Edges = append(g.Edges, st.edges()...)
	}
	return g
}

// Graph returns the graph of a state machine's current definition.
func (s *Service) Graph(arn string) (Graph, error) {
	m, err := s.machine(arn)
	if err != nil {
		return Graph{}, err
	}
	s.mu.RLock()
	def := m.def
	s.mu.RUnlock()
	return GraphOf(def), nil
}
