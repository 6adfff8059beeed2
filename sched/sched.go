// Package sched 运行流动红旗的定时任务：每周按配置的时间提名上一周，每月 1、11、21 日提名上一旬，
// 随时让过了确认期限的评选自动生效。
//
// 每个任务每期只执行一次，不论有几个副本：先取 model.Locker 的锁（Redis，或单机时的进程内锁），
// 再在数据库里登记 (任务, 期别)（model.JobStore.ClaimJob，唯一键）。每次 Tick 计算每个任务
// 最近一次到点的那一期，没登记过就执行，所以服务停机期间到点的任务在恢复后补做一次（只补最近一期）。
package sched

import (
	"context"
	"log/slog"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/model"
)

// 任务名（也是数据库登记和锁的键的一部分）。
const (
	JobWeekly = "flag-weekly"
	JobDekad  = "flag-dekad"
	JobAuto   = "flag-auto"
)

// DefaultLockTTL 是任务锁的时长：应长于一次任务的执行时间。
const DefaultLockTTL = 5 * time.Minute

// Flow 是定时任务调用的评选流程（*redflag.Service 实现它）。
type Flow interface {
	Propose(ctx context.Context, kind model.FlagKind, period string) (model.Round, error)
	AutoConfirm(ctx context.Context) (int, error)
}

// Job 是一个定时任务。Due 返回 now 时最近一次到点的期别（ok 为 false 表示不按期登记，每次 Tick 都执行）；
// Run 执行这一期。
type Job struct {
	Name string
	Due  func(now time.Time) (period string, ok bool)
	Run  func(ctx context.Context, period string) error
}

// Scheduler 运行定时任务。用 New 创建；Tick 执行一轮（测试用），Run 按间隔循环。
type Scheduler struct {
	Jobs    []Job
	Locker  model.Locker
	Store   model.JobStore
	Clock   *model.Clock // 全系统唯一的时钟，也给出计算到点时刻的时区
	Log     *slog.Logger
	LockTTL time.Duration
	// NotBefore 非零时，到点时间早于它的期别不补做（首次上线时不补提名很久以前的期）。
	NotBefore time.Time
	// dueAt 记录各任务 Due 所用的“到点时间”函数，用于 NotBefore 判断。
	dueAt map[string]func(period string) time.Time
}

// New 按红旗配置创建调度器：周提名（flags.propose_weekly，提名上一周）、旬提名（每月 1、11、21 日
// flags.propose_dekad，提名上一旬）和过期自动生效。到点时刻按 clock 的时区计算。
func New(cfg config.Flags, clock *model.Clock, flow Flow, locker model.Locker, store model.JobStore, log *slog.Logger) (*Scheduler, error) {
	wd, wh, wm, err := cfg.WeeklyAt()
	if err != nil {
		return nil, model.Errorf(model.EINVALID, "flags.propose_weekly：%v", err)
	}
	dh, dm, err := config.ParseClock(cfg.ProposeDekad)
	if err != nil {
		return nil, model.Errorf(model.EINVALID, "flags.propose_dekad：%v", err)
	}
	loc := clock.Location()
	if log == nil {
		log = slog.Default()
	}
	weekly := WeeklySchedule{Weekday: wd, Hour: wh, Min: wm, Loc: loc}
	dekad := DekadSchedule{Hour: dh, Min: dm, Loc: loc}
	s := &Scheduler{
		Locker: locker, Store: store, Clock: clock, Log: log, LockTTL: DefaultLockTTL,
		Jobs: []Job{
			{Name: JobWeekly, Due: func(t time.Time) (string, bool) { return weekly.Due(t).String(), true },
				Run: func(ctx context.Context, p string) error {
					_, err := flow.Propose(ctx, model.FlagWeekly, p)
					return err
				}},
			{Name: JobDekad, Due: func(t time.Time) (string, bool) { return dekad.Due(t).String(), true },
				Run: func(ctx context.Context, p string) error { _, err := flow.Propose(ctx, model.FlagDekad, p); return err }},
			{Name: JobAuto, Due: func(time.Time) (string, bool) { return "", false },
				Run: func(ctx context.Context, _ string) error { _, err := flow.AutoConfirm(ctx); return err }},
		},
		dueAt: map[string]func(string) time.Time{
			JobWeekly: func(p string) time.Time {
				w, err := model.ParseWeek(p)
				if err != nil {
					return time.Time{}
				}
				return weekly.At(w.Add(1))
			},
			JobDekad: func(p string) time.Time {
				d, err := model.ParseDekad(p)
				if err != nil {
					return time.Time{}
				}
				return dekad.At(d.Add(1))
			},
		},
	}
	return s, nil
}

// WeeklySchedule 是“每周某天某时刻提名上一周”。
type WeeklySchedule struct {
	Weekday   time.Weekday
	Hour, Min int
	Loc       *time.Location
}

// At 返回在周 w 之内的提名时刻（提名的是 w 的上一周）。
func (ws WeeklySchedule) At(w model.Week) time.Time {
	off := (int(ws.Weekday) + 6) % 7 // 周一为 0
	d := w.Start(ws.Loc).AddDate(0, 0, off)
	return time.Date(d.Year(), d.Month(), d.Day(), ws.Hour, ws.Min, 0, 0, ws.Loc)
}

// Due 返回 now 时最近一次已到点的提名所针对的周。
func (ws WeeklySchedule) Due(now time.Time) model.Week {
	cur := model.WeekOf(now, ws.Loc)
	if now.Before(ws.At(cur)) {
		cur = cur.Add(-1)
	}
	return cur.Add(-1)
}

// DekadSchedule 是“每旬第一天某时刻提名上一旬”。
type DekadSchedule struct {
	Hour, Min int
	Loc       *time.Location
}

// At 返回在旬 d 之内的提名时刻（提名的是 d 的上一旬）。
func (ds DekadSchedule) At(d model.Dekad) time.Time {
	s := d.Start(ds.Loc)
	return time.Date(s.Year(), s.Month(), s.Day(), ds.Hour, ds.Min, 0, 0, ds.Loc)
}

// Due 返回 now 时最近一次已到点的提名所针对的旬。
func (ds DekadSchedule) Due(now time.Time) model.Dekad {
	cur := model.DekadOf(now, ds.Loc)
	if now.Before(ds.At(cur)) {
		cur = cur.Add(-1)
	}
	return cur.Add(-1)
}

// Tick 执行一轮：每个任务计算最近一次到点的期别，取锁、登记，没执行过就执行。
// 执行失败时撤销登记，下一轮再试。返回第一个错误（其余只记日志）。
func (s *Scheduler) Tick(ctx context.Context) error {
	var first error
	for _, j := range s.Jobs {
		if err := s.runJob(ctx, j); err != nil {
			s.Log.Error("定时任务失败，下一轮再试", "job", j.Name, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

func (s *Scheduler) runJob(ctx context.Context, j Job) error {
	now := s.Clock.Now()
	period, keyed := j.Due(now)
	if keyed && !s.NotBefore.IsZero() {
		if at := s.dueAt[j.Name]; at != nil && at(period).Before(s.NotBefore) {
			return nil
		}
	}
	ttl := s.LockTTL
	if ttl <= 0 {
		ttl = DefaultLockTTL
	}
	if s.Locker != nil {
		unlock, ok, err := s.Locker.TryLock(ctx, "sched:"+j.Name, ttl)
		switch {
		case err != nil:
			// 锁服务不可用时仍可执行：数据库登记保证每期只执行一次。
			s.Log.Warn("定时任务取锁失败，只靠数据库登记防重", "job", j.Name, "err", err)
		case !ok:
			return nil
		default:
			defer unlock()
		}
	}
	if !keyed {
		return j.Run(ctx, "")
	}
	claimed, err := s.Store.ClaimJob(ctx, j.Name, period, now)
	if err != nil || !claimed {
		return err
	}
	s.Log.Info("定时任务执行", "job", j.Name, "period", period)
	if err := j.Run(ctx, period); err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if rerr := s.Store.ReleaseJob(rctx, j.Name, period); rerr != nil {
			s.Log.Error("定时任务失败后没能撤销登记，这一期需要人工补做", "job", j.Name, "period", period, "err", rerr)
		}
		return err
	}
	return nil
}

// Run 立即执行一轮，之后每隔 every 执行一轮，直到 ctx 结束。
func (s *Scheduler) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_ = s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
