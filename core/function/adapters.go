package function

import "context"

// Invoker adapts a Service to the shape the gateway and state-machine
// services declare for running functions:
//
//	Invoke(ctx, nameOrARN, payload) (out []byte, functionError string, err error)
//
// out is the function's answer (or Lambda's error document when
// functionError is set); err means the function could not run.
type Invoker struct{ Service *Service }

// Invoke runs one event synchronously (see Service.Invoke).
func (i Invoker) Invoke(ctx context.Context, name string, payload []byte) ([]byte, string, error) {
	res, err := i.Service.Invoke(ctx, name, payload)
	if err != nil {
		return nil, "", err
	}
	return res.Payload, res.FunctionError, nil
}
