package outbox

import (
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

func TestJudge(t *testing.T) {
	now := time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		st   model.OutboxStats
		want string // 空：健康
	}{
		{"empty outbox", model.OutboxStats{}, ""},
		{"pending but not yet due", model.OutboxStats{Pending: 40}, ""},
		{"due a minute ago is normal", model.OutboxStats{Pending: 3, OldestDue: now.Add(-time.Minute)}, ""},
		{"due just under the limit", model.OutboxStats{Pending: 3, OldestDue: now.Add(-HealthDueWait)}, ""},
		{"due for 25 minutes", model.OutboxStats{Pending: 7, OldestDue: now.Add(-25 * time.Minute)},
			"发件箱最早一条到期的通知已等了 25 分钟还没发出（共 7 条待发）：发送进程可能没有运行。"},
		{"a lease just expired is reclaimed normally", model.OutboxStats{Expired: 1, OldestLease: now.Add(-30 * time.Second)}, ""},
		{"leases expired an hour and a half ago", model.OutboxStats{Expired: 2, OldestLease: now.Add(-90 * time.Minute)},
			"发件箱有 2 条通知领取后租约已过期 1 小时 30 分钟仍未发完：发送进程可能已停止或卡住。"},
		{"a notice given up on", model.OutboxStats{Failed: 1},
			"最近 24 小时有 1 条通知多次发送失败、已放弃：请查看日志中的“通知发送失败，已放弃”并人工处理。"},
		{"stuck is reported before the rest", model.OutboxStats{Expired: 1, OldestLease: now.Add(-2 * time.Minute), Pending: 1, OldestDue: now.Add(-time.Hour), Failed: 3},
			"发件箱有 1 条通知领取后租约已过期 2 分钟仍未发完：发送进程可能已停止或卡住。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Judge(tt.st, now)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Judge = %v，想要健康", err)
				}
				return
			}
			if model.ErrorCode(err) != model.EUNAVAILABLE || model.ErrorMessage(err) != tt.want {
				t.Errorf("Judge = %q (%s)\n想要        %q", model.ErrorMessage(err), model.ErrorCode(err), tt.want)
			}
		})
	}
}

func TestAgo(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{45 * time.Second, "45 秒"},
		{12*time.Minute + 59*time.Second, "12 分钟"},
		{3 * time.Hour, "3 小时"},
		{3*time.Hour + 5*time.Minute, "3 小时 5 分钟"},
		{48 * time.Hour, "2 天"},
		{52 * time.Hour, "2 天 4 小时"},
	}
	for _, tt := range tests {
		if got := Ago(tt.d); got != tt.want {
			t.Errorf("Ago(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
