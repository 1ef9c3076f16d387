// Package keystest gives tests a master key. It is fixed, so that every
// server of a test (two nodes on one database, a server restarted, a child
// process) holds the same one; it protects nothing.
package keystest

import "github.com/attest-dev/attest/internal/keys"

// Hex is the tests' master key, as `attest serve --master-key` reads it.
const Hex = "7e57000000000000000000000000000000000000000000000000000000007e57"

// Ring returns a ring holding the tests' master key.
func Ring() *keys.Ring {
	m, err := keys.Parse(Hex)
	if err != nil {
		panic(err)
	}
	return keys.NewRing(m)
}
