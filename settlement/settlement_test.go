package settlement

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/settlement/calc"
	"github.com/hongqi-dev/hongqi/store"
)

var oct = model.Month{Year: 2026, Month: time.October}

// pinnedDates 是结算测试所停的日期：月中、年末最后一分钟、新年第一分钟、闰日。每个测试在每个日期各跑一遍，
// 结的是停的日期所在月的上一个月（或上一年）。
var pinnedDates = []time.Time{
	time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai),
	time.Date(2026, 12, 31, 23, 59, 0, 0, model.Shanghai),
	time.Date(2027, 1, 1, 0, 1, 0, 0, model.Shanghai),
	time.Date(2028, 2, 29, 10, 0, 0, 0, model.Shanghai),
}

// eachDate 在 pinnedDates 的每个日期各运行一次 fn。
func eachDate(t *testing.T, fn func(t *testing.T, at time.Time)) {
	t.Helper()
	for _, at := range pinnedDates {
		t.Run(at.Format("2006-01-02T15:04"), func(t *testing.T) { fn(t, at) })
	}
}

// fixture 是一个全新的库（testdata/roster.csv）上的结算服务，时钟停在 at。
type fixture struct {
	db  *store.DB
	clk *model.Clock
	svc *Service
}

func newFixture(t *testing.T, at time.Time, roster string) fixture {
	t.Helper()
	ctx := context.Background()
	clk := model.PinClock(at, nil)
	db, err := store.Open(ctx, testenv.MySQL(t), clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, _, err := db.UpsertRoster(ctx, testenv.Roster(t, roster)); err != nil {
		t.Fatal(err)
	}
	led := &ledger.Service{Staff: db, Ledger: db, Catalog: rules.Default(), Clock: clk}
	return fixture{db: db, clk: clk, svc: &Service{Ledger: led, Flags: db, Store: db, Cfg: calc.DefaultConfig()}}
}

func (f fixture) staff(t *testing.T, id string) model.Staff {
	t.Helper()
	s, err := f.db.Staff(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// weeksIn 返回计入月份 m 的前 n 个 ISO 周（周四在 m 里）。
func weeksIn(m model.Month, n int) []string {
	var out []string
	for w := model.WeekOf(m.Start(model.Shanghai), model.Shanghai); len(out) < n; w = w.Add(1) {
		if w.Month(model.Shanghai) == m {
			out = append(out, w.String())
		}
	}
	return out
}

// TestConcurrentPublish 两个副本同时发布上个月：只有一次发布，每人一张结算单，结算记录只写一次。
func TestConcurrentPublish(t *testing.T) {
	eachDate(t, func(t *testing.T, at time.Time) {
		ctx := context.Background()
		f := newFixture(t, at, "testdata/roster.csv")
		db, svc := f.db, f.svc
		m := model.MonthOf(at, model.Shanghai).Add(-1)
		var flags []model.Flag
		for _, w := range weeksIn(m, 3) {
			flags = append(flags, model.Flag{Kind: model.FlagWeekly, Period: w, Month: m, StaffID: "ls01", Name: "李四", Branch: "城关所"})
		}
		if _, err := db.ImportFlags(ctx, flags); err != nil {
			t.Fatal(err)
		}
		admin := f.staff(t, "gly")
		if _, err := svc.SetStar(ctx, admin, model.Message{Key: "msg:star"}, "周九", m); err != nil {
			t.Fatal(err)
		}

		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.Publish(ctx, admin, model.Message{Key: "msg:pub:" + string(rune('a'+i))}, m)
				mu.Lock()
				codes[model.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[""] != 1 || codes[model.ECONFLICT] != 1 {
			t.Fatalf("发布结果 %v；应一次成功、一次冲突", codes)
		}
		ns, err := db.Notices(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int{}
		for _, n := range ns {
			per[n.To.String()]++
		}
		// 李四（周旗奖励）、周九（服务明星）各一张结算单；没有记录的员工、主管、所长（hk01、wzg、lsz）
		// 也各收到一张“合计 0 元”的结算单；管理员、张主任各一条汇总。
		want := map[string]int{"ls01": 1, "zj01": 1, "hk01": 1, "wzg": 1, "lsz": 1, "gly": 1, "zr": 1}
		if len(per) != len(want) {
			t.Errorf("通知接收人 %v；应为 %v", per, want)
		}
		for who, n := range want {
			if per[who] != n {
				t.Errorf("%s 收到 %d 条通知，应为 %d 条", who, per[who], n)
			}
		}
		es, err := db.Entries(ctx, model.EntryFilter{Month: m})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 {
			t.Errorf("%s台账应有 2 条结算记录（周旗奖励、服务明星），有 %d 条：%+v", m.Label(), len(es), es)
		}
		closed, err := svc.Closed(ctx, m)
		if err != nil || !closed {
			t.Errorf("发布后 %s 应已结账：%v %v", m, closed, err)
		}
		if closed, _ := svc.Closed(ctx, m.Add(1)); closed {
			t.Errorf("%s 不应已结账", m.Add(1))
		}
	})
}

// TestDefaultMonth：不写月份的“明星”“结算”“导出”用最近一个结束了、还没发布的月份，不早于上线；
// 上线以来结束的月份都发布了就是本月。
func TestDefaultMonth(t *testing.T) {
	eachDate(t, func(t *testing.T, at time.Time) {
		ctx := context.Background()
		cur := model.MonthOf(at, model.Shanghai)
		cases := []struct {
			name      string
			goLive    time.Time
			published []model.Month
			want      model.Month
		}{
			{"nothing published: last month", at.AddDate(-1, 0, 0), nil, cur.Add(-1)},
			{"last month published: the one before", at.AddDate(-1, 0, 0), []model.Month{cur.Add(-1)}, cur.Add(-2)},
			{"everything since go-live published: this month", cur.Add(-2).Start(model.Shanghai).Add(time.Hour), []model.Month{cur.Add(-1), cur.Add(-2)}, cur},
			{"went live this month: last month ended before, so this month", cur.Start(model.Shanghai).Add(time.Hour), nil, cur},
			{"went live last month: last month counts", cur.Add(-1).Last().Start(model.Shanghai), nil, cur.Add(-1)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f := newFixture(t, at, "testdata/roster.csv")
				f.svc.GoLive = c.goLive
				for _, m := range c.published {
					if _, _, err := f.db.Publish(ctx, model.PublishRequest{Publication: model.Publication{Month: m, ActorID: "gly", MsgKey: "pub:" + m.String(), At: at}}); err != nil {
						t.Fatal(err)
					}
				}
				got, err := f.svc.DefaultMonth(ctx)
				if err != nil || got != c.want {
					t.Fatalf("DefaultMonth = %s, %v；想要 %s", got, err, c.want)
				}
				d, err := f.svc.DraftFor(ctx, f.staff(t, "gly"), model.Month{})
				if err != nil || d.Result.Month != c.want {
					t.Errorf("不写月份的草稿是 %s（%v）；想要 %s", d.Result.Month, err, c.want)
				}
				r, err := f.svc.SetStar(ctx, f.staff(t, "gly"), model.Message{Key: "msg:star"}, "李四", model.Month{})
				if err != nil || r.Star.Month != c.want {
					t.Errorf("不写月份的明星评给了 %s（%v）；想要 %s", r.Star.Month, err, c.want)
				}
			})
		}
	})
}

// TestStatementNoticeShowsUserTextLiterally：备注里的 markdown 写法在结算单里只是文字。
func TestStatementNoticeShowsUserTextLiterally(t *testing.T) {
	st := calc.Statement{Staff: model.Staff{UserID: "ls01", Name: "李四", Branch: "城关所"}, Total: -10, Lines: []calc.Line{
		{Kind: calc.LineEntry, EntryID: 7, Text: "到岗迟到或者早退（[申诉](//evil.example) <@all> <font color=\"info\">**已撤销**</font>）", Amount: -10},
	}}
	n := StatementNotice(oct, st)
	if want := "> #7 到岗迟到或者早退（［申诉］(//evil.example) ＜@all＞ ＜font color=\"info\"＞＊＊已撤销＊＊＜/font＞） −10 元"; !strings.Contains(n.Body, want) {
		t.Errorf("结算单缺少字面的备注 %q：\n%s", want, n.Body)
	}
	for _, b := range []string{"[申诉]", "<@all>", "**已撤销"} {
		if strings.Contains(n.Body, b) {
			t.Errorf("结算单含能起作用的 %q：\n%s", b, n.Body)
		}
	}
}

func TestStatementNoticeFitsMarkdownLimit(t *testing.T) {
	st := calc.Statement{Staff: model.Staff{UserID: "ls01", Name: "李四", Branch: "城关所"}, Total: -2000}
	for i := range 200 {
		st.Lines = append(st.Lines, calc.Line{Kind: calc.LineEntry, EntryID: int64(i + 1), Text: "到岗迟到或者早退（9:20 到）", Amount: -10})
	}
	n := StatementNotice(oct, st)
	if size := titleBytes(n.Title) + len(n.Body); size > maxMarkdown {
		t.Errorf("结算单（连标题）%d 字节，超过企业微信 markdown 上限 %d", size, maxMarkdown)
	}
	for _, w := range []string{"#1 到岗迟到", "……另有", "回复“查 2026年10月”查看全部", "−2000 元", "下月5日前"} {
		if !strings.Contains(n.Body, w) {
			t.Errorf("结算单缺少 %q：\n%s", w, n.Body)
		}
	}
	if n.Key != "statement:2026-10:ls01" || !slices.Equal(n.To.Users, []string{"ls01"}) || n.Plain || n.Card != nil {
		t.Errorf("通知 = %+v", n)
	}
}

// dated 是花名册上的一个县城网点员工（或所长），带入职、离职日期（离职的人不在职）。
func dated(id, name string, role model.Role, joined, left model.Date) model.Staff {
	s := model.Staff{UserID: id, Name: name, Branch: "城关所", BranchKind: model.BranchCounty, Role: role, Active: left.IsZero(), Joined: joined, Left: left}
	return s
}

// TestAnnualKnowsItsYears：Y 为停的日期的上一年，中心在 Y 年 3 月 1 日上线，导入了 Y 年 1 月的一面周旗。
//   - Y−1 年在上线之前、没有导入红旗：年度、发布年度都拒绝；导入了那一年的红旗就可以看草稿。
//   - 明年的草稿拒绝；今年可以看草稿，不能发布；不写年份是 Y（今年才上线、去年没有导入红旗时是今年）。
//   - 发布 Y 年：全年在册的 0 次 −300、1 次 −200，其所长每人次 −200；11 月入职、6 月离职的人不满一年，
//     不扣、所长也不为他们扣，草稿里写着“不满一年，不参加年度考核”和他们的日期；他们也没有年度结算单。
func TestAnnualKnowsItsYears(t *testing.T) {
	eachDate(t, func(t *testing.T, at time.Time) {
		ctx := context.Background()
		f := newFixture(t, at, "testdata/roster.csv")
		y := at.Year() - 1
		nov := model.Date{Year: y, Month: time.November, Day: 10}
		june := model.Date{Year: y, Month: time.June, Day: 30}
		old := model.Date{Year: 2020, Month: time.January, Day: 1}
		if _, _, err := f.db.UpsertRoster(ctx, []model.Staff{
			dated("cgz", "陈所长", model.RoleHead, old, model.Date{}),
			dated("nv01", "十一月入职", model.RoleStaff, nov, model.Date{}),
			dated("jn01", "六月离职", model.RoleStaff, old, june),
		}); err != nil {
			t.Fatal(err)
		}
		f.svc.GoLive = time.Date(y, time.March, 1, 0, 0, 0, 0, model.Shanghai)
		jan := model.Month{Year: y, Month: time.January}
		w := weeksIn(jan, 1)[0]
		if _, err := f.db.ImportFlags(ctx, []model.Flag{{Kind: model.FlagWeekly, Period: w, Month: jan, StaffID: "ls01", Name: "李四", Branch: "城关所", HeadID: "cgz", Source: "import"}}); err != nil {
			t.Fatal(err)
		}
		admin := f.staff(t, "gly")
		refused := func(what string, err error, want string) {
			t.Helper()
			if model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), want) {
				t.Errorf("%s: %v；想要含 %q", what, err, want)
			}
		}
		_, err := f.svc.YearDraftFor(ctx, admin, y-1)
		refused("年度 Y−1", err, fmt.Sprintf("%d 年在启用红旗（%d年3月1日）之前", y-1, y))
		_, err = f.svc.PublishYear(ctx, admin, model.Message{Key: "msg:y-1"}, y-1)
		refused("发布年度 Y−1", err, "hongqi flags import")
		_, err = f.svc.YearDraftFor(ctx, admin, at.Year()+1)
		refused("年度 明年", err, fmt.Sprintf("%d 年还没到", at.Year()+1))
		_, err = f.svc.PublishYear(ctx, admin, model.Message{Key: "msg:this"}, at.Year())
		refused("发布年度 今年", err, fmt.Sprintf("%d 年还没结束", at.Year()))
		if _, err := f.svc.YearDraftFor(ctx, admin, at.Year()); err != nil {
			t.Errorf("今年的草稿应可以看：%v", err)
		}

		d, err := f.svc.YearDraftFor(ctx, admin, 0)
		if err != nil || d.Result.Year != y {
			t.Fatalf("不写年份的草稿 %d（%v）；想要 %d", d.Result.Year, err, y)
		}
		// 上线在今年、去年没有导入红旗：不写年份就是今年的草稿，不是去年的拒绝。
		{
			g := newFixture(t, at, "testdata/roster.csv")
			g.svc.GoLive = time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, model.Shanghai)
			if d, err := g.svc.YearDraftFor(ctx, g.staff(t, "gly"), 0); err != nil || d.Result.Year != at.Year() {
				t.Errorf("今年上线，不写年份的草稿 %d（%v）；想要今年 %d", d.Result.Year, err, at.Year())
			}
		}
		text := f.svc.YearText(d.Result)
		for _, want := range []string{
			"不满一年，不参加年度考核（2 人）",
			fmt.Sprintf("十一月入职（城关所）%d年11月10日入职", y),
			fmt.Sprintf("六月离职（城关所）2020年1月1日入职，%d年6月30日离职", y),
		} {
			if !strings.Contains(text, want) {
				t.Errorf("年度草稿缺少 %q：\n%s", want, text)
			}
		}
		if _, err := f.svc.PublishYear(ctx, admin, model.Message{Key: "msg:y"}, y); err != nil {
			t.Fatal(err)
		}
		booked := model.MonthOf(at, model.Shanghai)
		es, err := f.db.Entries(ctx, model.EntryFilter{Month: booked})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, e := range es {
			got[e.StaffID] += e.Amount
		}
		// 李四 1 次 −200；周九 0 次 −300，陈所长为周九 −200。十一月入职、六月离职的没有记录。
		want := map[string]int64{"ls01": -200, "zj01": -300, "cgz": -200}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("年度奖惩（记在 %s）= %v；想要 %v", booked, got, want)
		}
		ns, _ := f.db.Notices(ctx, "")
		for _, n := range ns {
			if strings.HasPrefix(n.Key, "year-statement:") && (n.To.String() == "nv01" || n.To.String() == "jn01") {
				t.Errorf("不满一年的 %s 收到了年度结算单", n.To.String())
			}
		}

		// 导入了 Y−1 年的红旗之后，那一年就可以看草稿了。
		prev := model.Month{Year: y - 1, Month: time.May}
		if _, err := f.db.ImportFlags(ctx, []model.Flag{{Kind: model.FlagWeekly, Period: weeksIn(prev, 1)[0], Month: prev, StaffID: "ls01", Name: "李四", Branch: "城关所", Source: "import"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.YearDraftFor(ctx, admin, y-1); err != nil {
			t.Errorf("导入了 %d 年的红旗，仍然拒绝：%v", y-1, err)
		}
	})
}

// TestNoStatementAfterLeaving：6 月 30 日离职的人收到 6 月的结算单（合计 0 元），不再收 7 月的；
// 11 月才入职的人也没有 7 月的结算单；全年在册的人照常收到。
func TestNoStatementAfterLeaving(t *testing.T) {
	eachDate(t, func(t *testing.T, at time.Time) {
		ctx := context.Background()
		f := newFixture(t, at, "testdata/roster.csv")
		y := at.Year() - 1
		old := model.Date{Year: 2020, Month: time.January, Day: 1}
		if _, _, err := f.db.UpsertRoster(ctx, []model.Staff{
			dated("jn01", "六月离职", model.RoleStaff, old, model.Date{Year: y, Month: time.June, Day: 30}),
			dated("nv01", "十一月入职", model.RoleStaff, model.Date{Year: y, Month: time.November, Day: 10}, model.Date{}),
		}); err != nil {
			t.Fatal(err)
		}
		admin := f.staff(t, "gly")
		to := func(m model.Month) map[string]bool {
			t.Helper()
			if _, err := f.svc.Publish(ctx, admin, model.Message{Key: "msg:pub:" + m.String()}, m); err != nil {
				t.Fatal(err)
			}
			ns, _ := f.db.Notices(ctx, "")
			out := map[string]bool{}
			for _, n := range ns {
				if strings.HasPrefix(n.Key, "statement:"+m.String()+":") {
					out[n.To.String()] = true
				}
			}
			return out
		}
		june, july := to(model.Month{Year: y, Month: time.June}), to(model.Month{Year: y, Month: time.July})
		if !june["jn01"] || july["jn01"] {
			t.Errorf("六月离职的人：6 月结算单 %v，7 月结算单 %v；想要有 6 月的、没有 7 月的", june["jn01"], july["jn01"])
		}
		if july["nv01"] {
			t.Error("11 月入职的人收到了 7 月的结算单")
		}
		if !july["ls01"] || !july["zj01"] {
			t.Errorf("全年在册的员工应收到 7 月的结算单：%v", july)
		}
	})
}

// TestPublishRefusesMonthsBeforeGoLive：启用红旗之前就结束的月份不能发布——否则每个人收到一张
// 那个月“合计 0 元”的结算单，那个月还被锁住；启用当月（部分月份）照常发布。
func TestPublishRefusesMonthsBeforeGoLive(t *testing.T) {
	eachDate(t, func(t *testing.T, at time.Time) {
		ctx := context.Background()
		cur := model.MonthOf(at, model.Shanghai)
		goLive := cur.Add(-1).Start(model.Shanghai).AddDate(0, 0, 1) // 上个月 2 日启用
		cases := []struct {
			name  string
			month model.Month
			want  string // 拒绝的说明；空表示应发布
		}{
			{"ended before go-live", cur.Add(-2), "之前就结束了"},
			{"the go-live month itself", cur.Add(-1), ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f := newFixture(t, at, "testdata/roster.csv")
				f.svc.GoLive = goLive
				// 草稿末尾的提示与发布一致：上线之前就结束的月份不提示“发布”。
				dr, err := f.svc.Draft(ctx, c.month)
				if err != nil {
					t.Fatal(err)
				}
				text := f.svc.DraftText(dr, c.month)
				if hint := strings.Contains(text, "核对无误后，发送“发布"); hint != (c.want == "") || (c.want != "" && !strings.Contains(text, c.want)) {
					t.Errorf("%s 的草稿末尾：%q", c.month, text)
				}
				r, err := f.svc.Publish(ctx, f.staff(t, "gly"), model.Message{Key: "msg:pub"}, c.month)
				if c.want != "" {
					if !strings.Contains(model.ErrorMessage(err), c.want) {
						t.Fatalf("发布 %s：%v；想要拒绝（%s）", c.month, err, c.want)
					}
					if closed, _ := f.svc.Closed(ctx, c.month); closed {
						t.Errorf("%s 被拒绝发布，却已结账", c.month)
					}
					if ns, _ := f.db.Notices(ctx, ""); len(ns) != 0 {
						t.Errorf("拒绝发布，却入队了 %d 条通知", len(ns))
					}
					return
				}
				if err != nil || r.Statements == 0 {
					t.Fatalf("发布启用当月 %s：%+v, %v", c.month, r, err)
				}
			})
		}
	})
}
