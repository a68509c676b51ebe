package wire_test

import (
	"bufio"
	"context"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/skyport-dev/skyport/core"
	"github.com/skyport-dev/skyport/core/wire"
	"github.com/skyport-dev/skyport/internal/sdkhttp"
)

const crashDataEnv = "SKYPORT_KINESIS_CRASH_DATA"

// TestKinesisCrashServer is the child process of TestKinesisCrashUnderPutRecords:
// with the environment variable set it serves a durable core on a loopback
// port, prints the URL and waits to be killed. Run normally it returns at once.
func TestKinesisCrashServer(t *testing.T) {
	path := os.Getenv(crashDataEnv)
	if path == "" {
		return
	}
	c, err := core.Open(core.Config{DataPath: path})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	srv, err := wire.Listen(c, "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("URL", srv.URL())
	select {}
}

// crashServer starts the child and returns it with its URL.
func crashServer(t *testing.T, path string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKinesisCrashServer$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDataEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
				urls <- u
				return
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatal("crash server exited before listening")
		}
		return cmd, u
	case <-time.After(30 * time.Second):
		t.Fatal("crash server did not start")
	}
	return nil, ""
}

// TestKinesisCrashUnderPutRecords SIGKILLs a core while 8 SDK producers
// send PutRecords, three times over, and checks after a restart that every
// acknowledged record is readable exactly once, in sequence order, at the
// sequence number it was acknowledged with.
func TestKinesisCrashUnderPutRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := map[string]string{} // data → sequence number
	var mu sync.Mutex
	ctx := context.Background()
	for round := 0; round < 3; round++ {
		cmd, url := crashServer(t, path)
		k := kinesis.New(kinesis.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1})
		if round == 0 {
			if _, err := k.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("crash"), ShardCount: aws.Int32(4)}); err != nil {
				t.Fatal(err)
			}
		}
		start := len(acked)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for b := 0; ; b++ {
					select {
					case <-stop:
						return
					default:
					}
					entries := make([]types.PutRecordsRequestEntry, 50)
					for i := range entries {
						entries[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(w, i)), Data: []byte(fmt.Sprintf("r%d-w%d-b%d-%d", round, w, b, i))}
					}
					out, err := k.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("crash"), Records: entries})
					if err != nil {
						return // cut off by the kill: not acknowledged
					}
					mu.Lock()
					for i, r := range out.Records {
						if r.ErrorCode == nil {
							acked[string(entries[i].Data)] = *r.SequenceNumber
						}
					}
					mu.Unlock()
				}
			}(w)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			n := len(acked) - start
			mu.Unlock()
			if n >= 3000 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: only %d records acknowledged", round, n)
			}
			time.Sleep(time.Millisecond)
		}
		_ = cmd.Process.Kill() // SIGKILL, mid-load
		_ = cmd.Wait()
		close(stop)
		wg.Wait()
	}

	_, url := crashServer(t, path)
	k := kinesis.New(kinesis.Options{HTTPClient: sdkhttp.Client(), Region: "us-east-1", BaseEndpoint: aws.String(url)})
	shards, err := k.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("crash")})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, s := range shards.Shards {
		it, err := k.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("crash"), ShardId: s.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		next := it.ShardIterator
		var prev *big.Int
		for next != nil {
			out, err := k.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: next})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out.Records {
				seq, _ := new(big.Int).SetString(*r.SequenceNumber, 10)
				if prev != nil && seq.Cmp(prev) <= 0 {
					t.Fatalf("shard %s: %s after %s", *s.ShardId, seq, prev)
				}
				prev = seq
				seen[string(r.Data)]++
				if want, ok := acked[string(r.Data)]; ok && want != *r.SequenceNumber {
					t.Fatalf("record %s acknowledged as %s, read as %s", r.Data, want, *r.SequenceNumber)
				}
			}
			if len(out.Records) == 0 {
				break
			}
			next = out.NextShardIterator
		}
	}
	for data := range acked {
		if seen[data] != 1 {
			t.Fatalf("acknowledged record %s read %d times", data, seen[data])
		}
	}
	for data, n := range seen {
		if n != 1 {
			t.Fatalf("record %s read %d times", data, n)
		}
	}
	t.Logf("%d acknowledged records over 3 kills, %d stored", len(acked), len(seen))
}
