package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// NodeAllocations is what an attest's Go runtime has allocated and collected since
// it started, from its /metrics (Prometheus's text format; open unless the
// node was given a token).
type NodeAllocations struct {
	Allocated   float64 // bytes, go_memstats_alloc_bytes_total
	Collections float64 // go_gc_duration_seconds_count
}

// ReadAllocations reads base's /metrics.
func ReadAllocations(ctx context.Context, base string) (NodeAllocations, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return NodeAllocations{}, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return NodeAllocations{}, fmt.Errorf("read %s/metrics: %w", base, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return NodeAllocations{}, fmt.Errorf("read %s/metrics: %s", base, res.Status)
	}
	return parseAllocations(res.Body)
}

// parseAllocations finds the two samples in a text exposition.
func parseAllocations(r io.Reader) (NodeAllocations, error) {
	var m NodeAllocations
	found := map[string]*float64{"go_memstats_alloc_bytes_total": &m.Allocated, "go_gc_duration_seconds_count": &m.Collections}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		target := found[name]
		if !ok || target == nil {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return NodeAllocations{}, fmt.Errorf("metrics: %s %q: %w", name, value, err)
		}
		*target = v
		delete(found, name)
	}
	if err := sc.Err(); err != nil {
		return NodeAllocations{}, fmt.Errorf("read metrics: %w", err)
	}
	if len(found) > 0 {
		var missing []string
		for name := range found {
			missing = append(missing, name)
		}
		return NodeAllocations{}, fmt.Errorf("metrics lack %s", strings.Join(missing, ", "))
	}
	return m, nil
}
