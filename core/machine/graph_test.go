package machine

import (
	"fmt"
	"testing"
)

func TestGraphOf(t *testing.T) {
	def, err := Parse(`{"StartAt": "Check", "States": {
	  "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Work"}], "Default": "Give up"},
	  "Work": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}, {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
	    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Give up"}], "Next": "Done"},
	  "Done": {"Type": "Succeed"},
	  "Give up": {"Type": "Fail", "Error": "GaveUp"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	g := GraphOf(def)
	var nodes, edges []string
	for _, n := range g.Nodes {
		nodes = append(nodes, fmt.Sprintf("%s:%s:%v:%d", n.Name, n.Type, n.End, len(n.Children)))
	}
	for _, e := range g.Edges {
		edges = append(edges, e.From+"-"+e.Kind+"->"+e.To)
	}
	if fmt.Sprint(nodes) != "[Check:Choice:false:0 Work:Parallel:false:2 Give up:Fail:true:0 Done:Succeed:true:0]" {
		t.Fatalf("nodes %v", nodes)
	}
	if fmt.Sprint(edges) != "[Check-choice->Work Check-default->Give up Work-next->Done Work-catch->Give up]" {
		t.Fatalf("edges %v", edges)
	}
	if g.Nodes[1].Children[1].StartAt != "B" {
		t.Fatalf("branch graph %+v", g.Nodes[1].Children[1])
	}
}
