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

// process 以 from 的身份经机器人发 text（每次一个新的消息 Key），返回回复；可并发调用。
func (a *authzApp) process(t *testing.T, key, from, text string) string {
	t.Helper()
	reply, err := a.m.Bot.Process(context.Background(), model.Message{Key: key, From: from, Text: text, CreateTime: a.m.Clock.Now()})
	if err != nil {
		t.Errorf("%s：%q 出错：%v（%s）", from, text, err, reply)
	}
	return reply
}

// statementOf 返回发件箱里 userID 在 month 的结算单正文。
func (a *authzApp) statementOf(t *testing.T, month model.Month, userID string) string {
	t.Helper()
	ns, err := a.m.DB.Notices(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Key == "statement:"+month.String()+":"+userID {
			return n.Body
		}
	}
	t.Fatalf("%s 没有 %s 的结算单", userID, month)
	return ""
}

// totalLine 是结算单上的合计行（与 settlement.statementNotice 的写法相同）。
func totalLine(total int64) string {
	color := "info"
	if total < 0 {
		color = "warning"
	}
	return fmt.Sprintf("> 合计：<font color=\"%s\">%s</font>\n", color, ledger.Yuan(total))
}

// TestRevokesRacingPublish：五个月，每个月在“发布”的同时有 30 条撤销（主管撤销自己记的）。
// 发布和撤销同一个月互相排队，所以之后每条被撤销的记录恰好是两种之一：在发布之前撤销了（不在结算单上），
// 或者发布之后才轮到它、改记了一笔调整（在结算单上，调整记在 12 月）；结算单上每人的合计等于“查”那个月的合计。
// 以前撤销先查“已结账吗”、再另开事务写撤销，发布的草稿在事务外算：撤销落在两者之间时既没有调整，
// 结算单上又算着它（结算单 −380、“查” −360）。
func TestRevokesRacingPublish(t *testing.T) {
	a := openAuthzApp(t, time.Date(2026, 7, 15, 10, 0, 0, 0, model.Shanghai))
	clk := a.m.Clock
	months := []model.Month{{Year: 2026, Month: 7}, {Year: 2026, Month: 8}, {Year: 2026, Month: 9}, {Year: 2026, Month: 10}, {Year: 2026, Month: 11}}
	const perPerson, revokes = 18, 30
	people := map[string]string{"cg01": "张三", "cg02": "李四"}
	ids := map[model.Month][]int64{}
	for _, m := range months {
		clk.Set(time.Date(m.Year, m.Month, 15, 10, 0, 0, 0, model.Shanghai))
		for i := 0; i < perPerson; i++ {
			for _, name := range []string{"张三", "李四"} {
				ids[m] = append(ids[m], a.id(t, "cg_sup", "扣 "+name+" 迟到", "已记录"))
			}
		}
	}
	clk.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, model.Shanghai))
	ctx := context.Background()

	var revokedBefore, adjustedAfter int
	for _, m := range months {
		targets := ids[m][:revokes]
		replies := make([]string, revokes)
		var pubReply string
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			pubReply = a.process(t, "msg:publish:"+m.String(), "dir", "发布 "+m.String())
		}()
		for i, id := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				replies[i] = a.process(t, fmt.Sprintf("msg:race:%d", id), "cg_sup", fmt.Sprintf("撤销 %d 记错了", id))
			}()
		}
		close(start)
		wg.Wait()
		if !strings.Contains(pubReply, "已发布"+m.Label()+"结算") {
			t.Fatalf("发布 %s → %s", m, pubReply)
		}

		statements := map[string]string{}
		for id := range people {
			statements[id] = a.statementOf(t, m, id)
		}
		for i, id := range targets {
			e, err := a.m.DB.Entry(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			adj, err := a.m.DB.Entries(ctx, model.EntryFilter{Ref: fmt.Sprintf("adjusts:#%d", id), IncludeRevoked: true})
			if err != nil {
				t.Fatal(err)
			}
			onStatement := strings.Contains(statements[e.StaffID], fmt.Sprintf("> #%d ", id))
			switch {
			case e.Revoked() && len(adj) == 0 && !onStatement && strings.Contains(replies[i], fmt.Sprintf("已撤销 #%d", id)):
				revokedBefore++
			case !e.Revoked() && len(adj) == 1 && adj[0].Month.String() == "2026-12" && adj[0].Amount == 10 && onStatement &&
				strings.Contains(replies[i], "已结账"):
				adjustedAfter++
			default:
				t.Errorf("%s #%d：已撤销 %v，调整 %d 笔，在结算单上 %v，回复：%s", m, id, e.Revoked(), len(adj), onStatement, replies[i])
			}
		}
		for id, name := range people {
			st, err := a.m.Ledger.Query(ctx, a.staff(t, "dir"), id, m)
			if err != nil {
				t.Fatal(err)
			}
			if want := totalLine(st.Total); !strings.Contains(statements[id], want) {
				t.Errorf("%s %s：“查”合计 %s，结算单上却是：\n%s", m, name, ledger.Yuan(st.Total), statements[id])
			}
		}
	}
	t.Logf("%d 个月 × %d 条撤销与发布同时：发布前撤销 %d 条，发布后改记调整 %d 条，两样都不是或都是的 0 条",
		len(months), revokes, revokedBefore, adjustedAfter)
}

// TestTwoRevocationsOfAClosedEntryAdjustOnce：已结账的 11 月里 20 条记录，每条同时收到两条撤销（主管和所长各一条）。
// 每条只记一笔调整（entries.adjusts_id 唯一键）：一人得到“已记一笔调整”，另一人得到“已记过调整，不用再撤”。
// 以前两边都先查“有没有调整”、都没查到、各记一笔，同一条记录被退了两次钱。
func TestTwoRevocationsOfAClosedEntryAdjustOnce(t *testing.T) {
	a := openAuthzApp(t, time.Date(2026, 11, 16, 10, 0, 0, 0, model.Shanghai))
	const n = 20
	var ids []int64
	for i := 0; i < n; i++ {
		ids = append(ids, a.id(t, "cg_sup", "扣 张三 迟到", "已记录"))
	}
	a.m.Clock.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, model.Shanghai))
	if r := a.say(t, "dir", "发布 2026-11"); !strings.Contains(r, "已发布2026年11月结算") {
		t.Fatalf("发布 → %s", r)
	}
	ctx := context.Background()
	var adjusted, told int
	for _, id := range ids {
		var replies [2]string
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, who := range []string{"cg_sup", "cg_head"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				replies[i] = a.process(t, fmt.Sprintf("msg:twice:%d:%s", id, who), who, fmt.Sprintf("撤销 %d 记错了", id))
			}()
		}
		close(start)
		wg.Wait()
		adj, err := a.m.DB.Entries(ctx, model.EntryFilter{Ref: fmt.Sprintf("adjusts:#%d", id), IncludeRevoked: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(adj) != 1 || adj[0].Adjusts != id || adj[0].Amount != 10 {
			t.Errorf("#%d 有 %d 笔调整（%+v），应为一笔 +10 元；回复：%q", id, len(adj), adj, replies)
			continue
		}
		for _, r := range replies {
			switch {
			case strings.Contains(r, fmt.Sprintf("已在2026年12月记一笔调整 #%d", adj[0].ID)):
				adjusted++
			case strings.Contains(r, fmt.Sprintf("记过调整 #%d，不用再撤", adj[0].ID)):
				told++
			default:
				t.Errorf("#%d 的撤销回复：%s", id, r)
			}
		}
	}
	st, err := a.m.Ledger.Query(ctx, a.staff(t, "dir"), "cg01", model.Month{Year: 2026, Month: 12})
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 10*n {
		t.Errorf("张三 12 月合计 %s，应为 %s（每条 11 月的迟到退一次 10 元）", ledger.Yuan(st.Total), ledger.Yuan(10*n))
	}
	t.Logf("%d 条已结账的记录各被同时撤销两次：记调整 %d 次，告知已调整 %d 次，多记的调整 0 笔", n, adjusted, told)
}

// staff 返回花名册中的人。
func (a *authzApp) staff(t *testing.T, id string) model.Staff {
	t.Helper()
	s, err := a.m.DB.Staff(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
