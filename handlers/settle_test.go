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

// settleMonth 是一组结算测试所结的月 M（停的日期所在月的上一个月）和其中的几期红旗。
type settleMonth struct {
	M      model.Month
	Weeks  []string // M 里的前三个 ISO 周（周四在 M 里），如 2026-W40
	Dekads []string // M 的上、中、下旬
	Start  time.Time
}

// newSettleMonth 返回停在 at 时要结的月：at 所在月的上一个月。
func newSettleMonth(at time.Time) settleMonth {
	m := model.MonthOf(at, shanghaiLoc).Add(-1)
	sm := settleMonth{M: m, Start: time.Date(m.Year, m.Month, 20, 9, 30, 0, 0, shanghaiLoc)}
	for w := model.WeekOf(m.Start(shanghaiLoc), shanghaiLoc); len(sm.Weeks) < 3; w = w.Add(1) {
		if w.Month(shanghaiLoc) == m {
			sm.Weeks = append(sm.Weeks, w.String())
		}
	}
	for n := 1; n <= 3; n++ {
		sm.Dekads = append(sm.Dekads, model.Dekad{Year: m.Year, Month: m.Month, N: n}.String())
	}
	return sm
}

// setupSettle 在全新的 MariaDB 上组装带结算命令的机器人（花名册 testdata/settle-roster.csv），
// 并导入要结的月 M（at 的上一个月）的红旗：李四 M 里的三面周旗，河口所 M 的上中下旬三面旬旗。
// 时钟停在 M 的 20 日 9:30（之后由测试拨到 at）。“查”一并给出发布时会另记的奖励（预计）。
func setupSettle(t *testing.T, at time.Time) (*bot.Bot, *store.DB, *model.Clock, settleMonth) {
	t.Helper()
	ctx := context.Background()
	sm := newSettleMonth(at)
	clk := model.PinClock(sm.Start, nil)
	db := openStore(t, "testdata/settle-roster.csv", clk)
	var flags []model.Flag
	for _, w := range sm.Weeks {
		flags = append(flags, model.Flag{Kind: model.FlagWeekly, Period: w, Month: sm.M, StaffID: "ls01", Name: "李四", Branch: "城关所"})
	}
	for _, d := range sm.Dekads {
		flags = append(flags, model.Flag{Kind: model.FlagDekad, Period: d, Month: sm.M, Name: "河口所", Branch: "河口所", HeadID: "lsz"})
	}
	if _, err := db.ImportFlags(ctx, flags); err != nil {
		t.Fatalf("导入红旗: %v", err)
	}
	cat := rules.Default()
	svc := &ledger.Service{Staff: db, Ledger: db, Catalog: cat, Clock: clk}
	settleSvc := &settlement.Service{Ledger: svc, Flags: db, Store: db, Cfg: calc.DefaultConfig(), Outbox: db}
	svc.CloseWith(settleSvc.Closed)
	svc.ProjectWith(settleSvc.Projected)
	b := newBot(t, bot.Options{Staff: db, Units: db, Log: quietLog, Clock: clk})
	Register(b, Deps{Ledger: svc, Settle: settleSvc, Clock: clk})
	return b, db, clk, sm
}

// TestSettlementMonth 在 conversationDates 的每个日期各走一遍：结停的日期所在月的上一个月 M。
func TestSettlementMonth(t *testing.T) {
	for _, at := range conversationDates {
		t.Run(at.Format("2006-01-02T15:04"), func(t *testing.T) { settlementMonth(t, at) })
	}
}

// settlementMonth 在 M 里记几笔，到停的日期 at（M 的下一个月）评明星、看草稿、发布、结账后撤销：
//
//	李四  迟到 −10，三面周旗 +100，服务明星 +200（替换了周九）   = +290
//	周九  信息采纳 +50；迟到 −10 已撤销不计                      = +50
//	刘所长 河口所三面旬旗 +100                                    = +100
//	城关所 奖 350、扣 −10、合计 +340；河口所 +100；全部 +440
func settlementMonth(t *testing.T, at time.Time) {
	b, db, clk, sm := setupSettle(t, at)
	ctx := context.Background()
	m, next := sm.M, sm.M.Add(1)
	// {M}=2026年10月 {MISO}=2026-10 {M几月}=10月 {下月}=2026年11月 {下月几月}=11月 {周}=M 的前三周（第1周、第2周、第3周）
	// {M写法}=回复里教人写的月份（同一年写 10月，跨年写 2026年12月） {发布时}=11月5日 09:30 这样的写法。
	dates := strings.NewReplacer("{M}", m.Label(), "{MISO}", m.String(), "{M几月}", fmt.Sprintf("%d月", int(m.Month)),
		"{下月}", next.Label(), "{下月几月}", fmt.Sprintf("%d月", int(next.Month)), "{周}", "第1周、第2周、第3周", "{M写法}", settlement.MonthArg(m, at, shanghaiLoc),
		"{发布时}", at.Format("1月2日 15:04"))
	expand := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = dates.Replace(s)
		}
		return out
	}
	n := 0
	say := func(as, text string, want, notWant []string) string {
		t.Helper()
		n++
		return sayStep(t, b, n-1, model.Message{Key: fmt.Sprintf("msg:settle:%d", n), From: as, Text: dates.Replace(text), CreateTime: clk.Now()},
			expand(want), expand(notWant))
	}
	say("wzg", "扣 李四 迟到", []string{"已记录 #1"}, nil)
	say("wzg", "奖 周九 信息采纳", []string{"已记录 #2"}, nil)
	say("wzg", "扣 周九 迟到", []string{"已记录 #3"}, nil)
	say("wzg", "撤销 3 记错了", []string{"已撤销 #3"}, nil)
	say("wzg", "明星 李四", []string{"只有"}, []string{"已评定"})
	say("wzg", "结算 {M几月}", []string{"只有"}, []string{"草稿"})
	// 月中：三面周旗已够，发布时另记 +100 元；“查”在合计之下标出预计。
	say("wzg", "查 李四", []string{"李四（城关所）{M}：", "合计 −10 元。", "预计 当月获周服务红旗标杆岗3次以上（营业人员）：本月 3 次（{周}） +100 元（发布结算时记入）", "预计合计 +90 元"}, []string{"明星"})

	clk.Set(at) // M 的下一个月：结 M 的账
	// 不写月份：最近一个结束了还没发布的月份，即 M；回复写明是哪个月。
	say("gly", "明星 周九", []string{"已评定 周九（城关所）为{M}政务服务明星"}, []string{"替换"})
	say("zr", "明星 李四 {M几月}", []string{"已评定 李四（城关所）为{M}政务服务明星", "原来评定的 周九（城关所）已被替换"}, nil)
	say("gly", "发布 {下月几月}", []string{"{下月}还没结束"}, nil)
	say("ls01", "查 {M几月}", []string{"合计 −10 元。", "预计 当月政务服务明星：{M} +200 元（发布结算时记入）", "预计合计 +290 元"}, nil)

	draftWant := []string{
		"【草稿】{M}结算：结算单 5 张，其中 3 人有奖扣",
		"奖励 +450 元，扣款 −10 元，合计 +440 元",
		"城关所：奖 +350 元，扣 −10 元，合计 +340 元",
		"河口所：奖 +100 元，扣 0 元，合计 +100 元",
		"李四：当月获周服务红旗标杆岗3次以上（营业人员）：本月 3 次（{周}） +100 元",
		"刘所长：当月获旬服务红旗标杆所3次以上（所长）：河口所本月 3 次",
		"李四：当月政务服务明星：{M} +200 元",
		"李四（城关所）+290 元",
		"发送“发布 {M写法}”，结算单私信给每个人",
	}
	say("gly", "结算", draftWant, []string{"周九：当月政务服务明星"})

	say("gly", "发布 {M几月}", []string{"已发布{M}结算：5 张结算单正在私信发送（其中 3 人有奖扣）", "汇总已发给 2 位中心领导", "奖励 3 条已记入台账", "合计 +440 元"}, nil)
	say("zr", "发布 {MISO}", []string{"{M}的结算已于 {发布时} 由管理员发布，这次没有重复发送"}, nil)
	// 发布之后：结算产生的奖励已记入台账，“查”不再有预计。
	say("ls01", "查 {M几月}", []string{"合计 +290 元。"}, []string{"预计"})

	ns, err := db.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	statements := map[string]model.Notice{}
	summaries := 0
	for _, nt := range ns {
		switch {
		case strings.HasPrefix(nt.Key, "statement:"+m.String()+":"):
			statements[nt.To.String()] = nt
		case strings.HasPrefix(nt.Key, "summary:"+m.String()+":"):
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
	for _, w := range []string{"#1 到岗迟到或者早退 −10 元", "本月周服务红旗：3 次", "合计：<font color=\"info\">+290 元</font>", "下月5日前", "回复“申诉 编号 理由”"} {
		if !strings.Contains(ls, w) {
			t.Errorf("李四的结算单缺少 %q：\n%s", w, ls)
		}
	}
	if strings.Contains(statements["zj01"].Body, "#3") {
		t.Errorf("周九的结算单不应列已撤销的 #3：\n%s", statements["zj01"].Body)
	}
	gen, err := db.Entries(ctx, model.EntryFilter{Month: m})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, e := range gen {
		if e.Ref != "" {
			refs = append(refs, e.StaffID+" "+e.Ref+" "+ledger.Yuan(e.Amount))
		}
	}
	wantRefs := fmt.Sprintf("ls01 flags:weekly:%s +100 元|ls01 star:%s +200 元|lsz flags:dekad:%s:河口所 +100 元", m, m, m)
	if strings.Join(refs, "|") != wantRefs {
		t.Errorf("写入台账的结算记录 = %v\n应为 %s", refs, wantRefs)
	}

	// 发布之后：草稿数字不变（已记入台账的奖励不重复计算），并说明已结账。
	say("gly", "结算 {M几月}", append(draftWant[:8:8], "该月已于 {发布时} 由管理员发布，已结账", "结算产生的奖励（已记入台账）", "#5 李四：当月政务服务明星：{M} +200 元"), []string{"+540 元", "发布时记入台账"})
	say("gly", "明星 周九 {M几月}", []string{"{M}的结算已经发布，不能再改服务明星"}, nil)
	// M 已发布、下个月还没结束：不写月份的“结算”落到本月（还在进行的月份）。
	say("gly", "结算", []string{"【草稿】{下月}结算"}, nil)

	// 结账后撤销 M 的 #1：原记录不改，在下个月记一笔 +10 元的调整。
	say("wzg", "撤销 1 其实没迟到", []string{"#1 所在的{M}已结账", "已在{下月}记一笔调整 #7：李四 +10 元", "李四{下月}合计 +10 元"}, []string{"已撤销 #1"})
	say("wzg", "撤销 1", []string{"由王主管记过调整 #7，不用再撤"}, nil)
	e1, err := db.Entry(ctx, 1)
	if err != nil || e1.Revoked() {
		t.Errorf("%s的 #1 不应被撤销：%+v %v", m.Label(), e1, err)
	}
	adj, err := db.Entries(ctx, model.EntryFilter{Ref: "adjusts:#1"})
	if err != nil || len(adj) != 1 || adj[0].Month != next || adj[0].Amount != 10 {
		t.Fatalf("调整记录 = %+v, %v；应为下个月一条 +10 元", adj, err)
	}
	if _, err := db.Entry(ctx, adj[0].ID); err != nil {
		t.Fatal(err)
	}
}
