package handlers

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/settlement/calc"
)

// TestAnnualDraftAndPublish 用 2026 年门槛 4 次（配置）算年度结算，各档手算：
//
//	赵零 0 次 −300，其所长陈所长 −200      钱一 1 次（另有 2025 年一面不计）−200
//	孙二 2 次、李三 3 次（门槛−1）不奖不扣  周四 4 次（门槛）+600、证书，陈所长 +200
//	吴四 4 面其中 1 面已撤销 = 3 次，不奖不扣；何一是农村网点员工，不参加
//	合计：奖励 +800，扣款 −700，合计 +100；4 人有奖惩（赵零、钱一、周四、陈所长 0 元）
func TestAnnualDraftAndPublish(t *testing.T) {
	ctx := context.Background()
	clk := model.PinClock(time.Date(2026, 12, 20, 9, 30, 0, 0, shanghaiLoc), nil)
	db := openStore(t, "testdata/annual-roster.csv", clk)
	weeks := func(staff, name, branch, head string, n int, year int) []model.Flag {
		var out []model.Flag
		for i := range n {
			out = append(out, model.Flag{Kind: model.FlagWeekly, Period: fmt.Sprintf("%d-W%02d", year, 10+i),
				Month: model.Month{Year: year, Month: time.March}, StaffID: staff, Name: name, Branch: branch, HeadID: head})
		}
		return out
	}
	var flags []model.Flag
	flags = append(flags, weeks("a1", "钱一", "城关所", "cgz", 1, 2026)...)
	flags = append(flags, weeks("a1", "钱一", "城关所", "cgz", 1, 2025)...)
	flags = append(flags, weeks("a2", "孙二", "城关所", "cgz", 2, 2026)...)
	flags = append(flags, weeks("a3", "李三", "城关所", "cgz", 3, 2026)...)
	flags = append(flags, weeks("a4", "周四", "城关所", "cgz", 4, 2026)...)
	flags = append(flags, weeks("b4", "吴四", "东城所", "dcz", 4, 2026)...)
	flags = append(flags, weeks("hk01", "何一", "河口所", "", 5, 2026)...)
	if _, err := db.ImportFlags(ctx, flags); err != nil {
		t.Fatalf("导入红旗: %v", err)
	}
	b4, err := db.Flags(ctx, model.FlagFilter{StaffID: "b4"})
	if err != nil || len(b4) != 4 {
		t.Fatalf("吴四的红旗 %v %v", b4, err)
	}
	if _, err := db.CancelFlag(ctx, b4[0].ID, "gly", "虚假信息", time.Date(2026, 6, 1, 9, 0, 0, 0, shanghaiLoc), nil); err != nil {
		t.Fatal(err)
	}

	cat := rules.Default()
	led := &ledger.Service{Staff: db, Ledger: db, Catalog: cat, Clock: clk}
	cfg := calc.DefaultConfig()
	cfg.YearThreshold = map[int]int{2026: 4}
	svc := &settlement.Service{Ledger: led, Flags: db, Store: db, Cfg: cfg}
	b := newBot(t, bot.Options{Staff: db, Units: db, Log: quietLog, Clock: clk})
	Register(b, Deps{Ledger: led, Settle: svc, Clock: clk})

	n := 0
	say := func(as, text string, want, notWant []string) {
		t.Helper()
		n++
		sayStep(t, b, n-1, model.Message{Key: fmt.Sprintf("msg:year:%d", n), From: as, Text: text, CreateTime: clk.Now()}, want, notWant)
	}
	draft := []string{
		"【草稿】2026 年年度结算：参加考核 6 人，年度服务明星门槛 4 次",
		"年度服务明星（≥4 次）：1 人", "不奖不扣（2–3 次）：3 人", "少于 2 次：1 人", "0 次：1 人",
		"年度服务明星证书：\n周四（城关所）4 次",
		"陈所长：本所营业人员获年度服务明星", "+200 元",
		"奖励 +800 元，扣款 −700 元，合计 +100 元（4 人）",
	}
	say("wzg", "年度 2026", []string{"只有"}, []string{"草稿"})
	say("gly", "年度 2026", draft, []string{"何一", "吴四"})
	say("gly", "年度 二〇二六", []string{"年份“二〇二六”看不懂"}, nil)
	say("gly", "发布年度 2026", []string{"2026 年还没结束"}, []string{"已发布"})
	say("gly", "年度 2027", []string{"2027 年还没到，没有年度结算", "发“年度 2026”看今年的草稿"}, []string{"【草稿】"})

	clk.Set(time.Date(2027, 1, 5, 10, 0, 0, 0, shanghaiLoc))
	say("zr", "发布年度 2026", []string{"已发布 2026 年年度结算：4 人的年度结算单", "汇总已发给 2 位中心领导", "奖惩 5 条已记入2027年1月台账", "合计 +100 元"}, nil)
	say("gly", "发布年度 2026年", []string{"已于 2027年1月5日 10:00 由张主任发布，这次没有重复发送"}, []string{"已发布 2026"})
	say("gly", "年度 2026", append(draft, "已于 2027年1月5日 10:00 由张主任发布"), nil)

	jan := model.Month{Year: 2027, Month: time.January}
	es, err := db.Entries(ctx, model.EntryFilter{Month: jan})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, e := range es {
		got[e.StaffID] += e.Amount
	}
	want := map[string]int64{"a0": -300, "a1": -200, "a4": 600, "cgz": 0}
	if len(es) != 5 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("2027 年 1 月台账 %d 条，各人合计 %v；想要 5 条，%v", len(es), got, want)
	}
	ns, err := db.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, n := range ns {
		keys[n.Key] = true
	}
	for _, k := range []string{"year-statement:2026:a0", "year-statement:2026:a1", "year-statement:2026:a4", "year-statement:2026:cgz",
		"year-summary:2026:gly", "year-summary:2026:zr", "certificate:2026:a4"} {
		if !keys[k] {
			t.Errorf("缺少通知 %s（全部：%v）", k, keys)
		}
	}
	if len(ns) != 7 {
		t.Errorf("共 %d 条通知，想要 7 条：%v", len(ns), keys)
	}
	// 年度服务明星 a4 的证书：一张 PNG 图片，发给本人和中心领导。
	for _, n := range ns {
		if n.Key != "certificate:2026:a4" {
			continue
		}
		if f := n.File; f == nil || f.Kind != model.FileImage || !bytes.HasPrefix(f.Data, []byte("\x89PNG")) {
			t.Errorf("certificate notice: file %+v, want a PNG image", f)
		}
		if to := n.To.Users; len(to) < 2 || to[0] != "a4" || !slices.Contains(to, "gly") {
			t.Errorf("certificate goes to %q, want the star and the leaders", to)
		}
	}
}
