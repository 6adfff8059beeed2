package redis

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"
)

// logger 是 go-redis 自己的日志去处：默认 slog.Default()，装配时由 SetLogger 换成服务的日志。
var logger atomic.Pointer[slog.Logger]

// slogAdapter 把 go-redis 的日志（如连接池拨号失败“redis: … pool.go:770: …”）写进 slog 的 debug 级别：
// 连不上 Redis 时 hongqi 自己会用中文说明并回退到数据库，这些原始的行不应直接打到标准错误上。
type slogAdapter struct{}

func (slogAdapter) Printf(ctx context.Context, format string, v ...any) {
	l := logger.Load()
	if l == nil {
		l = slog.Default()
	}
	if ctx == nil {
		ctx = context.Background()
	}
	l.DebugContext(ctx, "go-redis", "msg", strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func init() { goredis.SetLogger(slogAdapter{}) }

// SetLogger 让 go-redis 的日志写进 log（debug 级别）；log 为空时用 slog.Default()。go-redis 的日志是全进程的，
// 最后一次设置的生效。
func SetLogger(log *slog.Logger) { logger.Store(log) }
