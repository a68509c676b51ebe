// Command apihandler is an API Gateway (HTTP API, payload 2.0) handler built
// with aws-lambda-go, run warm by the gateway benchmark: it echoes the path
// and method as JSON.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body, err := json.Marshal(map[string]string{"path": req.RawPath, "method": req.RequestContext.HTTP.Method})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)}, nil
}

func main() { lambda.Start(handle) }
