package sched

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redis"
	"github.com/hongqi-dev/hongqi/store"
)

// runs 记下任务的每次执行（“任务名 期别”）。
type runs struct {
	mu   sync.Mutex
	got  []string
	fail error
}

func (r *runs) job(name string, due func(time.Time) (string, bool), end func(string) time.Time) Job {
	return Job{Name: name, Due: due, End: end, Run: func(_ context.Context, p string) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.fail != nil {
			return r.fail
		}
		r.got = append(r.got, name+" "+p)
		return nil
	}}
}

func (r *runs) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func (r *runs) setFail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// daily 是“每天 08:00 处理前一天”的任务，期别是那一天的日期。
func daily(r *runs) Job {
	due := func(t time.Time) (string, bool) {
		d := model.DateOf(t, shanghai)
		if t.Before(time.Date(d.Year, d.Month, d.Day, 8, 0, 0, 0, shanghai)) {
			d = d.AddDays(-1)
		}
		return d.AddDays(-1).String(), true
	}
	end := func(p string) time.Time {
		d, err := model.ParseDate(p)
		if err != nil {
			return time.Time{}
		}
		return d.End(shanghai)
	}
	return r.job("daily", due, end)
}

func openStore(t *testing.T, dsn string, clk *model.Clock) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, clk, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// 调度器不认识具体的任务：按期的任务每期只执行一次（到点才做，停机后只补最近一期），不按期的每轮都做，
// 执行失败的下一轮重做，上线（GoLive）之前就结束的期不做。
func TestScheduler(t *testing.T) {
	clk := model.PinClock(at(2026, 11, 9, 7, 0), nil)
	db := openStore(t, testenv.SQLite(t), clk)
	r := &runs{}
	every := 0
	s := New(clk, redis.NewMemory(clk), db, quiet)
	s.Add(daily(r), Job{Name: "every", Due: func(time.Time) (string, bool) { return "", false },
		Run: func(context.Context, string) error { every++; return nil }})
	s.GoLive = at(2026, 11, 8, 12, 0) // 8 日中午上线：8 日那一期在上线之后才结束，要做；7 日的在上线前就结束了，不做
	ctx := context.Background()
	steps := []struct {
		name string
		now  time.Time
		fail bool
		want []string
	}{
		{"before 08:00: the 7th ended before go-live, skipped", at(2026, 11, 9, 7, 0), false, nil},
		{"08:00: the 8th", at(2026, 11, 9, 8, 0), false, []string{"daily 2026-11-08"}},
		{"again the same day: nothing new", at(2026, 11, 9, 20, 0), false, []string{"daily 2026-11-08"}},
		{"down for two days, the run fails", at(2026, 11, 12, 9, 0), true, []string{"daily 2026-11-08"}},
		{"next tick: only the latest period, retried", at(2026, 11, 12, 9, 1), false, []string{"daily 2026-11-08", "daily 2026-11-11"}},
	}
	for _, st := range steps {
		clk.Set(st.now)
		if st.fail {
			r.setFail(model.Errorf(model.EUNAVAILABLE, "数据库暂时不可用"))
		} else {
			r.setFail(nil)
		}
		err := s.Tick(ctx)
		if (err != nil) != st.fail {
			t.Fatalf("%s: Tick = %v", st.name, err)
		}
		if got := r.list(); !equal(got, st.want) {
			t.Fatalf("%s: 执行了 %v，想要 %v", st.name, got, st.want)
		}
	}
	if every != len(steps) {
		t.Errorf("不按期的任务执行 %d 次，想要每轮一次（%d）", every, len(steps))
	}
}

// failingLocker 模拟 Redis 不可用。
type failingLocker struct{}

func (failingLocker) TryLock(context.Context, string, time.Duration) (func(), bool, error) {
	return nil, false, errors.New("redis down")
}

// 两个副本同时 Tick：每期只执行一次——有锁时靠锁和登记，锁服务不可用时只靠数据库登记。
func TestTwoReplicasRunEachPeriodOnce(t *testing.T) {
	cases := []struct {
		name   string
		locker func(t *testing.T) (model.Locker, model.Locker)
	}{
		{"redis", func(t *testing.T) (model.Locker, model.Locker) {
			url, prefix := testenv.Redis(t)
			open := func() model.Locker {
				r, err := redis.NewRedis(context.Background(), url, prefix)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close() })
				return r
			}
			return open(), open()
		}},
		{"redis down: database claim alone", func(t *testing.T) (model.Locker, model.Locker) {
			return failingLocker{}, failingLocker{}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dsn := testenv.MySQL(t)
			clk := model.PinClock(at(2026, 11, 9, 7, 59), nil)
			la, lb := c.locker(t)
			r := &runs{}
			a, b := New(clk, la, openStore(t, dsn, clk), quiet), New(clk, lb, openStore(t, dsn, clk), quiet)
			a.Add(daily(r))
			b.Add(daily(r))
			ctx := context.Background()
			for _, now := range []time.Time{at(2026, 11, 9, 8, 0), at(2026, 11, 9, 8, 1), at(2026, 11, 10, 8, 0)} {
				clk.Set(now)
				var wg sync.WaitGroup
				for _, s := range []*Scheduler{a, b, a, b} {
					wg.Add(1)
					go func() { defer wg.Done(); _ = s.Tick(ctx) }()
				}
				wg.Wait()
			}
			if got, want := r.list(), []string{"daily 2026-11-08", "daily 2026-11-09"}; !equal(got, want) {
				t.Errorf("执行了 %v，想要每期恰好一次 %v", got, want)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
