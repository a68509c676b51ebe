package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/skyport-dev/skyport/core"
)

// playgroundCore has topic "orders" with two filtered subscriptions and
// one without a filter.
func playgroundCore(t *testing.T) *core.Core {
	t.Helper()
	c := openTestCore(t)
	ctx := context.Background()
	arn, err := c.Topics().CreateTopic(ctx, "orders", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"big-red", "paid", "all"} {
		if err := c.Queues().CreateQueue(ctx, q, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	subs := map[string]map[string]string{
		"big-red": {"FilterPolicy": `{"color":["red","crimson"],"size":[{"numeric":[">=",10]}]}`},
		"paid":    {"FilterPolicy": `{"order":{"paid":[true],"total":[{"numeric":[">",100]}]}}`, "FilterPolicyScope": "MessageBody"},
		"all":     nil,
	}
	for q, attrs := range subs {
		if _, err := c.Topics().Subscribe(ctx, arn, "sqs", c.Queues().ARN(q), attrs, true); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestPlaygroundExplainsKeyByKey(t *testing.T) {
	test.NewTempApp(t)
	c := playgroundCore(t)
	clear(uiDrafts)
	t.Cleanup(func() { clear(uiDrafts) })
	p := newPlayground(c, Topics, "orders")
	if len(p.subs) != 2 || p.subs[0].label != "sqs → big-red" || p.subs[1].label != "sqs → paid" {
		t.Fatalf("filtered subscriptions %+v", p.subs)
	}
	w := test.NewWindow(p.content)
	defer w.Close()
	w.Resize(fyne.NewSize(520, 560))

	test.Type(p.attrs, `{"color": "red", "size": 3}`)
	test.Type(p.body, `{"order": {"paid": true, "total": 250}}`)
	if p.problem.Visible() || len(p.last) != 2 {
		t.Fatalf("problem %q, %d verdicts", p.problem.Text, len(p.last))
	}
	type verdict struct {
		matched bool
		reason  string
	}
	got := map[string]verdict{}
	for _, v := range p.last {
		for _, k := range v.explanation.Alternatives[0] {
			got[v.sub.label+" "+k.Key] = verdict{k.Matched, k.Reason}
		}
	}
	want := map[string]verdict{
		"sqs → big-red color":    {true, `"red" matches "red"`},
		"sqs → big-red size":     {false, "3 does not match numeric >= 10"},
		"sqs → paid order.paid":  {true, "true matches true"},
		"sqs → paid order.total": {true, "250 matches numeric > 100"},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %+v, want %+v", k, got[k], w)
		}
	}
	if p.last[0].explanation.Matched || !p.last[1].explanation.Matched {
		t.Fatalf("verdicts: big-red %v, paid %v", p.last[0].explanation.Matched, p.last[1].explanation.Matched)
	}
	texts := labelTexts(p.results)
	for _, s := range []string{"not delivered", "delivered", "3 does not match numeric >= 10", "order.total"} {
		if !strings.Contains(texts, "|"+s+"|") {
			t.Errorf("results lack %q: %s", s, texts)
		}
	}
	p.attrs.FocusLost()
	p.body.FocusLost()
	test.AssertImageMatches(t, "filter_playground.png", w.Canvas().Capture())

	// What was typed survives the inspector rebuilding the section.
	again := newPlayground(c, Topics, "orders")
	if again.attrs.Text != `{"color": "red", "size": 3}` || len(again.last) != 2 || again.last[1].explanation.Matched != true {
		t.Fatalf("rebuilt playground lost the message: %q", again.attrs.Text)
	}

	// Bad JSON: said inline, nothing evaluated.
	test.Type(p.attrs, `,`)
	if !p.problem.Visible() || !strings.HasPrefix(p.problem.Text, "Attributes: not a JSON object: text follows") || len(p.results.Objects) != 0 {
		t.Fatalf("bad attributes: %q, %d results", p.problem.Text, len(p.results.Objects))
	}

	// Picking the example of a subscription fills a message it matches.
	p.pick.SetSelected("Example for sqs → big-red")
	if p.problem.Visible() || !p.last[0].explanation.Matched {
		t.Fatalf("example for big-red: attrs %q, %+v", p.attrs.Text, p.last[0].explanation)
	}
}

func TestPlaygroundWithoutFilters(t *testing.T) {
	test.NewTempApp(t)
	c := openTestCore(t)
	if _, err := c.Topics().CreateTopic(context.Background(), "plain", nil, nil); err != nil {
		t.Fatal(err)
	}
	p := newPlayground(c, Topics, "plain")
	if p == nil || p.attrs != nil {
		t.Fatal("a topic without filters should get the hint only")
	}
	if newPlayground(c, Queues, "plain") != nil {
		t.Fatal("queues have no playground")
	}
}

// labelTexts joins the texts of the labels under o as "|a|b|".
func labelTexts(o fyne.CanvasObject) string {
	var b strings.Builder
	b.WriteString("|")
	for _, x := range test.LaidOutObjects(o) {
		if l, ok := x.(*widget.Label); ok {
			b.WriteString(l.Text + "|")
		}
	}
	return b.String()
}

func TestPlaygroundShowsInTheTopicInspector(t *testing.T) {
	pinVersion(t)
	clear(uiDrafts)
	a := test.NewTempApp(t)
	c := playgroundCore(t)
	q := newUIQueue()
	m := newMainWindow(a, c, testEndpoint, q.do)
	t.Cleanup(m.Window().Close)
	q.runUntil(t, "the topic to reach the tree", func() bool { return m.resources.count(Topics) == 1 })
	m.resources.tree.Select(leafUID(Topics, "orders"))
	texts := labelTexts(m.inspector.details)
	for _, want := range []string{"Filter playground", "Chaos", "sqs → big-red", "sqs → paid"} {
		if !strings.Contains(texts, "|"+want+"|") {
			t.Errorf("topic inspector lacks %q: %s", want, texts)
		}
	}
}
