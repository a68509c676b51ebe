//go:build !unix

package function

import "os"

// follow forwards everything read from f to the output's current sink.
func (o *output) follow(f *os.File) { o.followPlain(f) }

// drain is best effort where raw pipe reads are not available.
func (o *output) drain() {}
