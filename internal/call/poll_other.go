//go:build !linux

package call

import "net"

// poller is, where there is no epoll, a goroutine per idle socket that
// waits for it to become readable (waitReadable) and then reads.
type poller struct{}

func newPoller() (*poller, error) { return &poller{}, nil }

func (*poller) token() uint64 { return 0 }

func (*poller) wait(conn net.Conn, _ uint64, fn func()) error {
	go func() {
		waitReadable(conn)
		fn()
	}()
	return nil
}

// cancel has nothing to do: closing the socket ends waitReadable.
func (*poller) cancel(uint64) {}

// readable is false where waitReadable can wait without reading, so that
// the reader hands an idle socket to wait; elsewhere the read itself waits.
func readable(net.Conn) bool { return !canPeek }
