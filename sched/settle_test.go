package sched

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/store"
)

func TestMonthlyDue(t *testing.T) {
	ms := MonthlySchedule{Day: 1, Hour: 9, Loc: shanghai}
	cases := []struct {
		name string
		now  time.Time
		want string
	}{
		{"1st 08:59 is still the month before last", at(2026, 11, 1, 8, 59), "2026-09"},
		{"1st 09:00 is last month", at(2026, 11, 1, 9, 0), "2026-10"},
		{"end of month", at(2026, 11, 30, 23, 59), "2026-10"},
		{"new year", at(2027, 1, 1, 9, 0), "2026-12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ms.Due(c.now).String(); got != c.want {
				t.Errorf("Due(%v) = %s，想要 %s", c.now, got, c.want)
			}
		})
	}
}

// replica 是一个副本：自己的数据库连接、结算服务和调度器，共用一个时钟。
func replica(t *testing.T, dsn string, clk *model.Clock) (*Scheduler, *store.DB, *settlement.Service) {
	t.Helper()
	db := openStore(t, dsn, clk)
	led := &ledger.Service{Staff: db, Ledger: db, Catalog: rules.Default(), Clock: clk}
	cfg := config.DefaultSettle()
	svc := &settlement.Service{Ledger: led, Flags: db, Store: db, Cfg: cfg.Config(), Outbox: db}
	s := newSched(t, &recorder{}, failingLocker{}, db, clk)
	if err := s.AddSettlement(cfg, svc); err != nil {
		t.Fatal(err)
	}
	s.NotBefore = at(2026, 11, 1, 0, 0)
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
				for _, s := range []*Scheduler{a, b, a, b} {
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
