// Package sched 是通用的定时任务调度器：它只知道任务（Job：名字、何时到点、做什么）、跨副本的锁
// 和数据库里的登记（job_runs），不知道有哪些任务——任务在装配处（app/jobs.go）注册。
//
// 每个任务每期只执行一次，不论有几个副本：先取 model.Locker 的锁（Redis，或单机时的进程内锁），
// 再在数据库里登记 (任务, 期别)（model.JobStore.ClaimJob，唯一键）。每次 Tick 计算每个任务
// 最近一次到点的那一期，没登记过就执行，所以服务停机期间到点的任务在恢复后补做一次（只补最近一期）。
// 这里还有几种常用的到点规则（每周、每旬、每月某时刻处理上一期）。
package sched

import (
	"context"
	"log/slog"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// DefaultLockTTL 是任务锁的时长：应长于一次任务的执行时间。
const DefaultLockTTL = 5 * time.Minute

// Job 是一个定时任务。
type Job struct {
	// Name 是任务名，也是锁和数据库登记的键的一部分（改名等于新任务）。
	Name string
	// Due 返回 now 时最近一次到点的期别；ok 为 false 表示这个任务不按期登记，每次 Tick 都执行。
	Due func(now time.Time) (period string, ok bool)
	// Run 执行这一期（不按期的任务 period 为空）。
	Run func(ctx context.Context, period string) error
	// End 可选，返回某一期结束的时刻：Scheduler.GoLive 非零时，在上线之前（含上线那一刻）就结束的期不做。
	End func(period string) time.Time
}

// Scheduler 运行定时任务。用 New 创建、Add 加任务；Tick 执行一轮（测试用），Run 按间隔循环。
type Scheduler struct {
	Jobs    []Job
	Locker  model.Locker
	Store   model.JobStore
	Clock   *model.Clock // 全系统唯一的时钟
	Log     *slog.Logger
	LockTTL time.Duration
	// GoLive 是这个中心开始用红旗的时刻（数据库记下的第一次启动，或 flags.since）。非零时，
	// 在它之前（含同一刻）就已结束（Job.End）的期别一律不做：不提名、不发草稿、不自动发布——红旗没见过那一期。
	GoLive time.Time
}

// New 创建一个还没有任务的调度器。
func New(clock *model.Clock, locker model.Locker, store model.JobStore, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{Locker: locker, Store: store, Clock: clock, Log: log, LockTTL: DefaultLockTTL}
}

// Add 加上任务（应在开始 Tick、Run 之前）。
func (s *Scheduler) Add(jobs ...Job) { s.Jobs = append(s.Jobs, jobs...) }

// beforeGoLive 表示任务 j 的这一期是否在上线之前（含上线那一刻）就已结束。
func (s *Scheduler) beforeGoLive(j Job, period string) bool {
	if s.GoLive.IsZero() || j.End == nil {
		return false
	}
	e := j.End(period)
	return !e.IsZero() && !e.After(s.GoLive)
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
	if keyed && s.beforeGoLive(j, period) {
		return nil
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
