package relay

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// levelTrace is below slog's Debug, for pion's trace output.
const levelTrace = slog.LevelDebug - 4

// pionLogger sends pion's logging to slog.
type pionLogger struct {
	log *slog.Logger
}

// NewLogger implements logging.LoggerFactory.
func (f pionLogger) NewLogger(scope string) logging.LeveledLogger {
	return pionScope{f.log.With("pion", scope)}
}

// pionScope is one pion logger scope, such as "turn".
type pionScope struct {
	log *slog.Logger
}

func (l pionScope) emit(level slog.Level, msg string) {
	l.log.Log(context.Background(), level, msg)
}

func (l pionScope) emitf(level slog.Level, format string, args []any) {
	// Formatting is skipped for disabled levels: pion logs every datagram
	// it fails to handle.
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (l pionScope) Trace(msg string)                  { l.emit(levelTrace, msg) }
func (l pionScope) Tracef(format string, args ...any) { l.emitf(levelTrace, format, args) }
func (l pionScope) Debug(msg string)                  { l.emit(slog.LevelDebug, msg) }
func (l pionScope) Debugf(format string, args ...any) { l.emitf(slog.LevelDebug, format, args) }
func (l pionScope) Info(msg string)                   { l.emit(slog.LevelInfo, msg) }
func (l pionScope) Infof(format string, args ...any)  { l.emitf(slog.LevelInfo, format, args) }
func (l pionScope) Warn(msg string)                   { l.emit(slog.LevelWarn, msg) }
func (l pionScope) Warnf(format string, args ...any)  { l.emitf(slog.LevelWarn, format, args) }
func (l pionScope) Error(msg string)                  { l.emit(slog.LevelError, msg) }
func (l pionScope) Errorf(format string, args ...any) { l.emitf(slog.LevelError, format, args) }
