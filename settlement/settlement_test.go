package settlement

import (
	"context"
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

// TestConcurrentPublish 两个副本同时发布 10 月：只有一次发布，每人一张结算单，结算记录只写一次。
func TestConcurrentPublish(t *testing.T) {
	ctx := context.Background()
	clk := model.PinClock(time.Date(2026, 11, 2, 9, 0, 0, 0, model.Shanghai), nil)
	db, err := store.Open(ctx, testenv.MySQL(t), clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, _, err := db.UpsertRoster(ctx, testenv.Roster(t, "testdata/roster.csv")); err != nil {
		t.Fatal(err)
	}
	var flags []model.Flag
	for _, w := range []string{"2026-W40", "2026-W41", "2026-W42"} {
		flags = append(flags, model.Flag{Kind: model.FlagWeekly, Period: w, Month: oct, StaffID: "ls01", Name: "李四", Branch: "城关所"})
	}
	if _, err := db.ImportFlags(ctx, flags); err != nil {
		t.Fatal(err)
	}
	led := &ledger.Service{Staff: db, Ledger: db, Catalog: rules.Default(), Clock: clk}
	svc := &Service{Ledger: led, Flags: db, Store: db, Cfg: calc.DefaultConfig()}
	admin, err := db.Staff(ctx, "gly")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStar(ctx, admin, model.Message{Key: "msg:star"}, "周九", oct); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Publish(ctx, admin, model.Message{Key: "msg:pub:" + string(rune('a'+i))}, oct)
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
	es, err := db.Entries(ctx, model.EntryFilter{Month: oct})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Errorf("10 月台账应有 2 条结算记录（周旗奖励、服务明星），有 %d 条：%+v", len(es), es)
	}
	closed, err := svc.Closed(ctx, oct)
	if err != nil || !closed {
		t.Errorf("发布后 10 月应已结账：%v %v", closed, err)
	}
	if closed, _ := svc.Closed(ctx, oct.Add(1)); closed {
		t.Error("11 月不应已结账")
	}
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
	for _, w := range []string{"#1 到岗迟到", "……另有", "回复“查 2026-10”查看全部", "−2000 元", "下月5日前"} {
		if !strings.Contains(n.Body, w) {
			t.Errorf("结算单缺少 %q：\n%s", w, n.Body)
		}
	}
	if n.Key != "statement:2026-10:ls01" || !slices.Equal(n.To.Users, []string{"ls01"}) || n.Plain || n.Card != nil {
		t.Errorf("通知 = %+v", n)
	}
}
