package sdkhttp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// closedWriteTo mimics smithy-go's request body: once closed, WriteTo
// reports io.EOF as an error.
type closedWriteTo struct {
	mu     sync.Mutex
	r      *strings.Reader
	closed bool
}

func (b *closedWriteTo) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	return b.r.Read(p)
}

func (b *closedWriteTo) WriteTo(w io.Writer) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	return b.r.WriteTo(w)
}

func (b *closedWriteTo) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// TestBodyClosedEarlyKeepsResponse closes the request body the moment Do
// returns, as smithy-go does, while the server answers before net/http has
// finished with the body: every response must still be read whole.
func TestBodyClosedEarlyKeepsResponse(t *testing.T) {
	big := strings.Repeat("r", 256<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, big)
	}))
	defer srv.Close()
	c := Client()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				body := &closedWriteTo{r: strings.NewReader(strings.Repeat("q", 4000))}
				req, _ := http.NewRequest(http.MethodPost, srv.URL, body)
				req.ContentLength = 4000
				resp, err := c.Do(req)
				body.Close()
				if err != nil {
					errs <- err
					return
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || n != int64(len(big)) {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("response lost: %v", err)
	}
}
