package loadtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
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
	// Classes are the runtime's accounts of that memory, in the order of
	// MemoryClasses: what the RSS is made of.
	Classes [len(MemoryClasses)]uint64
}

// MemoryClasses are the runtime/metrics that GoMemory reads: the classes
// of memory the Go runtime holds (they add up to /memory/classes/total),
// and the heap goal of the next collection, below which the runtime keeps
// freed heap memory rather than returning it to the OS.
var MemoryClasses = [...]string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/os-stacks:bytes",
	"/memory/classes/metadata/mspan/inuse:bytes",
	"/memory/classes/metadata/mspan/free:bytes",
	"/memory/classes/metadata/mcache/inuse:bytes",
	"/memory/classes/metadata/mcache/free:bytes",
	"/memory/classes/metadata/other:bytes",
	"/memory/classes/profiling/buckets:bytes",
	"/memory/classes/other:bytes",
	"/memory/classes/total:bytes",
	"/gc/heap/goal:bytes",
}

// ReadGoMemory collects garbage and reads the runtime's memory statistics.
func ReadGoMemory() GoMemory {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := GoMemory{HeapAlloc: ms.HeapAlloc, StackInuse: ms.StackInuse, Sys: ms.Sys, Goroutines: runtime.NumGoroutine()}
	samples := make([]metrics.Sample, len(MemoryClasses))
	for i, name := range MemoryClasses {
		samples[i].Name = name
	}
	metrics.Read(samples)
	for i, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			m.Classes[i] = s.Value.Uint64()
		}
	}
	return m
}

// String is the form the child server reports it in.
func (m GoMemory) String() string {
	classes := make([]string, len(m.Classes))
	for i, v := range m.Classes {
		classes[i] = strconv.FormatUint(v, 10)
	}
	return fmt.Sprintf("heap=%d stack=%d sys=%d goroutines=%d classes=%s", m.HeapAlloc, m.StackInuse, m.Sys, m.Goroutines, strings.Join(classes, ","))
}

// ParseGoMemory reads the String form back.
func ParseGoMemory(s string) (GoMemory, error) {
	var m GoMemory
	var classes string
	if _, err := fmt.Sscanf(s, "heap=%d stack=%d sys=%d goroutines=%d classes=%s", &m.HeapAlloc, &m.StackInuse, &m.Sys, &m.Goroutines, &classes); err != nil {
		return m, err
	}
	list := strings.Split(classes, ",")
	if len(list) != len(m.Classes) {
		return m, fmt.Errorf("%d memory classes, want %d", len(list), len(m.Classes))
	}
	for i, v := range list {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return m, fmt.Errorf("memory class %s: %w", MemoryClasses[i], err)
		}
		m.Classes[i] = n
	}
	return m, nil
}

// RSSParts is a process's resident memory by kind, from /proc/<pid>/status:
// anonymous (the heap, stacks and every other allocation) and file-backed
// (the program's code and data as mapped from its file).
func RSSParts(pid int) (anon, file int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(data)) {
		for _, f := range []struct {
			prefix string
			into   *int64
		}{{"RssAnon:", &anon}, {"RssFile:", &file}} {
			if rest, ok := strings.CutPrefix(line, f.prefix); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err != nil {
					return 0, 0, fmt.Errorf("%s of %d: %w", f.prefix, pid, err)
				}
				*f.into = kb << 10
			}
		}
	}
	return anon, file, nil
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
