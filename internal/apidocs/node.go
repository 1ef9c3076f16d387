package apidocs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// node is a JSON value that remembers the order of an object's keys, so
// that the reference lists paths, properties and responses in the order the
// document's authors chose (id first, not alphabetical).
type node struct {
	keys []string         // object keys in document order
	obj  map[string]*node // nil unless an object
	arr  []*node          // nil unless an array
	val  any              // string, json.Number, bool or nil for scalars
}

// parse reads one JSON document into a node tree.
func parse(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON document")
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		n := &node{obj: map[string]*node{}}
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			k := key.(string)
			if _, dup := n.obj[k]; !dup {
				n.keys = append(n.keys, k)
			}
			n.obj[k] = v
		}
		_, err := dec.Token() // }
		return n, err
	case json.Delim('['):
		n := &node{arr: []*node{}}
		for dec.More() {
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			n.arr = append(n.arr, v)
		}
		_, err := dec.Token() // ]
		return n, err
	}
	return &node{val: tok}, nil
}

// get follows keys through objects; a missing step gives nil, and every
// method of node accepts a nil node.
func (n *node) get(keys ...string) *node {
	for _, k := range keys {
		if n == nil || n.obj == nil {
			return nil
		}
		n = n.obj[k]
	}
	return n
}

// str is the string at keys, or "".
func (n *node) str(keys ...string) string {
	s, _ := n.get(keys...).scalar().(string)
	return s
}

func (n *node) scalar() any {
	if n == nil {
		return nil
	}
	return n.val
}

func (n *node) isObject() bool { return n != nil && n.obj != nil }

// strings lists the string items of the array at keys.
func (n *node) strings(keys ...string) []string {
	var out []string
	for _, item := range n.get(keys...).items() {
		if s, ok := item.val.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (n *node) items() []*node {
	if n == nil {
		return nil
	}
	return n.arr
}

// each calls f with the object's entries in document order.
func (n *node) each(f func(key string, v *node)) {
	if n == nil {
		return
	}
	for _, k := range n.keys {
		f(k, n.obj[k])
	}
}

// plain turns the node back into ordinary Go values, for printing as JSON.
func (n *node) plain() any {
	switch {
	case n == nil:
		return nil
	case n.obj != nil:
		m := orderedObject{keys: n.keys, vals: map[string]any{}}
		for k, v := range n.obj {
			m.vals[k] = v.plain()
		}
		return m
	case n.arr != nil:
		out := make([]any, len(n.arr))
		for i, v := range n.arr {
			out[i] = v.plain()
		}
		return out
	}
	return n.val
}

// orderedObject marshals its keys in order.
type orderedObject struct {
	keys []string
	vals map[string]any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// pretty prints the node as indented JSON, for examples.
func (n *node) pretty() string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(n.plain()); err != nil {
		return ""
	}
	return strings.TrimSpace(buf.String())
}

// resolve follows a local $ref ("#/components/schemas/Claim") from root.
func (root *node) resolve(ref string) *node {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	n := root
	for _, part := range strings.Split(rest, "/") {
		n = n.get(strings.NewReplacer("~1", "/", "~0", "~").Replace(part))
	}
	return n
}
