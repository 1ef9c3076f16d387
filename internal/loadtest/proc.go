package loadtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RaiseFileLimit lifts this process's soft limit on open files to the hard
// limit and returns the limits it now runs under.
func RaiseFileLimit() (soft, hard uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, 0, err
		}
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, 0, err
		}
	}
	return lim.Cur, lim.Max, nil
}

// RSS is a process's resident set size, from VmRSS in /proc/<pid>/status.
func RSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS of %d: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS for process %d", pid)
}

// FileLimit is a process's soft limit on open files, from
// /proc/<pid>/limits; -1 means unlimited.
func FileLimit(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Max open files"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				break
			}
			if fields[0] == "unlimited" {
				return -1, nil
			}
			return strconv.ParseInt(fields[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no open-file limit for process %d", pid)
}

// CPUTime is the user plus system CPU a process has used, from
// /proc/<pid>/stat (in clock ticks of 1/100 s, USER_HZ on Linux).
func CPUTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: count after it.
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[end+1:]))
	// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unreadable CPU times in /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// GoMemory is this process's Go memory after a garbage collection.
type GoMemory struct {
	HeapAlloc  uint64 // live heap
	StackInuse uint64 // goroutine stacks
	Sys        uint64 // everything the Go runtime took from the OS
	Goroutines int
}

// ReadGoMemory collects garbage and reads the runtime's memory statistics.
func ReadGoMemory() GoMemory {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return GoMemory{HeapAlloc: ms.HeapAlloc, StackInuse: ms.StackInuse, Sys: ms.Sys, Goroutines: runtime.NumGoroutine()}
}

// String is the form the child server reports it in.
func (m GoMemory) String() string {
	return fmt.Sprintf("heap=%d stack=%d sys=%d goroutines=%d", m.HeapAlloc, m.StackInuse, m.Sys, m.Goroutines)
}

// ParseGoMemory reads the String form back.
func ParseGoMemory(s string) (GoMemory, error) {
	var m GoMemory
	_, err := fmt.Sscanf(s, "heap=%d stack=%d sys=%d goroutines=%d", &m.HeapAlloc, &m.StackInuse, &m.Sys, &m.Goroutines)
	return m, err
}

// LoadAverage is the system's load average over 1, 5 and 15 minutes, as
// /proc/loadavg and uptime give it.
func LoadAverage() (string, error) {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "", fmt.Errorf("unreadable /proc/loadavg: %q", data)
	}
	return strings.Join(f[:3], ", "), nil
}
