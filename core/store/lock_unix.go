//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockSupported reports whether Open refuses a database held by another
// process on this platform.
const lockSupported = true

// fileLock is an exclusive advisory lock held on PATH + ".lock" for as long
// as a Store is open, so that two Skyport processes never share a database.
type fileLock struct{ f *os.File }

// lockFile takes a non-blocking exclusive flock on dbPath + ".lock". flock
// locks belong to the open file description, so a second Open of the same
// path inside this process is refused just like one from another process.
func lockFile(dbPath string) (*fileLock, error) {
	name := dbPath + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store %s: lock file: %w", dbPath, err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return &fileLock{f: f}, nil
	}
	f.Close()
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
		return nil, lockedError(dbPath, name)
	}
	return nil, fmt.Errorf("store %s: lock %s: %w", dbPath, name, err)
}

// release drops the lock. The lock file itself stays: removing it would
// race with another process that is about to lock it.
func (l *fileLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
