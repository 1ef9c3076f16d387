package call

import (
	"errors"
	"net"
	"sync"
	"syscall"
)

var errNotSocket = errors.New("not a socket: it cannot be watched")

// poller waits, in one goroutine for the whole node, for idle sockets to
// become readable (epoll), so that an idle signaling socket holds no
// goroutine and no stack: its reader ends when the socket falls silent and
// the poller starts a new one when bytes arrive (reading.run).
//
// Each wait is one-shot and named by a token, never by its file descriptor:
// a descriptor closed and reused by a newer socket can then never wake the
// older one's reader, and a stale event is simply ignored.
type poller struct {
	epfd int
	mu   sync.Mutex
	next uint64
	wake map[uint64]func() // what to start when the socket with that token is readable
}

func newPoller() (*poller, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &poller{epfd: fd, wake: map[uint64]func(){}}
	go p.loop()
	return p, nil
}

// token names one socket's waits.
func (p *poller) token() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	return p.next
}

// wait starts fn in a goroutine of its own once conn is readable, has
// been closed by its peer or has failed, or once cancel is called with the
// same token. It fails when conn cannot be watched (it is closed, or not a
// socket); fn is then not started.
func (p *poller) wait(conn net.Conn, token uint64, fn func()) error {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return errNotSocket
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.wake[token] = fn
	p.mu.Unlock()
	var armed error
	err = rc.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(token), Pad: int32(token >> 32)}
		// Level-triggered: bytes that came before the wait is armed wake it at once.
		armed = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, int(fd), &ev)
		if armed == syscall.ENOENT {
			armed = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
		}
	})
	if err == nil {
		err = armed
	}
	if err != nil {
		p.mu.Lock()
		delete(p.wake, token)
		p.mu.Unlock()
	}
	return err
}

// cancel starts the function waiting under token now, if one is: for a
// socket being closed, whose reader must see it end.
func (p *poller) cancel(token uint64) {
	if fn := p.take(token); fn != nil {
		pool.run(fn)
	}
}

func (p *poller) take(token uint64) func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn := p.wake[token]
	delete(p.wake, token)
	return fn
}

// loop waits for readable sockets and starts their readers.
func (p *poller) loop() {
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			panic("signaling poller: epoll_wait: " + err.Error())
		}
		for _, ev := range events[:n] {
			if fn := p.take(uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32); fn != nil {
				pool.run(fn)
			}
		}
	}
}

// readable reports whether reading conn would return at once: bytes are
// there, the peer has closed it, or it has failed. A connection that is
// not a socket is always readable (its read waits, with a goroutine).
func readable(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	ready := true
	err = rc.Control(func(fd uintptr) {
		var one [1]byte
		_, _, e := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		ready = e != syscall.EAGAIN
	})
	return ready || err != nil
}
