//go:build !unix

package wire

import "syscall"

func errAddrInUse() error { return syscall.Errno(10048) } // WSAEADDRINUSE
