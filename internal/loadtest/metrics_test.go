package loadtest

import (
	"strings"
	"testing"
)

// The two samples are found among the others; one missing is an error.
func TestParseAllocations(t *testing.T) {
	text := `# HELP go_gc_duration_seconds A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.1e-05
go_gc_duration_seconds_sum 0.0031
go_gc_duration_seconds_count 17
# TYPE go_memstats_alloc_bytes gauge
go_memstats_alloc_bytes 2.4e+07
go_memstats_alloc_bytes_total 1.234567e+09
`
	m, err := parseAllocations(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if m.Allocated != 1.234567e9 || m.Collections != 17 {
		t.Fatalf("got %+v, want 1.234567e9 bytes and 17 collections", m)
	}
	if _, err := parseAllocations(strings.NewReader("go_gc_duration_seconds_count 3\n")); err == nil || !strings.Contains(err.Error(), "go_memstats_alloc_bytes_total") {
		t.Fatalf("got %v, want the missing sample named", err)
	}
}
