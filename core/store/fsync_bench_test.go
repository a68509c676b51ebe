//go:build linux

package store

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/skyport-dev/skyport/internal/cputime"
)

// BenchmarkFdatasync measures what one durable commit costs the machine
// below SQLite: a write of two WAL-sized pages and an fdatasync(2), on a
// file that grows (a new WAL) and on one written over in place (a WAL
// after its first checkpoint, which SQLite rewinds). It reports the CPU
// time per sync, user and system, next to the wall time: on a virtual
// disk the kernel's flush path is CPU the server and its clients share.
// This is the floor under any design that syncs before it acknowledges.
func BenchmarkFdatasync(b *testing.B) {
	for _, mode := range []string{"append", "overwrite"} {
		b.Run(mode, func(b *testing.B) {
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "wal"), os.O_CREATE|os.O_RDWR, 0o644)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			const span = 8 << 20
			page := make([]byte, 2*(4096+24)) // two WAL frames: header and page
			if mode == "overwrite" {
				if _, err := f.Write(make([]byte, span)); err != nil { // allocated, not a sparse hole
					b.Fatal(err)
				}
				if err := syscall.Fsync(int(f.Fd())); err != nil {
					b.Fatal(err)
				}
			}
			var off int64
			cpu0, start := cputime.Process(), time.Now()
			b.ResetTimer()
			for range b.N {
				if _, err := f.WriteAt(page, off); err != nil {
					b.Fatal(err)
				}
				if off += int64(len(page)); mode == "overwrite" && off+int64(len(page)) > span {
					off = 0
				}
				if err := syscall.Fdatasync(int(f.Fd())); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64((cputime.Process()-cpu0).Microseconds())/float64(b.N), "cpu-µs/sync")
			b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "wall-µs/sync")
		})
	}
}
