// Command warm is a handler built with aws-lambda-go, run by the function
// tests in warm mode: it reports its pid and how many events it has seen,
// and on request fails, crashes, hangs or forks a child and hangs.
package main

import (
	"context"
	"errors"
	"log"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type request struct {
	Echo    any    `json:"echo"`
	Fail    string `json:"fail"`
	Crash   bool   `json:"crash"`
	Hang    bool   `json:"hang"`
	Fork    bool   `json:"fork"`
	PIDFile string `json:"pidFile"`
}

type response struct {
	PID       int    `json:"pid"`
	Count     int64  `json:"count"`
	Echo      any    `json:"echo"`
	RequestID string `json:"requestId"`
	Function  string `json:"function"`
}

var count atomic.Int64

func handle(ctx context.Context, req request) (response, error) {
	n := count.Add(1)
	log.Printf("handling %d", n)
	lc, _ := lambdacontext.FromContext(ctx)
	switch {
	case req.Fail != "":
		return response{}, errors.New(req.Fail)
	case req.Crash:
		os.Exit(3)
	case req.Fork:
		child := exec.Command("sleep", "1000")
		if err := child.Start(); err != nil {
			return response{}, err
		}
		if err := os.WriteFile(req.PIDFile, []byte(strconv.Itoa(child.Process.Pid)), 0o600); err != nil {
			return response{}, err
		}
		select {}
	case req.Hang:
		select {}
	}
	return response{PID: os.Getpid(), Count: n, Echo: req.Echo, RequestID: lc.AwsRequestID, Function: lambdacontext.FunctionName}, nil
}

func main() {
	log.SetFlags(0)
	lambda.Start(handle)
}
