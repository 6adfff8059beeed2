package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/redflag/rank"
	"github.com/hongqi-dev/hongqi/sched"
	"github.com/hongqi-dev/hongqi/settlement"
)

// openFlags 装配流动红旗：排行、评选流程、评分依据。
func (m *Main) openFlags() error {
	m.Flow = &redflag.Service{
		Store: m.DB, Outbox: m.DB, Staff: m.DB, Ranker: m.newRanker(), Ledger: m.Ledger,
		Cfg: m.Config.Flags, DekadFalseInfo: int64(m.Config.Settle.DekadFalseInfo), Clock: m.Clock, Log: m.Log,
	}
	m.Inputs = &redflag.Inputs{Store: m.DB, Ledger: m.Ledger, Items: m.Config.Flags.Dekad.Items, Clock: m.Clock}
	return nil
}

// openSettlement 装配月度和年度结算；已发布月份的撤销改记调整。
func (m *Main) openSettlement() error {
	m.Settle = &settlement.Service{Ledger: m.Ledger, Flags: m.DB, Store: m.DB, Cfg: m.Config.Settle.Config(), Outbox: m.DB, GoLive: m.GoLive,
		Announce: announceRecipients(m.Config.Flags.Announce), AnnounceNames: m.Config.Settle.AnnounceNames,
		Centre: m.Config.Settle.CentreName, Log: m.Log}
	m.Ledger.CloseWith(m.Settle.Closed)
	m.Ledger.ProjectWith(m.Settle.Projected) // “查”还没发布的月份时给出发布时会另记的奖励（预计）
	return nil
}

// newRanker 返回用数据库中的评选输入和花名册计算排行的 Ranker。
func (m *Main) newRanker() model.Ranker {
	return &rank.Service{Inputs: m.DB, Staff: m.DB, Cfg: m.Config.Flags, Loc: m.Config.Location}
}

// 定时任务名：也是数据库登记（job_runs）和锁的键的一部分，改名就成了新任务。
const (
	JobWeekly        = "flag-weekly"
	JobDekad         = "flag-dekad"
	JobAuto          = "flag-auto"
	JobSettleDraft   = "settle-draft"
	JobSettlePublish = "settle-publish"
)

// openJobs 创建调度器，注册全部定时任务（流动红旗的提名和到期生效、结算的草稿和自动发布）。
// 上线（m.GoLive）之前就结束的期一概不做。应在 openFlags、openSettlement 之后调用。
func (m *Main) openJobs() error {
	loc := m.Clock.Location()
	flags, err := FlagJobs(m.Config.Flags, loc, m.Flow)
	if err != nil {
		return err
	}
	settle, err := SettleJobs(m.Config.Settle, loc, m.Settle, m.Log)
	if err != nil {
		return err
	}
	m.Sched = sched.New(m.Clock, m.Locker, m.DB, m.Log)
	m.Sched.GoLive = m.GoLive
	m.Sched.Add(flags...)
	m.Sched.Add(settle...)
	return nil
}

// FlagFlow 是流动红旗的定时任务调用的评选流程（*redflag.Service 实现它）。
type FlagFlow interface {
	Propose(ctx context.Context, kind model.FlagKind, period string) (model.Round, error)
	AutoConfirm(ctx context.Context) (int, error)
}

// FlagJobs 返回流动红旗的定时任务：每周按 flags.propose_weekly 提名上一周，每月 1、11、21 日
// flags.propose_dekad 提名上一旬，以及每轮都做的过期自动生效（顺带补发没入队的提名）。到点时刻按 loc 计算。
func FlagJobs(cfg config.Flags, loc *time.Location, flow FlagFlow) ([]sched.Job, error) {
	wd, wh, wm, err := cfg.WeeklyAt()
	if err != nil {
		return nil, model.Errorf(model.EINVALID, "flags.propose_weekly：%v", err)
	}
	dh, dm, err := config.ParseClock(cfg.ProposeDekad)
	if err != nil {
		return nil, model.Errorf(model.EINVALID, "flags.propose_dekad：%v", err)
	}
	weekly := sched.WeeklySchedule{Weekday: wd, Hour: wh, Min: wm, Loc: loc}
	dekad := sched.DekadSchedule{Hour: dh, Min: dm, Loc: loc}
	return []sched.Job{
		{
			Name: JobWeekly,
			Due:  func(t time.Time) (string, bool) { return weekly.Due(t).String(), true },
			Run: func(ctx context.Context, p string) error {
				_, err := flow.Propose(ctx, model.FlagWeekly, p)
				return err
			},
			End: func(p string) time.Time {
				w, err := model.ParseWeek(p)
				if err != nil {
					return time.Time{}
				}
				return w.End(loc)
			},
		},
		{
			Name: JobDekad,
			Due:  func(t time.Time) (string, bool) { return dekad.Due(t).String(), true },
			Run: func(ctx context.Context, p string) error {
				_, err := flow.Propose(ctx, model.FlagDekad, p)
				return err
			},
			End: func(p string) time.Time {
				d, err := model.ParseDekad(p)
				if err != nil {
					return time.Time{}
				}
				return d.End(loc)
			},
		},
		{
			Name: JobAuto,
			Due:  func(time.Time) (string, bool) { return "", false },
			Run:  func(ctx context.Context, _ string) error { _, err := flow.AutoConfirm(ctx); return err },
		},
	}, nil
}

// SettleFlow 是结算的定时任务调用的服务（*settlement.Service 实现它）。
type SettleFlow interface {
	SendDraft(ctx context.Context, month model.Month, publishBy time.Time) (int, error)
	AutoPublish(ctx context.Context, month model.Month) (settlement.PublishResult, bool, error)
}

// SettleJobs 返回结算的定时任务：每月 settle.draft_at 把上月草稿发给中心领导；每月 settle.publish_by 日
// 同一时刻上月仍未发布就由系统自动发布。到点时刻按 loc 计算；每一期的 End 是那个月的月底（上线前结束的月份不做）。
func SettleJobs(cfg config.Settle, loc *time.Location, flow SettleFlow, log *slog.Logger) ([]sched.Job, error) {
	day, h, m, err := cfg.DraftDay()
	if err != nil {
		return nil, model.Errorf(model.EINVALID, "settle.draft_at：%v", err)
	}
	draft := sched.MonthlySchedule{Day: day, Hour: h, Min: m, Loc: loc}
	pub := sched.MonthlySchedule{Day: cfg.PublishBy, Hour: h, Min: m, Loc: loc}
	monthDue := func(ms sched.MonthlySchedule) func(time.Time) (string, bool) {
		return func(t time.Time) (string, bool) { return ms.Due(t).String(), true }
	}
	monthEnd := func(p string) time.Time {
		mo, err := model.ParseMonthKey(p)
		if err != nil {
			return time.Time{}
		}
		return mo.End(loc)
	}
	return []sched.Job{
		{
			Name: JobSettleDraft, Due: monthDue(draft), End: monthEnd,
			Run: func(ctx context.Context, p string) error {
				mo, err := model.ParseMonthKey(p)
				if err != nil {
					return err
				}
				n, err := flow.SendDraft(ctx, mo, pub.At(mo.Add(1)))
				log.Info("结算草稿已入队", "month", p, "leaders", n)
				return err
			},
		},
		{
			Name: JobSettlePublish, Due: monthDue(pub), End: monthEnd,
			Run: func(ctx context.Context, p string) error {
				mo, err := model.ParseMonthKey(p)
				if err != nil {
					return err
				}
				r, done, err := flow.AutoPublish(ctx, mo)
				if done {
					log.Info("到期自动发布结算", "month", p, "statements", r.Statements)
				}
				return err
			},
		},
	}, nil
}

// announceRecipients 把配置里的公布去处变成通知的去处（群机器人按名称，应用群聊按 chatid）。
func announceRecipients(ts []config.AnnounceTarget) []model.Recipient {
	var out []model.Recipient
	for _, t := range ts {
		switch t.Kind {
		case "robot":
			out = append(out, model.ToRobot(t.Name))
		case "appchat":
			out = append(out, model.ToChat(t.ChatID))
		}
	}
	return out
}
