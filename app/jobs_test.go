package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redis"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/sched"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/store"
)

// 这里测试装配好的定时任务（流动红旗的提名和到期生效、结算的草稿和自动发布）经通用的调度器运行：
// 到点、停机后补做、失败重试、多个副本每期只做一次。

var (
	shanghai = model.Shanghai
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai)
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

// newSched 是一个副本的调度器，只有流动红旗的任务（默认配置：周一 08:00 提名上一周，每旬第一天 08:00 提名上一旬）。
func newSched(t *testing.T, flow FlagFlow, locker model.Locker, js model.JobStore, clk *model.Clock) *sched.Scheduler {
	t.Helper()
	jobs, err := FlagJobs(config.DefaultFlags(), clk.Location(), flow)
	if err != nil {
		t.Fatal(err)
	}
	s := sched.New(clk, locker, js, quiet)
	s.Add(jobs...)
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
	s.GoLive = at(2026, 10, 21, 0, 0)
	ctx := context.Background()
	steps := []struct {
		now  time.Time
		want []string // 累计的提名
	}{
		// 10 月 21 日上线：W44 和 10 月下旬都在上线之后才结束，第一轮补做（各只补最近一期）。
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
				for _, s := range []*sched.Scheduler{a, b, a, b} {
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

// replica 是一个副本：自己的数据库连接、结算服务和调度器，共用一个时钟。
func replica(t *testing.T, dsn string, clk *model.Clock) (*sched.Scheduler, *store.DB, *settlement.Service) {
	t.Helper()
	db := openStore(t, dsn, clk)
	led := &ledger.Service{Staff: db, Ledger: db, Catalog: rules.Default(), Clock: clk}
	cfg := config.DefaultSettle()
	svc := &settlement.Service{Ledger: led, Flags: db, Store: db, Cfg: cfg.Config(), Outbox: db}
	s := newSched(t, &recorder{}, failingLocker{}, db, clk)
	jobs, err := SettleJobs(cfg, clk.Location(), svc, quiet)
	if err != nil {
		t.Fatal(err)
	}
	s.Add(jobs...)
	s.GoLive = at(2026, 10, 1, 0, 0) // 10 月 1 日上线：10 月的草稿和自动发布都要做
	return s, db, svc
}

// TestSettlementJobsOnceAcrossReplicas：两个副本在同一个库上，1 日 09:00 上月草稿发给每位中心领导一次；
// 5 日 09:00 上月还没发布就由系统发布一次（结算单注明到期自动发布），已由人发布的不再发布。
func TestSettlementJobsOnceAcrossReplicas(t *testing.T) {
	cases := []struct {
		name       string
		byHand     bool   // 4 日由管理员发布
		wantActor  string // 发布人
		wantAuto   bool   // 结算单注明自动发布
		wantNotice int    // 草稿 2 + 结算单 5（李四有记录，其余 4 名在册员工、主管、所长各一张“合计 0 元”）+ 汇总 2
	}{
		{"nobody published: the system publishes on the 5th", false, "系统", true, 9},
		{"published by hand on the 4th: nothing more on the 5th", true, "管理员", false, 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := testenv.MySQL(t)
			clk := model.PinClock(at(2026, 11, 1, 8, 59), nil)
			a, db, svc := replica(t, dsn, clk)
			b, _, _ := replica(t, dsn, clk)
			if _, _, err := db.UpsertRoster(ctx, testenv.Roster(t, "testdata/roster.csv")); err != nil {
				t.Fatal(err)
			}
			oct := model.Month{Year: 2026, Month: time.October}
			var flags []model.Flag
			for _, w := range []string{"2026-W40", "2026-W41", "2026-W42"} {
				flags = append(flags, model.Flag{Kind: model.FlagWeekly, Period: w, Month: oct, StaffID: "ls01", Name: "李四", Branch: "城关所"})
			}
			if _, err := db.ImportFlags(ctx, flags); err != nil {
				t.Fatal(err)
			}
			tick := func(now time.Time) {
				t.Helper()
				clk.Set(now)
				var wg sync.WaitGroup
				for _, s := range []*sched.Scheduler{a, b, a, b} {
					wg.Add(1)
					go func() { defer wg.Done(); _ = s.Tick(ctx) }()
				}
				wg.Wait()
			}
			notices := func() map[string]model.Notice {
				t.Helper()
				ns, err := db.Notices(ctx, "")
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]model.Notice{}
				for _, n := range ns {
					out[n.Key] = n
				}
				return out
			}

			tick(at(2026, 11, 1, 8, 59))
			if n := notices(); len(n) != 0 {
				t.Fatalf("08:59 还没到点，却有通知 %v", n)
			}
			tick(at(2026, 11, 1, 9, 0))
			tick(at(2026, 11, 1, 9, 1))
			n := notices()
			if len(n) != 2 {
				t.Fatalf("1 日 09:00 后有 %d 条通知，想要草稿各一条给管理员和张主任：%v", len(n), n)
			}
			for _, who := range []string{"gly", "zr"} {
				d, ok := n["draft:2026-10:"+who]
				if !ok || !slices.Equal(d.To.Users, []string{who}) || !strings.Contains(d.Body, "【草稿】2026年10月结算") || !strings.Contains(d.Body, "11月5日 09:00前没有发布的，系统将自动发布") {
					t.Errorf("%s 的草稿 = %+v", who, d)
				}
			}
			if closed, _ := svc.Closed(ctx, oct); closed {
				t.Fatal("草稿不应发布 10 月")
			}
			if c.byHand {
				clk.Set(at(2026, 11, 4, 10, 0))
				admin, err := db.Staff(ctx, "gly")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := svc.Publish(ctx, admin, model.Message{Key: "msg:pub"}, oct); err != nil {
					t.Fatal(err)
				}
			}
			tick(at(2026, 11, 5, 8, 59))
			if closed, _ := svc.Closed(ctx, oct); closed != c.byHand {
				t.Fatalf("5 日 08:59 结账 = %v，想要 %v", closed, c.byHand)
			}
			tick(at(2026, 11, 5, 9, 0))
			tick(at(2026, 11, 5, 9, 1))
			tick(at(2026, 11, 20, 9, 0))

			p, err := db.Publication(ctx, oct)
			if err != nil {
				t.Fatalf("5 日 09:00 后 10 月应已发布：%v", err)
			}
			if p.ActorName != c.wantActor {
				t.Errorf("发布人 %q，想要 %q", p.ActorName, c.wantActor)
			}
			n = notices()
			if len(n) != c.wantNotice {
				t.Errorf("共 %d 条通知，想要 %d 条：%v", len(n), c.wantNotice, n)
			}
			st, ok := n["statement:2026-10:ls01"]
			if !ok {
				t.Fatalf("李四没有结算单：%v", n)
			}
			if got := strings.Contains(st.Body, settlement.AutoNote); got != c.wantAuto {
				t.Errorf("结算单写自动发布 = %v，想要 %v：\n%s", got, c.wantAuto, st.Body)
			}
			es, err := db.Entries(ctx, model.EntryFilter{Month: oct})
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 1 || es[0].Amount != 100 {
				t.Errorf("10 月台账 %+v；想要一条周旗奖励 100 元", es)
			}
		})
	}
}
