// Package bidi is a small WebDriver BiDi client (https://w3c.github.io/webdriver-bidi/),
// enough for attest's browser tests to drive Firefox, which speaks the
// protocol itself: no driver program sits between. It starts a headless
// Firefox with a throwaway profile, opens the one session such a browser
// allows, and offers the few commands the tests use: navigate, evaluate
// script, click and type with real input events, screenshots.
package bidi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Client is a WebSocket connection to a WebDriver BiDi remote end. Its
// methods may be called from several goroutines.
type Client struct {
	ws *websocket.Conn

	mu       sync.Mutex
	next     int64
	waiting  map[int64]chan message
	handlers map[string][]func(params json.RawMessage)

	done chan struct{} // closed when the connection stops
	err  error         // why it stopped, set before done closes
}

// message is anything the remote end sends: a command's success or error,
// or an event.
type message struct {
	Type       string          `json:"type"` // success, error or event
	ID         *int64          `json:"id"`
	Result     json.RawMessage `json:"result"`
	Error      string          `json:"error"`
	Message    string          `json:"message"`
	Stacktrace string          `json:"stacktrace"`
	Method     string          `json:"method"`
	Params     json.RawMessage `json:"params"`
}

// Error is the answer of a command that failed in the remote end.
type Error struct {
	Method  string // the command
	Code    string // the spec's error code, such as "no such frame"
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s: %s", e.Method, e.Code, e.Message) }

// ErrClosed is returned by commands sent after the connection ended.
var ErrClosed = errors.New("bidi: connection closed")

// Dial connects to a WebDriver BiDi endpoint such as ws://127.0.0.1:9222/session.
func Dial(ctx context.Context, url string) (*Client, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	ws.SetReadLimit(64 << 20) // a full-page screenshot is large
	c := &Client{ws: ws, waiting: map[int64]chan message{}, handlers: map[string][]func(json.RawMessage){},
		done: make(chan struct{})}
	go c.read()
	return c, nil
}

// Close ends the connection.
func (c *Client) Close() error {
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
	return err
}

// read dispatches what arrives until the connection ends.
func (c *Client) read() {
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.err = fmt.Errorf("%w: %v", ErrClosed, err)
			close(c.done)
			return
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			continue // not a message of the protocol; nothing waits for it
		}
		c.mu.Lock()
		if m.Type == "event" {
			handlers := c.handlers[m.Method]
			c.mu.Unlock()
			for _, h := range handlers {
				h(m.Params)
			}
			continue
		}
		var reply chan message
		if m.ID != nil {
			reply = c.waiting[*m.ID]
			delete(c.waiting, *m.ID)
		}
		c.mu.Unlock()
		if reply != nil {
			reply <- m
		}
	}
}

// On calls handle with the parameters of every event named method, such as
// "log.entryAdded". The remote end sends events only to a session that
// subscribed to them (see Subscribe). handle runs on the goroutine that
// reads the connection: it must return quickly and must not send commands.
func (c *Client) On(method string, handle func(params json.RawMessage)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handlers[method] = append(c.handlers[method], handle)
}

// Call sends a command and waits for its answer, which it decodes into
// result unless result is nil.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if params == nil {
		params = struct{}{}
	}
	c.mu.Lock()
	c.next++
	id := c.next
	reply := make(chan message, 1)
	c.waiting[id] = reply
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}()

	data, err := json.Marshal(struct {
		ID     int64  `json:"id"`
		Method string `json:"method"`
		Params any    `json:"params"`
	}{id, method, params})
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	// A write cut short by ctx would close the whole connection, so the
	// write gets its own deadline and ctx governs only the wait.
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err = c.ws.Write(wctx, websocket.MessageText, data)
	cancel()
	if err != nil { // the connection is unusable now
		return fmt.Errorf("%s: %w: %v", method, ErrClosed, err)
	}
	select {
	case m := <-reply:
		if m.Type == "error" {
			return &Error{Method: method, Code: m.Error, Message: m.Message}
		}
		if result == nil {
			return nil
		}
		if err := json.Unmarshal(m.Result, result); err != nil {
			return fmt.Errorf("%s: decode result: %w", method, err)
		}
		return nil
	case <-c.done:
		return fmt.Errorf("%s: %w", method, c.err)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Session is what session.new reports about the browser.
type Session struct {
	ID             string
	BrowserName    string
	BrowserVersion string
}

// NewSession starts the session; it must be the first command. A browser
// allows one session at a time.
func (c *Client) NewSession(ctx context.Context) (Session, error) {
	var r struct {
		SessionID    string `json:"sessionId"`
		Capabilities struct {
			BrowserName    string `json:"browserName"`
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	err := c.Call(ctx, "session.new", map[string]any{"capabilities": map[string]any{}}, &r)
	return Session{ID: r.SessionID, BrowserName: r.Capabilities.BrowserName, BrowserVersion: r.Capabilities.BrowserVersion}, err
}

// Subscribe asks for events by name ("log.entryAdded") or by module ("log").
func (c *Client) Subscribe(ctx context.Context, events ...string) error {
	return c.Call(ctx, "session.subscribe", map[string]any{"events": events}, nil)
}

// Tab returns the first top-level browsing context, the tab a freshly
// started browser shows.
func (c *Client) Tab(ctx context.Context) (*Tab, error) {
	var r struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	if err := c.Call(ctx, "browsingContext.getTree", map[string]any{"maxDepth": 0}, &r); err != nil {
		return nil, err
	}
	if len(r.Contexts) == 0 {
		return nil, errors.New("browsingContext.getTree: the browser has no tab")
	}
	return &Tab{Client: c, ID: r.Contexts[0].Context}, nil
}
