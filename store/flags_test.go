package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

var ft0 = time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)

func weeklyRound(period string) model.Round {
	return model.Round{
		Kind: model.FlagWeekly, Period: period, Label: period + " 周",
		Status:     model.RoundProposed,
		Proposed:   []model.Ranked{{Rank: 1, Subject: "zhangsan", Name: "张三", Branch: "城关所", Score: 9250, Eligible: true, Parts: []model.ScorePart{{Name: "满意率", Value: "97.5%"}}}},
		ProposedAt: ft0, Deadline: ft0.Add(48 * time.Hour),
	}
}

func weeklyFlag(period, staff string) model.Flag {
	return model.Flag{Kind: model.FlagWeekly, Period: period, Month: model.Month{Year: 2026, Month: 11}, StaffID: staff, Name: staff, Branch: "城关所", HeadID: "head1"}
}

func createRound(t *testing.T, db *DB, r model.Round) model.Round {
	t.Helper()
	got, err := db.CreateRound(context.Background(), r)
	if err != nil {
		t.Fatalf("CreateRound(%s): %v", r.Period, err)
	}
	return got
}

func TestCreateRoundConflict(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		first := createRound(t, db, weeklyRound("2026-W45"))
		if first.ID == 0 || first.Status != model.RoundProposed {
			t.Fatalf("新建的评选 = %+v", first)
		}
		again := weeklyRound("2026-W45")
		again.Label = "另一个"
		got, err := db.CreateRound(ctx, again)
		wantCode(t, err, model.ECONFLICT)
		if got.ID != first.ID || got.Label != first.Label {
			t.Errorf("冲突时返回 %+v，想要已有的 %d", got, first.ID)
		}
		// 同一期的旬评选与周评选互不冲突。
		d := weeklyRound("2026-W45")
		d.Kind = model.FlagDekad
		createRound(t, db, d)

		back, err := db.Round(ctx, model.FlagWeekly, "2026-W45")
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Proposed) != 1 || back.Proposed[0].Score != 9250 || back.Proposed[0].Parts[0].Value != "97.5%" {
			t.Errorf("提名快照没有原样保存：%+v", back.Proposed)
		}
		if !back.Deadline.Equal(ft0.Add(48 * time.Hour)) {
			t.Errorf("Deadline = %v", back.Deadline)
		}
		_, err = db.Round(ctx, model.FlagWeekly, "2026-W46")
		wantCode(t, err, model.ENOTFOUND)
		open, err := db.OpenRounds(ctx)
		if err != nil || len(open) != 2 {
			t.Fatalf("OpenRounds = %d 轮, %v；想要 2", len(open), err)
		}
	})
}

func TestDecideRoundOnceConcurrently(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		a, b := openDB(t, dsn), openDB(t, dsn)
		ctx := context.Background()
		r := createRound(t, a, weeklyRound("2026-W45"))
		type result struct {
			r   model.Round
			err error
		}
		const n = 6
		results := make(chan result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, status, by := a, model.RoundConfirmed, "member1"
				if i%2 == 1 {
					db, status, by = b, model.RoundAuto, ""
				}
				got, err := db.DecideRound(ctx, r.ID, status, by, "", ft0.Add(time.Hour),
					[]model.Flag{weeklyFlag("2026-W45", "zhangsan")},
					[]model.Notice{{Key: "flag:announce:test", To: model.ToRobot("all"), Body: "公布"}})
				results <- result{got, err}
			}()
		}
		wg.Wait()
		close(results)
		wins := 0
		for res := range results {
			switch model.ErrorCode(res.err) {
			case "":
				wins++
			case model.ECONFLICT:
				if res.r.Status == model.RoundProposed || res.r.DecidedAt == nil {
					t.Errorf("冲突时应返回已决定的评选，得到 %+v", res.r)
				}
			default:
				t.Errorf("DecideRound: %v", res.err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d 次决定成功，想要恰好 1 次", wins)
		}
		flags, err := a.Flags(ctx, model.FlagFilter{Period: "2026-W45"})
		if err != nil || len(flags) != 1 {
			t.Fatalf("红旗 %d 面（%v），想要 1 面", len(flags), err)
		}
		if f := flags[0]; f.RoundID != r.ID || f.StaffID != "zhangsan" || f.Month.String() != "2026-11" || f.HeadID != "head1" || f.Source != "round" {
			t.Errorf("红旗 = %+v", f)
		}
		ns, _ := a.Notices(ctx, "")
		if len(ns) != 1 {
			t.Errorf("公布通知 %d 条，想要 1 条", len(ns))
		}
		open, _ := b.OpenRounds(ctx)
		if len(open) != 0 {
			t.Errorf("决定之后仍有 %d 轮待确认", len(open))
		}
		_, err = a.DecideRound(ctx, 999, model.RoundConfirmed, "x", "", ft0, nil, nil)
		wantCode(t, err, model.ENOTFOUND)
	})
}

func TestClaimJobOnceAcrossHandles(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		a, b := openDB(t, dsn), openDB(t, dsn)
		ctx := context.Background()
		var wg sync.WaitGroup
		var mu sync.Mutex
		claimed := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db := a
				if i%2 == 1 {
					db = b
				}
				ok, err := db.ClaimJob(ctx, "flag-weekly", "2026-W45", ft0)
				if err != nil {
					t.Errorf("ClaimJob: %v", err)
				}
				if ok {
					mu.Lock()
					claimed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if claimed != 1 {
			t.Fatalf("登记成功 %d 次，想要 1 次", claimed)
		}
		if ok, _ := a.ClaimJob(ctx, "flag-weekly", "2026-W46", ft0); !ok {
			t.Error("下一期应能登记")
		}
		if ok, _ := a.ClaimJob(ctx, "flag-dekad", "2026-W45", ft0); !ok {
			t.Error("别的任务同一期应能登记")
		}
		if err := b.ReleaseJob(ctx, "flag-weekly", "2026-W45"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := a.ClaimJob(ctx, "flag-weekly", "2026-W45", ft0); !ok {
			t.Error("撤销登记后应能再次登记")
		}
	})
}

func TestImportFlagsIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		batch := []model.Flag{
			weeklyFlag("2026-W40", "zhangsan"),
			weeklyFlag("2026-W40", "lisi"),
			{Kind: model.FlagDekad, Period: "2026-10-1", Month: model.Month{Year: 2026, Month: 10}, Name: "河西所", Branch: "河西所", HeadID: "wangwu"},
		}
		n, err := db.ImportFlags(ctx, batch)
		if err != nil || n != 3 {
			t.Fatalf("第一次导入 = %d, %v；想要 3", n, err)
		}
		n, err = db.ImportFlags(ctx, append(batch, weeklyFlag("2026-W41", "zhangsan")))
		if err != nil || n != 1 {
			t.Fatalf("再次导入 = %d, %v；想要只新增 1", n, err)
		}
		bad := []model.Flag{weeklyFlag("2026-W42", "zhaoliu"), {Kind: model.FlagWeekly, Period: "2026-W42", Month: model.Month{Year: 2026, Month: 10}}}
		_, err = db.ImportFlags(ctx, bad)
		wantCode(t, err, model.EINVALID)
		all, err := db.Flags(ctx, model.FlagFilter{Year: 2026})
		if err != nil || len(all) != 4 {
			t.Fatalf("共 %d 面（%v），想要 4 面（有错的一批什么也不写）", len(all), err)
		}
		for _, f := range all {
			if f.Source != "import" {
				t.Errorf("%s %s 的来源 = %q，想要 import", f.Period, f.Name, f.Source)
			}
		}
		cases := []struct {
			name   string
			filter model.FlagFilter
			want   int
		}{
			{"by staff", model.FlagFilter{StaffID: "zhangsan"}, 2},
			{"by kind", model.FlagFilter{Kind: model.FlagDekad}, 1},
			{"by month", model.FlagFilter{Month: model.Month{Year: 2026, Month: 11}}, 3},
			{"by branch", model.FlagFilter{Branch: "河西所"}, 1},
			{"other year", model.FlagFilter{Year: 2025}, 0},
		}
		for _, c := range cases {
			got, err := db.Flags(ctx, c.filter)
			if err != nil || len(got) != c.want {
				t.Errorf("%s: %d 面（%v），想要 %d", c.name, len(got), err, c.want)
			}
		}
	})
}

func TestCancelFlagOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		a, b := openDB(t, dsn), openDB(t, dsn)
		ctx := context.Background()
		if _, err := a.ImportFlags(ctx, []model.Flag{weeklyFlag("2026-W45", "zhangsan")}); err != nil {
			t.Fatal(err)
		}
		fl, _ := a.Flags(ctx, model.FlagFilter{})
		id := fl[0].ID
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db := a
				if i%2 == 1 {
					db = b
				}
				f, err := db.CancelFlag(ctx, id, "boss", "测评数据造假", ft0, []model.Notice{{Key: "flag:cancel:1", To: model.ToRobot("all"), Body: "撤销"}})
				if err == nil && (!f.Cancelled || f.CancelNote != "测评数据造假" || f.CancelledAt == nil) {
					t.Errorf("撤销后的红旗 = %+v", f)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch model.ErrorCode(err) {
			case "":
				ok++
			case model.ECONFLICT:
			default:
				t.Errorf("CancelFlag: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("撤销成功 %d 次，想要 1 次", ok)
		}
		if got, _ := a.Flags(ctx, model.FlagFilter{}); len(got) != 0 {
			t.Errorf("默认不列出已撤销的红旗，得到 %d 面", len(got))
		}
		got, _ := a.Flags(ctx, model.FlagFilter{IncludeCancelled: true})
		if len(got) != 1 || !got[0].Cancelled || got[0].CancelledBy != "boss" {
			t.Errorf("已撤销的红旗应保留并标记：%+v", got)
		}
		if ns, _ := a.Notices(ctx, ""); len(ns) != 1 {
			t.Errorf("撤销通知 %d 条，想要 1 条", len(ns))
		}
		_, err := a.CancelFlag(ctx, 999, "boss", "x", ft0, nil)
		wantCode(t, err, model.ENOTFOUND)
	})
}
