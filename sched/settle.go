package sched

import (
	"context"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement"
)

// 结算任务名。
const (
	JobSettleDraft   = "settle-draft"
	JobSettlePublish = "settle-publish"
)

// SettleFlow 是结算定时任务调用的服务（*settlement.Service 实现它）。
type SettleFlow interface {
	SendDraft(ctx context.Context, month model.Month, publishBy time.Time) (int, error)
	AutoPublish(ctx context.Context, month model.Month) (settlement.PublishResult, bool, error)
}

// MonthlySchedule 是“每月某日某时刻处理上一个月”。
type MonthlySchedule struct {
	Day, Hour, Min int
	Loc            *time.Location
}

// At 返回在月份 m 之内的到点时刻（处理的是 m 的上一个月）。
func (ms MonthlySchedule) At(m model.Month) time.Time {
	return time.Date(m.Year, m.Month, ms.Day, ms.Hour, ms.Min, 0, 0, ms.Loc)
}

// Due 返回 now 时最近一次已到点所处理的月份。
func (ms MonthlySchedule) Due(now time.Time) model.Month {
	cur := model.MonthOf(now, ms.Loc)
	if now.Before(ms.At(cur)) {
		cur = cur.Add(-1)
	}
	return cur.Add(-1)
}

// AddSettlement 给调度器加上结算任务：每月 settle.draft_at 把上月草稿发给中心领导，
// 每月 settle.publish_by 日同一时刻上月仍未发布就由系统自动发布。每月各执行一次，不论几个副本。
func (s *Scheduler) AddSettlement(cfg config.Settle, flow SettleFlow) error {
	day, h, m, err := cfg.DraftDay()
	if err != nil {
		return model.Errorf(model.EINVALID, "settle.draft_at：%v", err)
	}
	loc := s.Clock.Location()
	draft := MonthlySchedule{Day: day, Hour: h, Min: m, Loc: loc}
	pub := MonthlySchedule{Day: cfg.PublishBy, Hour: h, Min: m, Loc: loc}
	monthDue := func(ms MonthlySchedule) func(time.Time) (string, bool) {
		return func(t time.Time) (string, bool) { return ms.Due(t).String(), true }
	}
	monthAt := func(ms MonthlySchedule) func(string) time.Time {
		return func(p string) time.Time {
			mo, err := model.ParseMonth(p, time.Time{}, loc)
			if err != nil {
				return time.Time{}
			}
			return ms.At(mo.Add(1))
		}
	}
	s.Jobs = append(s.Jobs,
		Job{Name: JobSettleDraft, Due: monthDue(draft), Run: func(ctx context.Context, p string) error {
			mo, err := model.ParseMonth(p, time.Time{}, loc)
			if err != nil {
				return err
			}
			n, err := flow.SendDraft(ctx, mo, pub.At(mo.Add(1)))
			s.Log.Info("结算草稿已入队", "month", p, "leaders", n)
			return err
		}},
		Job{Name: JobSettlePublish, Due: monthDue(pub), Run: func(ctx context.Context, p string) error {
			mo, err := model.ParseMonth(p, time.Time{}, loc)
			if err != nil {
				return err
			}
			r, done, err := flow.AutoPublish(ctx, mo)
			if done {
				s.Log.Info("到期自动发布结算", "month", p, "statements", r.Statements)
			}
			return err
		}},
	)
	if s.dueAt == nil {
		s.dueAt = map[string]func(string) time.Time{}
	}
	s.dueAt[JobSettleDraft] = monthAt(draft)
	s.dueAt[JobSettlePublish] = monthAt(pub)
	return nil
}
