package store

import (
	"context"
	"fmt"
)

// JobCounts counts the job queue's jobs by state (available, running,
// retryable, completed…). River owns the river_job table, on both databases;
// states with no jobs are left out.
func (c conn) JobCounts(ctx context.Context) (map[string]int, error) {
	rows, err := c.query(ctx, "SELECT state, COUNT(*) FROM river_job GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		counts[state] = n
	}
	return counts, rows.Err()
}
