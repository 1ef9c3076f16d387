package auth

import (
	"bytes"
	"io"
)

// fixedRand returns a reader yielding n bytes counting up from start, so
// secrets in tests are predictable.
func fixedRand(start byte, n int) io.Reader {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return bytes.NewReader(b)
}
