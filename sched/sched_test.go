package sched

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redis"
	"github.com/hongqi-dev/hongqi/store"
)

var (
	shanghai = mustLoc("Asia/Shanghai")
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai)
}

func TestWeeklyDue(t *testing.T) {
	ws := WeeklySchedule{Weekday: time.Monday, Hour: 8, Min: 0, Loc: shanghai}
	cases := []struct {
		name string
		now  time.Time
		want string
	}{
		{"Monday 07:59 still proposes the week before last", at(2026, 11, 9, 7, 59), "2026-W44"},
		{"Monday 08:00 proposes last week", at(2026, 11, 9, 8, 0), "2026-W45"},
		{"Sunday night still last week's proposal", at(2026, 11, 15, 23, 59), "2026-W45"},
		{"year end: Monday 4 Jan 2027 proposes 2026-W53", at(2027, 1, 4, 8, 0), "2026-W53"},
		{"1 Jan 2027 (in W53) proposes W52", at(2027, 1, 1, 12, 0), "2026-W52"},
		{"UTC Monday 00:00 is Shanghai 08:00", time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), "2026-W45"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ws.Due(c.now).String(); got != c.want {
				t.Errorf("Due(%v) = %s, want %s", c.now, got, c.want)
			}
		})
	}
	friday := WeeklySchedule{Weekday: time.Friday, Hour: 17, Min: 30, Loc: shanghai}
	if got := friday.Due(at(2026, 11, 13, 17, 30)).String(); got != "2026-W45" {
		t.Errorf("周五 17:30 的配置：到点后提名 %s，想要上一周 2026-W45", got)
	}
}

func TestDekadDue(t *testing.T) {
	ds := DekadSchedule{Hour: 8, Loc: shanghai}
	cases := []struct {
		name string
		now  time.Time
		want string
	}{
		{"11th 08:00 proposes 上旬", at(2026, 11, 11, 8, 0), "2026-11-1"},
		{"11th 07:59 still the previous month's 下旬", at(2026, 11, 11, 7, 59), "2026-10-3"},
		{"21st proposes 中旬", at(2026, 11, 21, 9, 0), "2026-11-2"},
		{"1 March proposes February 下旬 (28 days)", at(2026, 3, 1, 8, 0), "2026-02-3"},
		{"1 March 2028 proposes February 下旬 (29 days)", at(2028, 3, 1, 8, 0), "2028-02-3"},
		{"31st of a month is still 下旬's proposal", at(2026, 1, 31, 23, 0), "2026-01-2"},
		{"1 Jan proposes December 下旬", at(2027, 1, 1, 8, 0), "2026-12-3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ds.Due(c.now).String(); got != c.want {
				t.Errorf("Due(%v) = %s, want %s", c.now, got, c.want)
			}
		})
	}
}

// recorder 是测试用的评选流程：记下每次提名和自动生效。
type recorder struct {
	mu       sync.Mutex
	proposed []string
	autos    int
	fail     error
}

func (r *recorder) Propose(_ context.Context, kind model.FlagKind, period string) (model.Round, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return model.Round{}, r.fail
	}
	r.proposed = append(r.proposed, string(kind)+" "+period)
	return model.Round{Kind: kind, Period: period}, nil
}

func (r *recorder) AutoConfirm(context.Context) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.autos++
	return 0, nil
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.proposed...)
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

func newSched(t *testing.T, flow Flow, locker model.Locker, js model.JobStore, clk *model.Clock) *Scheduler {
	t.Helper()
	s, err := New(config.DefaultFlags(), clk, flow, locker, js, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s
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

func TestTickAcrossBoundaries(t *testing.T) {
	clk := model.PinClock(at(2026, 11, 9, 7, 0), nil) // 周一 07:00
	db := openStore(t, testenv.SQLite(t), clk)
	rec := &recorder{}
	s := newSched(t, rec, redis.NewMemory(clk), db, clk)
	s.NotBefore = at(2026, 11, 1, 0, 0)
	ctx := context.Background()
	steps := []struct {
		now  time.Time
		want []string // 累计的提名
	}{
		// 上线时：W44 的提名时刻（11/2 08:00）在 NotBefore 之后，补做；10 月下旬的提名（11/1 08:00）也在之后。
		{at(2026, 11, 9, 7, 0), []string{"weekly 2026-W44", "dekad 2026-10-3"}},
		{at(2026, 11, 9, 7, 59), []string{"weekly 2026-W44", "dekad 2026-10-3"}},
		{at(2026, 11, 9, 8, 0), []string{"weekly 2026-W44", "dekad 2026-10-3", "weekly 2026-W45"}},
		{at(2026, 11, 9, 8, 1), []string{"weekly 2026-W44", "dekad 2026-10-3", "weekly 2026-W45"}},
		{at(2026, 11, 11, 8, 0), []string{"weekly 2026-W44", "dekad 2026-10-3", "weekly 2026-W45", "dekad 2026-11-1"}},
		{at(2026, 11, 11, 9, 0), []string{"weekly 2026-W44", "dekad 2026-10-3", "weekly 2026-W45", "dekad 2026-11-1"}},
	}
	for i, st := range steps {
		clk.Set(st.now)
		if err := s.Tick(ctx); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := rec.got(); !equal(got, st.want) {
			t.Fatalf("step %d (%v): 提名 %v，想要 %v", i, st.now, got, st.want)
		}
	}
	if rec.autos != len(steps) {
		t.Errorf("自动生效检查 %d 次，想要每轮一次（%d）", rec.autos, len(steps))
	}
}

func TestMissedWhileDownRunsOnce(t *testing.T) {
	clk := model.PinClock(at(2026, 11, 6, 12, 0), nil)
	db := openStore(t, testenv.SQLite(t), clk)
	ctx := context.Background()
	rec := &recorder{}
	s := newSched(t, rec, redis.NewMemory(clk), db, clk)
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	before := len(rec.got())
	// 停机：周一 08:00（W45）和 11 日 08:00（11 月上旬）都在停机期间到点；周三恢复。
	clk.Set(at(2026, 11, 11, 15, 0))
	s2 := newSched(t, rec, redis.NewMemory(clk), db, clk) // 重启后的新进程
	for range 3 {
		if err := s2.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := rec.got()[before:]
	if !equal(got, []string{"weekly 2026-W45", "dekad 2026-11-1"}) {
		t.Fatalf("恢复后提名 %v，想要各补一次：W45 和 11 月上旬", got)
	}
}

func TestFailedJobIsRetried(t *testing.T) {
	clk := model.PinClock(at(2026, 11, 9, 8, 0), nil)
	db := openStore(t, testenv.SQLite(t), clk)
	ctx := context.Background()
	rec := &recorder{fail: model.Errorf(model.EUNAVAILABLE, "数据库暂时不可用")}
	s := newSched(t, rec, redis.NewMemory(clk), db, clk)
	if err := s.Tick(ctx); err == nil {
		t.Fatal("提名失败时 Tick 应返回错误")
	}
	rec.mu.Lock()
	rec.fail = nil
	rec.mu.Unlock()
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.got(); !equal(got, []string{"weekly 2026-W45", "dekad 2026-10-3"}) {
		t.Fatalf("失败后下一轮应重做：%v", got)
	}
}

// failingLocker 模拟 Redis 不可用。
type failingLocker struct{}

func (failingLocker) TryLock(context.Context, string, time.Duration) (func(), bool, error) {
	return nil, false, errors.New("redis down")
}

func TestTwoReplicasEachJobOnce(t *testing.T) {
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
			dbA, dbB := openStore(t, dsn, clk), openStore(t, dsn, clk)
			la, lb := c.locker(t)
			rec := &recorder{}
			a := newSched(t, rec, la, dbA, clk)
			b := newSched(t, rec, lb, dbB, clk)
			ctx := context.Background()
			start := len(rec.got())
			for _, now := range []time.Time{at(2026, 11, 9, 8, 0), at(2026, 11, 9, 8, 1), at(2026, 11, 11, 8, 0), at(2026, 11, 11, 8, 1)} {
				clk.Set(now)
				var wg sync.WaitGroup
				for _, s := range []*Scheduler{a, b, a, b} {
					wg.Add(1)
					go func() { defer wg.Done(); _ = s.Tick(ctx) }()
				}
				wg.Wait()
			}
			got := rec.got()[start:]
			count := map[string]int{}
			for _, p := range got {
				count[p]++
			}
			for _, want := range []string{"weekly 2026-W45", "dekad 2026-10-3", "dekad 2026-11-1"} {
				if count[want] != 1 {
					t.Errorf("%s 提名了 %d 次，想要恰好 1 次（全部：%v）", want, count[want], got)
				}
			}
			if len(got) != 3 {
				t.Errorf("共提名 %d 次：%v，想要 3 次", len(got), got)
			}
		})
	}
}
