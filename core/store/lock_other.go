//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package store

// lockSupported reports whether Open refuses a database held by another
// process on this platform.
const lockSupported = false

// fileLock is a no-op on platforms without flock: nothing stops two
// processes from opening the same database there, apart from SQLite's own
// locking, which keeps the file consistent but not the in-memory state.
type fileLock struct{}

// lockFile does nothing on this platform.
func lockFile(dbPath string) (*fileLock, error) {
	return &fileLock{}, nil
}

// release does nothing on this platform.
func (l *fileLock) release() error { return nil }
