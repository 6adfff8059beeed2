package redis

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// Fallback 包装一个 Redis 去重器：Redis 出错时 Claim 放行（返回 true），
// 由数据库里消息的唯一键作为唯一的保证；错误日志每分钟至多一条。
// 出错后的 Cooldown 时间内不再访问 Redis，直接放行，免得每条消息都等一次连接超时。
type Fallback struct {
	d   model.Deduper
	log *slog.Logger
	now func() time.Time

	mu         sync.Mutex
	downUntil  time.Time
	lastLog    time.Time
	suppressed int
}

// fallbackCooldown 是 Redis 出错后跳过它的时长。
const fallbackCooldown = 5 * time.Second

// WithFallback 返回在 d 出错时放行的去重器。冷却时间按 clock 计；log 为 nil 时用 slog.Default()。
func WithFallback(d model.Deduper, clock *model.Clock, log *slog.Logger) model.Deduper {
	if log == nil {
		log = slog.Default()
	}
	return &Fallback{d: d, log: log, now: clock.Now}
}

// Claim 调用被包装的去重器；它出错时返回 (true, nil)。
func (f *Fallback) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if f.down() {
		return true, nil
	}
	ok, err := f.d.Claim(ctx, key, ttl)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		f.fail("去重缓存不可用，改由数据库唯一键防重", err)
		return true, nil
	}
	return ok, nil
}

// Release 调用被包装的去重器；出错只记日志（键会随 TTL 过期）。
func (f *Fallback) Release(ctx context.Context, key string) error {
	if f.down() {
		return nil
	}
	if err := f.d.Release(ctx, key); err != nil && ctx.Err() == nil {
		f.fail("去重缓存不可用，未能释放去重键", err)
	}
	return nil
}

// down 表示是否仍在出错后的冷却期内。
func (f *Fallback) down() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now().Before(f.downUntil)
}

// fail 记下一次出错：进入冷却期；日志每分钟至多一条，并注明期间省略了多少条。
func (f *Fallback) fail(msg string, err error) {
	f.mu.Lock()
	now := f.now()
	f.downUntil = now.Add(fallbackCooldown)
	if !f.lastLog.IsZero() && now.Sub(f.lastLog) < time.Minute {
		f.suppressed++
		f.mu.Unlock()
		return
	}
	suppressed := f.suppressed
	f.lastLog, f.suppressed = now, 0
	f.mu.Unlock()
	f.log.Warn(msg, "err", err, "suppressed", suppressed)
}
