//go:build unix

package wire

import "syscall"

func errAddrInUse() error { return syscall.EADDRINUSE }
