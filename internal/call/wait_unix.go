//go:build unix && !linux

package call

import (
	"net"
	"syscall"
)

// canPeek says that waitReadable waits without reading.
const canPeek = true

// waitReadable returns once conn has bytes to read, has been closed or has
// failed, without reading them. The goroutine waits parked a few frames
// deep, so that at the next garbage collection its stack shrinks to the
// minimum: an idle signaling socket then costs a 2 KiB stack instead of the
// 8 KiB a WebSocket read parks with. Reading itself still goes through the
// WebSocket. A connection that is not a socket returns at once.
func waitReadable(conn net.Conn) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	var one [1]byte
	raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN && err != syscall.EINTR
	})
}
