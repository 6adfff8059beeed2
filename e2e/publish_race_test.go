package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// TestStarAndPenaltyRacingPublish：五个月，每个月在“发布”的同时几次改评服务明星（李四、张三轮流），并补记一笔
// 撤销红旗时没记上的所长扣款（再发一次“撤销红旗”，记进红旗撤销的那个月）。三者与发布同一个月都互相排队
// （月份锁），所以之后每个月恰好是这样：
//   - 服务明星：每次改评在发布之前生效，或发布之后才轮到它、被拒绝；数据库里的明星总是结算单上得了奖励的那个人；
//   - 所长的扣款：记在那个月、在结算单上，或那个月已结账、作为调整记在 12 月；所长的结算单合计等于“查”那个月的合计。
//
// 以前改评先普通地读一下“发布了吗”，补记先查“结账了吗”再另开事务写：落在发布的草稿和提交之间时，明星换了人
// 而奖励发给了原来的人，或扣款进了已发布的月份、结算单上却没有。
func TestStarAndPenaltyRacingPublish(t *testing.T) {
	a := openAuthzApp(t, time.Date(2026, 7, 15, 10, 0, 0, 0, model.Shanghai))
	clk := a.m.Clock
	ctx := context.Background()
	months := []model.Month{{Year: 2026, Month: 7}, {Year: 2026, Month: 8}, {Year: 2026, Month: 9}, {Year: 2026, Month: 10}, {Year: 2026, Month: 11}}
	periods := map[model.Month]string{}
	for _, m := range months {
		mid := time.Date(m.Year, m.Month, 15, 10, 0, 0, 0, model.Shanghai)
		clk.Set(mid)
		a.id(t, "cg_sup", "扣 张三 迟到", "已记录")
		if r := a.say(t, "dep", "明星 张三 "+m.String()); !strings.Contains(r, "已评定 张三") {
			t.Fatalf("明星 → %s", r)
		}
		// 李四这一周的红旗因虚假信息撤销了，所长刘强的扣款没记上（如进程在两者之间退出）。
		period := model.WeekOf(mid, model.Shanghai).String()
		periods[m] = period
		if _, err := a.m.DB.ImportFlags(ctx, []model.Flag{{Kind: model.FlagWeekly, Period: period, Month: m,
			StaffID: "cg02", Name: "李四", Branch: "城关所", HeadID: "cg_head", Source: "import"}}); err != nil {
			t.Fatal(err)
		}
		fs, err := a.m.DB.Flags(ctx, model.FlagFilter{Period: period})
		if err != nil || len(fs) != 1 {
			t.Fatalf("红旗 %s = %+v, %v", period, fs, err)
		}
		if _, err := a.m.DB.CancelFlag(ctx, fs[0].ID, "dir", "测评数据造假", mid, nil); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, model.Shanghai))

	var before, after, inMonth, adjusted int
	for _, m := range months {
		const stars, cancels = 8, 4
		var pub string
		starReplies := make([]string, stars)
		cancelReplies := make([]string, cancels)
		var wg sync.WaitGroup
		start := make(chan struct{})
		run := func(f func()) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				f()
			}()
		}
		run(func() { pub = a.process(t, "msg:publish:"+m.String(), "dir", "发布 "+m.String()) })
		for i := range stars {
			who := []string{"李四", "张三"}[i%2]
			run(func() {
				starReplies[i] = a.process(t, fmt.Sprintf("msg:star:%s:%d", m, i), "dep", "明星 "+who+" "+m.String())
			})
		}
		for i := range cancels {
			run(func() {
				cancelReplies[i] = a.process(t, fmt.Sprintf("msg:cancel:%s:%d", m, i), "dir", "撤销红旗 "+periods[m]+" 李四 测评数据造假")
			})
		}
		close(start)
		wg.Wait()
		if !strings.Contains(pub, "已发布"+m.Label()+"结算") {
			t.Fatalf("发布 %s → %s", m, pub)
		}

		s, err := a.m.DB.Star(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		paid, err := a.m.DB.Entries(ctx, model.EntryFilter{Ref: "star:" + m.String()})
		if err != nil || len(paid) != 1 {
			t.Fatalf("%s 的明星奖励 = %+v, %v", m, paid, err)
		}
		if s.StaffID != paid[0].StaffID {
			t.Errorf("%s：明星是 %s，奖励却发给了 %s", m, s.StaffID, paid[0].StaffID)
		}
		for _, r := range starReplies {
			switch {
			case strings.Contains(r, "已评定"):
				before++
			case strings.Contains(r, "已经发布，不能再改服务明星"):
				after++
			default:
				t.Errorf("%s 改评明星的回复：%s", m, r)
			}
		}
		cancel := strings.Join(cancelReplies, " | ")

		ps, err := a.m.DB.Entries(ctx, model.EntryFilter{StaffID: "cg_head", RuleCode: "flag_false_info", IncludeRevoked: true})
		if err != nil {
			t.Fatal(err)
		}
		var mine []model.Entry
		for _, p := range ps {
			if strings.Contains(p.Note, periodSaid(t, periods[m])) {
				mine = append(mine, p)
			}
		}
		statement := a.statementOf(t, m, "cg_head")
		if len(mine) != 1 {
			t.Errorf("%s：所长的扣款 %d 笔（%+v），应为一笔；撤销红旗的回复：%s", m, len(mine), mine, cancel)
			continue
		}
		p := mine[0]
		onStatement := strings.Contains(statement, fmt.Sprintf("> #%d ", p.ID))
		switch {
		case p.Month == m && onStatement:
			inMonth++
		case p.Month.String() == "2026-12" && strings.HasPrefix(p.Note, "调整（原属"+m.Label()) && !onStatement:
			adjusted++
		default:
			t.Errorf("%s：所长的扣款 #%d 记在 %s，在结算单上 %v，备注 %q", m, p.ID, p.Month, onStatement, p.Note)
		}
		q, err := a.m.Ledger.Query(ctx, a.staff(t, "dir"), "cg_head", m)
		if err != nil {
			t.Fatal(err)
		}
		if want := totalLine(q.Total); !strings.Contains(statement, want) {
			t.Errorf("%s 所长：“查”合计 %s，结算单上却是：\n%s", m, ledger.Yuan(q.Total), statement)
		}
	}
	t.Logf("%d 个月，每月 8 次改评明星、4 次补记扣款与发布同时：改评在发布前生效 %d 次、发布后被拒 %d 次；扣款记在原月份 %d 笔、记为 12 月的调整 %d 笔；明星与奖励不一致、扣款不在结算单上的 0",
		len(months), before, after, inMonth, adjusted)
}

// periodSaid 是扣款备注里写的期别（如“7月第3周（7月13日–19日）”）：按期别代码找出那一笔。
func periodSaid(t *testing.T, period string) string {
	t.Helper()
	w, err := model.ParseWeek(period)
	if err != nil {
		t.Fatal(err)
	}
	return w.Spoken(model.Shanghai)
}
