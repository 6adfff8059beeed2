package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/settlement"
	"github.com/hongqi-dev/hongqi/settlement/calc"
	"github.com/hongqi-dev/hongqi/store"
)

var oct = model.Month{Year: 2026, Month: time.October}

// setupSettle 在全新的 MariaDB 上组装带结算命令的机器人（花名册 testdata/settle-roster.csv），
// 并导入 2026 年 10 月的红旗：李四第 40、41、42 周三面周旗，河口所 10 月上中下旬三面旬旗。
// 时钟在 2026-10-20 9:30。
func setupSettle(t *testing.T) (*bot.Bot, *store.DB, *model.Clock) {
	t.Helper()
	ctx := context.Background()
	clk := model.PinClock(time.Date(2026, 10, 20, 9, 30, 0, 0, shanghaiLoc), nil)
	db := openStore(t, "testdata/settle-roster.csv", clk)
	var flags []model.Flag
	for _, w := range []string{"2026-W40", "2026-W41", "2026-W42"} {
		flags = append(flags, model.Flag{Kind: model.FlagWeekly, Period: w, Month: oct, StaffID: "ls01", Name: "李四", Branch: "城关所"})
	}
	for _, d := range []string{"2026-10-1", "2026-10-2", "2026-10-3"} {
		flags = append(flags, model.Flag{Kind: model.FlagDekad, Period: d, Month: oct, Name: "河口所", Branch: "河口所", HeadID: "lsz"})
	}
	if _, err := db.ImportFlags(ctx, flags); err != nil {
		t.Fatalf("导入红旗: %v", err)
	}
	cat := rules.Default()
	svc := &ledger.Service{Staff: db, Ledger: db, Catalog: cat, Clock: clk}
	settleSvc := &settlement.Service{Ledger: svc, Flags: db, Store: db, Cfg: calc.DefaultConfig(), Outbox: db}
	svc.CloseWith(settleSvc.Closed)
	b := bot.New(bot.Options{Staff: db, Log: quietLog, Clock: clk})
	Register(b, Deps{Ledger: svc, Settle: settleSvc, Clock: clk})
	return b, db, clk
}

// TestSettlementMonth 走一遍 10 月的结算：
//
//	李四  迟到 −10，三面周旗 +100，服务明星 +200（替换了周九）   = +290
//	周九  信息采纳 +50；迟到 −10 已撤销不计                      = +50
//	刘所长 河口所三面旬旗 +100                                    = +100
//	城关所 奖 350、扣 −10、合计 +340；河口所 +100；全部 +440
func TestSettlementMonth(t *testing.T) {
	b, db, clk := setupSettle(t)
	ctx := context.Background()
	n := 0
	say := func(as, text string, want, notWant []string) string {
		t.Helper()
		n++
		return sayStep(t, b, n-1, model.Message{Key: fmt.Sprintf("msg:settle:%d", n), From: as, Text: text, CreateTime: clk.Now()}, want, notWant)
	}
	say("wzg", "扣 李四 迟到", []string{"已记录 #1"}, nil)
	say("wzg", "奖 周九 信息采纳", []string{"已记录 #2"}, nil)
	say("wzg", "扣 周九 迟到", []string{"已记录 #3"}, nil)
	say("wzg", "撤销 3 记错了", []string{"已撤销 #3"}, nil)
	say("wzg", "明星 李四", []string{"只有"}, []string{"已评定"})
	say("wzg", "结算 10月", []string{"只有"}, []string{"草稿"})

	clk.Set(at(5)) // 11 月 5 日：结 10 月的账
	say("gly", "明星 周九 10月", []string{"已评定 周九（城关所）为2026年10月政务服务明星"}, []string{"替换"})
	say("zr", "明星 李四 10月", []string{"已评定 李四（城关所）为2026年10月政务服务明星", "原来评定的 周九（城关所）已被替换"}, nil)
	say("gly", "发布 11月", []string{"2026年11月还没结束"}, nil)

	draftWant := []string{
		"【草稿】2026年10月结算：3 人有明细",
		"奖励 +450 元，扣款 −10 元，合计 +440 元",
		"城关所：奖 +350 元，扣 −10 元，合计 +340 元",
		"河口所：奖 +100 元，扣 0 元，合计 +100 元",
		"李四：当月获周服务红旗标杆岗3次以上（营业人员）：本月 3 次（2026-W40、2026-W41、2026-W42） +100 元",
		"刘所长：当月获旬服务红旗标杆所3次以上（所长）：河口所本月 3 次",
		"李四：当月政务服务明星：2026年10月 +200 元",
		"李四（城关所）+290 元",
		"发送“发布 2026-10”后私信每个人",
	}
	say("gly", "结算", draftWant, []string{"周九：当月政务服务明星"})

	say("gly", "发布 10月", []string{"已发布2026年10月结算：5 人的结算单", "汇总已发给 2 位中心领导", "奖励 3 条已记入台账", "合计 +440 元"}, nil)
	say("zr", "发布 2026-10", []string{"2026年10月的结算已于 11月5日 09:30 由管理员发布，这次没有重复发送"}, nil)

	ns, err := db.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	statements := map[string]model.Notice{}
	summaries := 0
	for _, nt := range ns {
		switch {
		case strings.HasPrefix(nt.Key, "statement:2026-10:"):
			statements[nt.To.String()] = nt
		case strings.HasPrefix(nt.Key, "summary:2026-10:"):
			summaries++
		}
	}
	// 有记录的 3 人，加上没有记录的 2 名在册员工（各收到“合计 0 元”）；中心领导只收汇总。
	if len(statements) != 5 || summaries != 2 {
		t.Fatalf("结算单 %d 张、汇总 %d 条；应为 5 张、2 条", len(statements), summaries)
	}
	zero := 0
	for _, st := range statements {
		if strings.Contains(st.Body, "本月没有扣款和奖励记录") && strings.Contains(st.Body, "0 元") {
			zero++
		}
	}
	if zero != 2 {
		t.Errorf("%d 张“合计 0 元”的结算单，应为 2 张", zero)
	}
	ls := statements["ls01"].Body
	for _, w := range []string{"#1 到岗迟到或者早退 −10 元", "本月周服务红旗：3 次", "合计：<font color=\"info\">+290 元</font>", "下月5日前", "如有异议"} {
		if !strings.Contains(ls, w) {
			t.Errorf("李四的结算单缺少 %q：\n%s", w, ls)
		}
	}
	if strings.Contains(statements["zj01"].Body, "#3") {
		t.Errorf("周九的结算单不应列已撤销的 #3：\n%s", statements["zj01"].Body)
	}
	gen, err := db.Entries(ctx, model.EntryFilter{Month: oct})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, e := range gen {
		if e.Ref != "" {
			refs = append(refs, e.StaffID+" "+e.Ref+" "+ledger.Yuan(e.Amount))
		}
	}
	wantRefs := "ls01 flags:weekly:2026-10 +100 元|ls01 star:2026-10 +200 元|lsz flags:dekad:2026-10:河口所 +100 元"
	if strings.Join(refs, "|") != wantRefs {
		t.Errorf("写入台账的结算记录 = %v\n应为 %s", refs, wantRefs)
	}

	// 发布之后：草稿数字不变（已记入台账的奖励不重复计算），并说明已结账。
	say("gly", "结算 10月", append(draftWant[:8:8], "该月已于 11月5日 09:30 由管理员发布，已结账"), []string{"+540 元"})
	say("gly", "明星 周九 10月", []string{"2026年10月的结算已经发布，不能再改服务明星"}, nil)

	// 结账后撤销 10 月的 #1：原记录不改，在 11 月记一笔 +10 元的调整。
	say("wzg", "撤销 1 其实没迟到", []string{"#1 所在的2026年10月已结账", "已在2026年11月记一笔调整 #7：李四 +10 元", "李四2026年11月合计 +10 元"}, []string{"已撤销 #1"})
	say("wzg", "撤销 1", []string{"由王主管记过调整 #7，不用再撤"}, nil)
	e1, err := db.Entry(ctx, 1)
	if err != nil || e1.Revoked() {
		t.Errorf("10 月的 #1 不应被撤销：%+v %v", e1, err)
	}
	adj, err := db.Entries(ctx, model.EntryFilter{Ref: "adjusts:#1"})
	if err != nil || len(adj) != 1 || adj[0].Month != oct.Add(1) || adj[0].Amount != 10 {
		t.Fatalf("调整记录 = %+v, %v；应为 11 月一条 +10 元", adj, err)
	}
	if _, err := db.Entry(ctx, adj[0].ID); err != nil {
		t.Fatal(err)
	}
}
