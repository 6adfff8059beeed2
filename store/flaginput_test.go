package store

import (
	"context"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

func inputMsg(key string) model.Message {
	return model.Message{Key: key, From: "sup1", Text: "测评", CreateTime: testClock.Now()}
}

// weekOf2026W45 返回 2026 年第 45 周（11月2日–11月8日，上海）的起止。
func weekOf2026W45(t *testing.T) (time.Time, time.Time) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	w := model.Week{Year: 2026, Week: 45}
	return w.Start(loc), w.End(loc)
}

func inputsOf(t *testing.T, db *DB, from, to time.Time) map[string]model.StaffInputs {
	t.Helper()
	got, err := db.StaffInputs(context.Background(), from, to)
	if err != nil {
		t.Fatalf("StaffInputs: %v", err)
	}
	m := map[string]model.StaffInputs{}
	for _, s := range got {
		m[s.StaffID] = s
	}
	return m
}

func TestMeterTypedAndImported(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		from, to := weekOf2026W45(t)

		typed := model.MeterDay{StaffID: "zhangsan", Day: day("2026-11-02"), Satisfied: 30, Basic: 2, Unsatisfied: 1, ActorID: "sup1"}
		if _, err := db.RecordMeterDay(ctx, inputMsg("msg:1"), typed); err != nil {
			t.Fatal(err)
		}
		// 同一消息再投递：什么也不新写。
		again := typed
		again.Satisfied = 99
		prev, err := db.RecordMeterDay(ctx, inputMsg("msg:1"), again)
		wantCode(t, err, model.EDUPLICATE)
		if prev.Satisfied != 30 {
			t.Errorf("重复投递返回 %+v，想要先前写入的 30 个满意", prev)
		}
		// 另一条消息改同一天：覆盖手工录入。
		typed.Satisfied = 35
		if _, err := db.RecordMeterDay(ctx, inputMsg("msg:2"), typed); err != nil {
			t.Fatal(err)
		}
		// 另一天也手工录入；下周的不计入本周。
		if _, err := db.RecordMeterDay(ctx, inputMsg("msg:3"), model.MeterDay{StaffID: "zhangsan", Day: day("2026-11-08"), Satisfied: 10}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordMeterDay(ctx, inputMsg("msg:4"), model.MeterDay{StaffID: "zhangsan", Day: day("2026-11-09"), Satisfied: 50}); err != nil {
			t.Fatal(err)
		}
		in := inputsOf(t, db, from, to)["zhangsan"]
		if in.Satisfied != 45 || in.Basic != 2 || in.Unsatisfied != 1 {
			t.Fatalf("手工录入汇总 = %+v，想要 满意 35+10、基本满意 2、不满意 1", in)
		}

		// 测评仪导入 11月2日：当天以测评仪为准，手工录入的不计。
		imp := []model.MeterDay{
			{StaffID: "zhangsan", Day: day("2026-11-02"), Satisfied: 40, Basic: 1},
			{StaffID: "lisi", Day: day("2026-11-03"), Satisfied: 20, Unsatisfied: 2},
		}
		res, err := db.ImportMeter(ctx, "file:abc", imp)
		if err != nil || res != (model.MeterImport{Added: 2}) {
			t.Fatalf("首次导入 = %+v, %v；想要新增 2", res, err)
		}
		res, err = db.ImportMeter(ctx, "file:abc", imp)
		if err != nil || res != (model.MeterImport{Unchanged: 2}) {
			t.Fatalf("重复导入 = %+v, %v；想要 2 条不变", res, err)
		}
		got := inputsOf(t, db, from, to)
		if z := got["zhangsan"]; z.Satisfied != 50 || z.Basic != 1 || z.Unsatisfied != 0 {
			t.Errorf("导入后张三 = %+v，想要 满意 40+10、基本满意 1", z)
		}
		if l := got["lisi"]; l.Ratings() != 22 {
			t.Errorf("李四测评 %d 次，想要 22", l.Ratings())
		}
		// 新的导出改了李四那天的数：以新的为准。
		imp[1].Satisfied = 25
		res, err = db.ImportMeter(ctx, "file:def", imp)
		if err != nil || res != (model.MeterImport{Replaced: 1, Unchanged: 1}) {
			t.Fatalf("更新导入 = %+v, %v", res, err)
		}
		if l := inputsOf(t, db, from, to)["lisi"]; l.Satisfied != 25 {
			t.Errorf("李四满意 %d，想要 25", l.Satisfied)
		}
		// 同一文件里同一人同一天出现两次：整批不写。
		_, err = db.ImportMeter(ctx, "file:bad", []model.MeterDay{
			{StaffID: "wangwu", Day: day("2026-11-04"), Satisfied: 1},
			{StaffID: "wangwu", Day: day("2026-11-04"), Satisfied: 2},
		})
		wantCode(t, err, model.EINVALID)
		if _, ok := inputsOf(t, db, from, to)["wangwu"]; ok {
			t.Error("出错的导入写进了数据")
		}
		days, err := db.MeterDays(ctx, "zhangsan", day("2026-11-02"), day("2026-11-08"))
		if err != nil || len(days) != 3 {
			t.Fatalf("MeterDays = %d 条, %v；想要 3（两种来源都列出）", len(days), err)
		}
	})
}

func TestFeedbackAndComplaintInvalid(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		c, err := db.RecordFeedback(ctx, inputMsg("msg:c1"), model.Feedback{StaffID: "zhangsan", Kind: model.FeedbackComplaint, Note: "态度差", ActorID: "sup1"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := db.RecordFeedback(ctx, inputMsg("msg:p1"), model.Feedback{StaffID: "zhangsan", Kind: model.FeedbackPraise, ActorID: "sup1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordFeedback(ctx, inputMsg("msg:c2"), model.Feedback{StaffID: "zhangsan", Kind: model.FeedbackComplaint, ActorID: "sup1"}); err != nil {
			t.Fatal(err)
		}
		dup, err := db.RecordFeedback(ctx, inputMsg("msg:c1"), model.Feedback{StaffID: "zhangsan", Kind: model.FeedbackComplaint})
		wantCode(t, err, model.EDUPLICATE)
		if dup.ID != c.ID {
			t.Errorf("重复投递返回 #%d，想要 #%d", dup.ID, c.ID)
		}
		now := testClock.Now()
		win := func() model.StaffInputs { return inputsOf(t, db, now.Add(-time.Hour), now.Add(time.Hour))["zhangsan"] }
		if w := win(); w.Complaints != 2 || w.Praise != 1 {
			t.Fatalf("汇总 = %+v，想要投诉 2、表扬 1", w)
		}

		inv := model.FeedbackInvalid{ActorID: "head1", ActorName: "所长", Reason: "客户认错人"}
		got, err := db.InvalidateComplaint(ctx, inputMsg("msg:i1"), c.ID, inv)
		if err != nil || got.Invalid == nil || got.Invalid.Reason != "客户认错人" {
			t.Fatalf("认定无效 = %+v, %v", got, err)
		}
		if w := win(); w.Complaints != 1 {
			t.Errorf("认定无效后有效投诉 %d，想要 1", w.Complaints)
		}
		kept, err := db.Feedback(ctx, c.ID)
		if err != nil || kept.Note != "态度差" || kept.Invalid == nil {
			t.Errorf("原记录应保留并标记：%+v, %v", kept, err)
		}

		cases := []struct {
			name string
			key  string
			id   int64
			code string
		}{
			{"同一消息再投递", "msg:i1", c.ID, model.EDUPLICATE},
			{"已认定过", "msg:i2", c.ID, model.ECONFLICT},
			{"表扬不能认定", "msg:i3", p.ID, model.EINVALID},
			{"编号不存在", "msg:i4", 9999, model.ENOTFOUND},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.InvalidateComplaint(ctx, inputMsg(tc.key), tc.id, inv)
				wantCode(t, err, tc.code)
			})
		}
	})
}

func TestSpotChecksDeductionsAndInspections(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		for i, score := range []int{90, 85} {
			if _, err := db.RecordSpotCheck(ctx, inputMsg("msg:s"+string(rune('a'+i))), model.SpotCheck{StaffID: "zhangsan", Score: score, ActorID: "sup1"}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := db.RecordSpotCheck(ctx, inputMsg("msg:sa"), model.SpotCheck{StaffID: "zhangsan", Score: 10})
		wantCode(t, err, model.EDUPLICATE)
		_, err = db.RecordSpotCheck(ctx, inputMsg("msg:sz"), model.SpotCheck{StaffID: "zhangsan", Score: 101})
		wantCode(t, err, model.EINVALID)

		entry := func(staff string, kind model.RuleKind, amount int64) model.Entry {
			return model.Entry{StaffID: staff, StaffName: staff, Branch: "城关所", RuleCode: "late", RuleName: "迟到",
				Kind: kind, Amount: amount, ActorID: "sup1", ActorName: "主管", Month: model.Month{Year: 2026, Month: 11}}
		}
		recs, err := db.Record(ctx, model.RecordRequest{Msg: inputMsg("msg:e1"), Entries: []model.Entry{
			entry("zhangsan", model.Deduction, -50), entry("lisi", model.Deduction, -50), entry("wangwu", model.Reward, 100),
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Revoke(ctx, model.RevokeRequest{Msg: inputMsg("msg:r1"), Revocation: model.Revocation{EntryID: recs[1].ID, ActorID: "sup1"}}); err != nil {
			t.Fatal(err)
		}
		for i, it := range []struct {
			branch, item string
			score        int
		}{{"河西所", "hygiene", 90}, {"河西所", "hygiene", 80}, {"河西所", "meeting", 95}, {"河东所", "hygiene", 70}} {
			if _, err := db.RecordInspection(ctx, inputMsg("msg:x"+string(rune('a'+i))), model.Inspection{Branch: it.branch, Item: it.item, Score: it.score, ActorID: "lead"}); err != nil {
				t.Fatal(err)
			}
		}

		now := testClock.Now()
		got := inputsOf(t, db, now.Add(-time.Hour), now.Add(time.Hour))
		if z := got["zhangsan"]; z.SpotSum != 175 || z.SpotCount != 2 || z.Deductions != 1 {
			t.Errorf("张三 = %+v，想要抽查 175/2 次、扣款 1 条", z)
		}
		if l := got["lisi"]; l.Deductions != 0 {
			t.Errorf("李四的扣款已撤销，却计了 %d 条", l.Deductions)
		}
		if w := got["wangwu"]; w.Deductions != 0 {
			t.Errorf("王五只有奖励，却计了 %d 条扣款", w.Deductions)
		}
		if past := inputsOf(t, db, now.Add(-48*time.Hour), now.Add(-24*time.Hour)); len(past) != 0 {
			t.Errorf("窗口之外的记录被计入：%+v", past)
		}

		br, err := db.BranchInputs(ctx, now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := []model.BranchItemInputs{
			{Branch: "河东所", Item: "hygiene", Sum: 70, Count: 1},
			{Branch: "河西所", Item: "hygiene", Sum: 170, Count: 2},
			{Branch: "河西所", Item: "meeting", Sum: 95, Count: 1},
		}
		if len(br) != len(want) {
			t.Fatalf("BranchInputs = %+v，想要 %+v", br, want)
		}
		for i := range want {
			if br[i] != want[i] {
				t.Errorf("第 %d 项 = %+v，想要 %+v", i, br[i], want[i])
			}
		}
	})
}

// TestInputsSurviveBadStoredRows：修复前写进库里的超大次数（满意 9223372036854775807）和分数，
// 不再让排行的汇总出错（SUM 溢出、扫描失败曾让“排行”和每周评选答 503）：范围以外的行不计，其余照常。
// 存储也不再接受超出上限的次数。
func TestInputsSurviveBadStoredRows(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		db := openDB(t, dsn)
		ctx := context.Background()
		from, to := weekOf2026W45(t)
		at := from.Add(10 * time.Hour)
		huge := int(^uint(0) >> 1) // MaxInt64：修复前“满意99999999999999999999”存下的数
		bad := []any{
			&meterDayRow{StaffID: "zhangsan", Day: "2026-11-02", Source: string(model.MeterTyped), Satisfied: huge, ActorID: "sup1", MsgKey: "msg:b1", CreatedAt: at},
			&meterDayRow{StaffID: "zhangsan", Day: "2026-11-03", Source: string(model.MeterTyped), Satisfied: huge, ActorID: "sup1", MsgKey: "msg:b2", CreatedAt: at},
			&meterDayRow{StaffID: "zhangsan", Day: "2026-11-04", Source: string(model.MeterTyped), Satisfied: -5, Basic: 3, ActorID: "sup1", MsgKey: "msg:b3", CreatedAt: at},
			&spotCheckRow{StaffID: "zhangsan", Score: huge, ActorID: "sup1", MsgKey: "msg:b4", CreatedAt: at},
			&spotCheckRow{StaffID: "zhangsan", Score: huge, ActorID: "sup1", MsgKey: "msg:b5", CreatedAt: at},
			&inspectionRow{Branch: "河口所", Item: "hygiene", Score: huge, ActorID: "sup1", MsgKey: "msg:b6", CreatedAt: at},
			&inspectionRow{Branch: "河口所", Item: "hygiene", Score: huge, ActorID: "sup1", MsgKey: "msg:b7", CreatedAt: at},
		}
		for _, r := range bad {
			if err := db.g.WithContext(ctx).Create(r).Error; err != nil {
				t.Fatalf("写入坏数据：%v", err)
			}
		}
		good := model.MeterDay{StaffID: "zhangsan", Day: day("2026-11-05"), Satisfied: 30, Basic: 2, Unsatisfied: 1, ActorID: "sup1"}
		if _, err := db.RecordMeterDay(ctx, inputMsg("msg:g1"), good); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordSpotCheck(ctx, inputMsg("msg:g2"), model.SpotCheck{StaffID: "zhangsan", Score: 90, ActorID: "sup1", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordInspection(ctx, inputMsg("msg:g3"), model.Inspection{Branch: "河口所", Item: "hygiene", Score: 80, ActorID: "sup1", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}

		got := inputsOf(t, db, from, to)["zhangsan"]
		if got.Satisfied != 30 || got.Basic != 2 || got.Unsatisfied != 1 || got.SpotSum != 90 || got.SpotCount != 1 {
			t.Errorf("汇总 = %+v，想要只计范围内的：满意 30、基本 2、不满意 1，抽查 90 分 1 次", got)
		}
		branch, err := db.BranchInputs(ctx, from, to)
		if err != nil {
			t.Fatalf("BranchInputs: %v", err)
		}
		if len(branch) != 1 || branch[0].Sum != 80 || branch[0].Count != 1 {
			t.Errorf("检查汇总 = %+v，想要只计 80 分那一次", branch)
		}

		over := good
		over.Day, over.Satisfied = day("2026-11-06"), model.MaxMeterCount+1
		_, err = db.RecordMeterDay(ctx, inputMsg("msg:g4"), over)
		wantCode(t, err, model.EINVALID)
		_, err = db.ImportMeter(ctx, "x.csv", []model.MeterDay{over})
		wantCode(t, err, model.EINVALID)
	})
}
