package app

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/skyport-dev/skyport/core/flow"
)

// Node kinds: the first part of a node id ("queue/orders"), as the
// workspace file names them; a route's id is "route/API/KEY".
const (
	nodeQueue    = flow.KindQueue
	nodeTopic    = flow.KindTopic
	nodeStream   = flow.KindStream
	nodeMachine  = flow.KindStateMachine
	nodeFunction = flow.KindFunction
	nodeAPI      = flow.KindAPI
	nodeRoute    = "route"
)

// Palette payloads: what a palette item drops onto the canvas.
const (
	dropQueue     = "queue"
	dropFIFOQueue = "fifo-queue"
	dropTopic     = "topic"
	dropFIFOTopic = "fifo-topic"
	dropStream    = "stream"
	dropAPI       = "api"
	dropRoute     = "route"
	dropMachine   = "state-machine"
	dropFunction  = "function"
)

// kindSpec describes one palette entry: the node kind it creates and how
// its names look.
type kindSpec struct {
	payload string
	label   string // "FIFO queue"; the form's title is "New " + label
	node    string // node kind
	icon    func() fyne.Resource
	prefix  string // free names are prefix-1, prefix-2, …
	fifo    bool   // names end in .fifo
	maxLen  int
	extra   string // the rune set beyond letters and digits names may use
}

var paletteKinds = []kindSpec{
	{dropQueue, "Queue", nodeQueue, theme.ListIcon, "queue", false, 80, "-_"},
	{dropFIFOQueue, "FIFO queue", nodeQueue, theme.MenuIcon, "queue", true, 80, "-_"},
	{dropTopic, "Topic", nodeTopic, theme.MailSendIcon, "topic", false, 256, "-_"},
	{dropFIFOTopic, "FIFO topic", nodeTopic, theme.MailReplyAllIcon, "topic", true, 256, "-_"},
	{dropStream, "Stream", nodeStream, theme.MediaFastForwardIcon, "stream", false, 128, "-_."},
	{dropAPI, "API", nodeAPI, theme.ComputerIcon, "api", false, 128, "-_."},
	{dropRoute, "Route", nodeRoute, theme.NavigateNextIcon, "route", false, 0, ""},
	{dropMachine, "State machine", nodeMachine, theme.GridIcon, "machine", false, 80, "-_."},
	{dropFunction, "Function", nodeFunction, theme.SettingsIcon, "function", false, 64, "-_"},
}

func specFor(payload string) (kindSpec, bool) {
	for _, k := range paletteKinds {
		if k.payload == payload {
			return k, true
		}
	}
	return kindSpec{}, false
}

// nodeLabels are the words a node kind goes by in messages.
var nodeLabels = map[string]string{
	nodeQueue: "queue", nodeTopic: "topic", nodeStream: "stream", nodeAPI: "API",
	nodeRoute: "route", nodeMachine: "state machine", nodeFunction: "function",
}

// nodeResource is the tree branch a node kind belongs to (a route's is its
// API's).
var nodeResource = map[string]ResourceKind{
	nodeQueue: Queues, nodeTopic: Topics, nodeStream: Streams, nodeAPI: APIs,
	nodeRoute: APIs, nodeMachine: StateMachines, nodeFunction: Functions,
}

// nodeColumn is where automatic layout puts a kind: requests enter on the
// left and flow right, as links run.
var nodeColumn = map[string]int{
	nodeAPI: 0, nodeRoute: 1, nodeTopic: 2, nodeStream: 2, nodeQueue: 3, nodeMachine: 3, nodeFunction: 4,
}

func nodeID(kind, name string) string { return kind + "/" + name }

func routeNode(api, key string) string { return nodeRoute + "/" + api + "/" + key }

// parseNode splits a node id into its kind and name; a route's name is
// "API/KEY".
func parseNode(id string) (kind, name string) {
	kind, name, _ = strings.Cut(id, "/")
	return kind, name
}

// routeOf splits a route node's name into its API and route key.
func routeOf(name string) (api, key string) {
	api, key, _ = strings.Cut(name, "/")
	return api, key
}

// withArticle puts "a" or "an" before a kind's label.
func withArticle(label string) string {
	if strings.ContainsRune("aeiouAEIOU", rune(label[0])) {
		return "an " + label
	}
	return "a " + label
}

// checkResourceName applies a kind's naming rules before anything reaches
// the core.
func checkResourceName(k kindSpec, name string) error {
	base, isFIFO := strings.CutSuffix(name, ".fifo")
	noun := nodeLabels[k.node]
	allowed := "letters, digits, " + strings.Join(strings.Split(k.extra, ""), ", ")
	if i := strings.LastIndex(allowed, ", "); i >= 0 {
		allowed = allowed[:i] + " and " + allowed[i+2:]
	}
	switch {
	case name == "":
		return errors.New("enter a name")
	case len(name) > k.maxLen:
		return fmt.Errorf("%d characters; %s name has at most %d", len(name), withArticle(noun), k.maxLen)
	case k.fifo && !isFIFO:
		return fmt.Errorf("a FIFO %s's name ends in .fifo", noun)
	case !k.fifo && isFIFO && (k.node == nodeQueue || k.node == nodeTopic):
		return fmt.Errorf("only FIFO %s names end in .fifo", noun)
	}
	if k.node == nodeQueue || k.node == nodeTopic {
		name = base
	}
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(k.extra, r))
	}) >= 0 {
		return errors.New("use only " + allowed)
	}
	return nil
}

// routeMethods are the methods a route key may start with.
var routeMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

// checkRouteKey checks the shape of a route key ("POST /orders/{id}" or
// "$default"); the gateway checks the rest.
func checkRouteKey(key string) error {
	if key == "$default" {
		return nil
	}
	method, path, ok := strings.Cut(key, " ")
	switch {
	case key == "":
		return errors.New("enter a route key such as GET /items")
	case !ok || !containsStr(routeMethods, method):
		return errors.New("start with a method: " + strings.Join(routeMethods, ", "))
	case !strings.HasPrefix(path, "/"):
		return errors.New("the path starts with /")
	case strings.ContainsAny(path, " \t"):
		return errors.New("the path has no spaces")
	}
	return nil
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
