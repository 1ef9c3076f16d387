package bidi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
)

// Tab is a top-level browsing context: one page, and the commands that
// act on it.
type Tab struct {
	Client *Client
	ID     string // the browsing context id
}

// Navigate loads url and waits until the page has loaded completely.
func (t *Tab) Navigate(ctx context.Context, url string) error {
	return t.Client.Call(ctx, "browsingContext.navigate", map[string]any{"context": t.ID, "url": url, "wait": "complete"}, nil)
}

// SetViewport sizes the page's viewport in CSS pixels, as a phone's would be.
func (t *Tab) SetViewport(ctx context.Context, width, height int) error {
	return t.Client.Call(ctx, "browsingContext.setViewport", map[string]any{"context": t.ID,
		"viewport": map[string]int{"width": width, "height": height}}, nil)
}

// Screenshot returns a PNG of the viewport, or of the whole document when
// full is true.
func (t *Tab) Screenshot(ctx context.Context, full bool) ([]byte, error) {
	origin := "viewport"
	if full {
		origin = "document"
	}
	var r struct {
		Data string `json:"data"`
	}
	if err := t.Client.Call(ctx, "browsingContext.captureScreenshot", map[string]any{"context": t.ID, "origin": origin}, &r); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(r.Data)
}

// ScriptError is an exception thrown by script the client ran, or a
// promise it awaited that rejected.
type ScriptError struct {
	Text string // as the browser describes it, such as "TypeError: x is null"
}

func (e *ScriptError) Error() string { return "script threw: " + e.Text }

// scriptResult is the answer of script.evaluate and script.callFunction.
type scriptResult struct {
	Type             string      `json:"type"` // success or exception
	Result           remoteValue `json:"result"`
	ExceptionDetails struct {
		Text string `json:"text"`
	} `json:"exceptionDetails"`
}

func (r scriptResult) decode(out any) error {
	if r.Type == "exception" {
		return &ScriptError{Text: r.ExceptionDetails.Text}
	}
	return r.Result.decode(out)
}

// Evaluate runs script in the page, waits for the promise it may return,
// and decodes the result into out (unless out is nil) as encoding/json
// would decode the value's JSON form. script may be a list of statements:
// its value is the last one's, as with eval. It does not count as the
// user's interaction with the page: only Click and Type do.
func (t *Tab) Evaluate(ctx context.Context, script string, out any) error {
	var r scriptResult
	err := t.Client.Call(ctx, "script.evaluate", map[string]any{
		"expression": script, "target": map[string]string{"context": t.ID},
		"awaitPromise": true, "resultOwnership": "none",
	}, &r)
	if err != nil {
		return err
	}
	return r.decode(out)
}

// CallFunction calls the JavaScript function declared by function, such as
// "(a, b) => a + b", with args passed by value (anything encoding/json can
// encode), waits for the promise it may return and decodes the result into
// out as Evaluate does.
func (t *Tab) CallFunction(ctx context.Context, function string, out any, args ...any) error {
	values := make([]any, len(args))
	for i, a := range args {
		v, err := localValue(a)
		if err != nil {
			return fmt.Errorf("script.callFunction: argument %d: %w", i, err)
		}
		values[i] = v
	}
	var r scriptResult
	err := t.Client.Call(ctx, "script.callFunction", map[string]any{
		"functionDeclaration": function, "arguments": values, "target": map[string]string{"context": t.ID},
		"awaitPromise": true, "resultOwnership": "none",
	}, &r)
	if err != nil {
		return err
	}
	return r.decode(out)
}

// Click presses and releases the primary mouse button at a point of the
// viewport, in CSS pixels, with real input events.
func (t *Tab) Click(ctx context.Context, x, y float64) error {
	pointer := map[string]any{"type": "pointer", "id": "mouse", "parameters": map[string]string{"pointerType": "mouse"},
		"actions": []map[string]any{
			{"type": "pointerMove", "x": int(math.Round(x)), "y": int(math.Round(y))},
			{"type": "pointerDown", "button": 0},
			{"type": "pointerUp", "button": 0},
		}}
	return t.performActions(ctx, pointer)
}

// Type sends a key press and release for each character of text to the
// element that has the focus. A newline presses Enter.
func (t *Tab) Type(ctx context.Context, text string) error {
	var actions []map[string]any
	for _, r := range text {
		key := string(r)
		if r == '\n' {
			key = "\uE007" // the spec's code for Enter
		}
		actions = append(actions, map[string]any{"type": "keyDown", "value": key}, map[string]any{"type": "keyUp", "value": key})
	}
	return t.performActions(ctx, map[string]any{"type": "key", "id": "keyboard", "actions": actions})
}

func (t *Tab) performActions(ctx context.Context, sources ...map[string]any) error {
	return t.Client.Call(ctx, "input.performActions", map[string]any{"context": t.ID, "actions": sources}, nil)
}

// remoteValue is a value serialized by the browser (the spec's
// script.RemoteValue): a type and, for most types, a value.
type remoteValue struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// decode stores the value's JSON form in out.
func (v remoteValue) decode(out any) error {
	if out == nil {
		return nil
	}
	plain, err := v.plain()
	if err != nil {
		return err
	}
	data, err := json.Marshal(plain)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode script result %s into %T: %w", data, out, err)
	}
	return nil
}

// plain turns the value into what its JSON form would decode to: nil,
// bool, float64, string, []any or map[string]any. What JSON cannot say
// becomes nil, as JSON.stringify makes it null: undefined, NaN, infinities,
// and references to functions, nodes, windows and the like.
func (v remoteValue) plain() (any, error) {
	switch v.Type {
	case "string", "boolean", "date":
		var x any
		err := json.Unmarshal(v.Value, &x)
		return x, err
	case "number":
		var x any
		if err := json.Unmarshal(v.Value, &x); err != nil {
			return nil, err
		}
		if s, special := x.(string); special { // NaN, -0, Infinity, -Infinity
			if s == "-0" {
				return 0.0, nil
			}
			return nil, nil
		}
		return x, nil
	case "bigint":
		var s string
		err := json.Unmarshal(v.Value, &s)
		return json.Number(s), err
	case "array", "set":
		var items []remoteValue
		if err := json.Unmarshal(v.Value, &items); err != nil {
			return nil, err
		}
		list := make([]any, len(items))
		for i, item := range items {
			p, err := item.plain()
			if err != nil {
				return nil, err
			}
			list[i] = p
		}
		return list, nil
	case "object", "map":
		var pairs [][2]json.RawMessage
		if err := json.Unmarshal(v.Value, &pairs); err != nil {
			return nil, err
		}
		object := make(map[string]any, len(pairs))
		for _, pair := range pairs {
			key, err := mapKey(pair[0])
			if err != nil {
				return nil, err
			}
			var value remoteValue
			if err := json.Unmarshal(pair[1], &value); err != nil {
				return nil, err
			}
			if object[key], err = value.plain(); err != nil {
				return nil, err
			}
		}
		return object, nil
	}
	return nil, nil
}

// mapKey reads the key of an object's or map's entry: a string, or for a
// map any value, which is keyed by its JSON form.
func mapKey(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var key remoteValue
	if err := json.Unmarshal(raw, &key); err != nil {
		return "", err
	}
	p, err := key.plain()
	if err != nil {
		return "", err
	}
	if s, ok := p.(string); ok {
		return s, nil
	}
	data, err := json.Marshal(p)
	return string(data), err
}

// localValue serializes a Go value for the browser (the spec's
// script.LocalValue) through its JSON form.
func localValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var plain any
	if err := json.Unmarshal(data, &plain); err != nil {
		return nil, err
	}
	return toLocal(plain), nil
}

func toLocal(v any) any {
	switch x := v.(type) {
	case nil:
		return map[string]any{"type": "null"}
	case bool:
		return map[string]any{"type": "boolean", "value": x}
	case float64:
		return map[string]any{"type": "number", "value": x}
	case string:
		return map[string]any{"type": "string", "value": x}
	case []any:
		items := make([]any, len(x))
		for i, item := range x {
			items[i] = toLocal(item)
		}
		return map[string]any{"type": "array", "value": items}
	case map[string]any:
		pairs := make([]any, 0, len(x))
		for k, item := range x {
			pairs = append(pairs, []any{k, toLocal(item)})
		}
		return map[string]any{"type": "object", "value": pairs}
	}
	panic(fmt.Sprintf("bidi: %T is not a JSON value", v))
}
