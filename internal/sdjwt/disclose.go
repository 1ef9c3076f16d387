package sdjwt

import (
	"fmt"
	"maps"

	"github.com/go-json-experiment/json"
)

// disclosure is one decoded disclosure: [salt, name, value] for an object
// property, [salt, value] for an array element (Name is then "").
type disclosure struct {
	index   int
	encoded string
	Name    string
	Value   any
	element bool
	used    bool
}

func decodeDisclosure(i int, s string) (*disclosure, error) {
	field := fmt.Sprintf("disclosures[%d]", i)
	raw, err := b64.DecodeString(s)
	if err != nil {
		return nil, refuse(BadDisclosure, field, "not base64url: %v", err)
	}
	var arr []any
	if err := json.Unmarshal(raw, &arr); err != nil {
		return nil, refuse(BadDisclosure, field, "not a JSON array: %v", err)
	}
	d := &disclosure{index: i, encoded: s}
	if len(arr) < 2 || len(arr) > 3 {
		return nil, refuse(BadDisclosure, field, "a disclosure is [salt, name, value] or [salt, value]")
	}
	if _, ok := arr[0].(string); !ok {
		return nil, refuse(BadDisclosure, field, "the salt is not a string")
	}
	if len(arr) == 2 {
		d.element, d.Value = true, arr[1]
		return d, nil
	}
	name, ok := arr[1].(string)
	if !ok || name == "_sd" || name == "..." || name == "_sd_alg" {
		return nil, refuse(BadDisclosure, field, "the claim name is not a string a disclosure may carry")
	}
	d.Name, d.Value = name, arr[2]
	return d, nil
}

// disclose replaces, in the issuer's payload, every digest the
// disclosures answer with the claim they disclose, and drops the digests
// nobody disclosed (undisclosed claims and decoys). Every disclosure must
// be referenced exactly once: a disclosure presented twice, a digest
// found twice, or a disclosure nothing references is refused.
func disclose(payload map[string]any, encoded []string) (map[string]any, error) {
	byDigest := map[string]*disclosure{}
	for i, s := range encoded {
		d, err := decodeDisclosure(i, s)
		if err != nil {
			return nil, err
		}
		dg := Digest(s)
		if _, ok := byDigest[dg]; ok {
			return nil, refuse(RepeatedDisclosure, d.field(), "the same disclosure is presented twice")
		}
		byDigest[dg] = d
	}
	top := maps.Clone(payload)
	delete(top, "_sd_alg")
	out, err := walk(top, byDigest)
	if err != nil {
		return nil, err
	}
	for _, s := range encoded {
		if d := byDigest[Digest(s)]; !d.used {
			return nil, refuse(UnusedDisclosure, d.field(), "no digest in the credential references this disclosure")
		}
	}
	return out.(map[string]any), nil
}

func (d *disclosure) field() string { return fmt.Sprintf("disclosures[%d]", d.index) }

// take marks the disclosure of a digest used, refusing a second use.
func take(byDigest map[string]*disclosure, digest string) (*disclosure, error) {
	d, ok := byDigest[digest]
	if !ok {
		return nil, nil
	}
	if d.used {
		return nil, refuse(RepeatedDisclosure, d.field(), "its digest appears more than once in the credential")
	}
	d.used = true
	return d, nil
}

func walk(node any, byDigest map[string]*disclosure) (any, error) {
	switch n := node.(type) {
	case map[string]any:
		return walkObject(n, byDigest)
	case []any:
		return walkArray(n, byDigest)
	}
	return node, nil
}

func walkObject(obj map[string]any, byDigest map[string]*disclosure) (any, error) {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		if k == "_sd" {
			continue
		}
		w, err := walk(v, byDigest)
		if err != nil {
			return nil, err
		}
		out[k] = w
	}
	raw, ok := obj["_sd"]
	if !ok {
		return out, nil
	}
	digests, ok := raw.([]any)
	if !ok {
		return nil, refuse(Malformed, "issuer_jwt._sd", "_sd is not an array")
	}
	for _, x := range digests {
		dg, ok := x.(string)
		if !ok {
			return nil, refuse(Malformed, "issuer_jwt._sd", "_sd holds something other than a digest")
		}
		d, err := take(byDigest, dg)
		if err != nil || d == nil {
			if err != nil {
				return nil, err
			}
			continue // undisclosed, or a decoy
		}
		if d.element {
			return nil, refuse(BadDisclosure, d.field(), "an array element's disclosure is referenced from an object")
		}
		if _, exists := obj[d.Name]; exists {
			return nil, refuse(BadDisclosure, d.field(), "claim %q is both disclosed and in plain sight", d.Name)
		}
		if _, exists := out[d.Name]; exists {
			return nil, refuse(BadDisclosure, d.field(), "claim %q is disclosed twice", d.Name)
		}
		v, err := walk(d.Value, byDigest)
		if err != nil {
			return nil, err
		}
		out[d.Name] = v
	}
	return out, nil
}

func walkArray(arr []any, byDigest map[string]*disclosure) (any, error) {
	out := make([]any, 0, len(arr))
	for _, el := range arr {
		if m, ok := el.(map[string]any); ok && len(m) == 1 && m["..."] != nil {
			dg, ok := m["..."].(string)
			if !ok {
				return nil, refuse(Malformed, "issuer_jwt", `an array element {"...": digest} holds no digest`)
			}
			d, err := take(byDigest, dg)
			if err != nil {
				return nil, err
			}
			if d == nil {
				continue
			}
			if !d.element {
				return nil, refuse(BadDisclosure, d.field(), "a claim's disclosure is referenced from an array")
			}
			el = d.Value
		}
		w, err := walk(el, byDigest)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}
