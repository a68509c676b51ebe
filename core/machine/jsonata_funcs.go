package machine

import (
	mrand "math/rand/v2"

	jsonata "github.com/xiatechs/jsonata-go"
)

// jsonataFuncs are the functions Step Functions adds to JSONata
// ($partition, $range, $hash, $random, $uuid, $parse), on top of the
// language's own library.
var jsonataFuncs = map[string]jsonata.Extension{
	"partition": {Func: func(arr []interface{}, size float64) (interface{}, error) {
		return fnArrayPartition([]any{normalize(arr), size})
	}},
	"range": {Func: func(start, end, step float64) (interface{}, error) {
		return fnArrayRange([]any{start, end, step})
	}},
	"hash": {Func: func(data interface{}, alg string) (interface{}, error) {
		return fnHash([]any{normalize(data), alg})
	}},
	"random": {Func: func() float64 { return mrand.Float64() }},
	"uuid":   {Func: func() string { return newUUID() }},
	"parse": {Func: func(s string) (interface{}, error) {
		return fnStringToJSON([]any{s})
	}},
}
