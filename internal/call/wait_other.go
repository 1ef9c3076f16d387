//go:build !unix

package call

import "net"

// canPeek says that waitReadable returns at once here.
const canPeek = false

// waitReadable returns at once where sockets cannot be peeked at: the
// WebSocket read then waits, with a deeper stack.
func waitReadable(net.Conn) {}
