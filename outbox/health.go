package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// 健康检查的阈值。
const (
	// HealthLeaseGrace：租约过期这么久仍没有发送进程接手（正常时一秒内就被重新领取），说明没有发送进程在运行。
	HealthLeaseGrace = time.Minute
	// HealthDueWait：到期的通知等了这么久还没被领取，说明发送进程停了或远远跟不上。
	// 限速顺延和失败重试都会推后到期时间，不会误报。
	HealthDueWait = 10 * time.Minute
	// HealthFailedWindow：这段时间内有通知被放弃就报不健康；更早的放弃不再报，免得一条旧事一直亮红灯。
	HealthFailedWindow = 24 * time.Hour
)

// StatsReader 读取发件箱的概况（store.DB 实现）。
type StatsReader interface {
	OutboxStats(ctx context.Context, now, failedSince time.Time) (model.OutboxStats, error)
}

// Check 读取 now 时发件箱的概况并用 Judge 判断；读不了时返回读取的错误。
func Check(ctx context.Context, r StatsReader, now time.Time) (model.OutboxStats, error) {
	st, err := r.OutboxStats(ctx, now, now.Add(-HealthFailedWindow))
	if err != nil {
		return st, err
	}
	return st, Judge(st, now)
}

// Judge 判断发件箱是否在正常发送：有通知领取后租约过期超过 HealthLeaseGrace、到期的通知等了超过
// HealthDueWait，或最近 HealthFailedWindow 内有通知被放弃，都返回 EUNAVAILABLE 错误，消息是一句中文原因。
// st 须由 failedSince = now - HealthFailedWindow 读出。
func Judge(st model.OutboxStats, now time.Time) error {
	if st.Expired > 0 && now.Sub(st.OldestLease) > HealthLeaseGrace {
		return model.Errorf(model.EUNAVAILABLE, "发件箱有 %d 条通知领取后租约已过期 %s仍未发完：发送进程可能已停止或卡住。",
			st.Expired, Ago(now.Sub(st.OldestLease)))
	}
	if !st.OldestDue.IsZero() && now.Sub(st.OldestDue) > HealthDueWait {
		return model.Errorf(model.EUNAVAILABLE, "发件箱最早一条到期的通知已等了 %s还没发出（共 %d 条待发）：发送进程可能没有运行。",
			Ago(now.Sub(st.OldestDue)), st.Pending)
	}
	if st.Failed > 0 {
		return model.Errorf(model.EUNAVAILABLE, "最近 24 小时有 %d 条通知多次发送失败、已放弃：请查看日志中的“通知发送失败，已放弃”并人工处理。",
			st.Failed)
	}
	return nil
}

// Ago 把时长写成人说的样子：“45 秒”“12 分钟”“3 小时 5 分钟”“2 天 4 小时”。
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d 秒", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d 小时", h)
		}
		return fmt.Sprintf("%d 小时 %d 分钟", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%d 天", days)
	}
	return fmt.Sprintf("%d 天 %d 小时", days, h)
}
