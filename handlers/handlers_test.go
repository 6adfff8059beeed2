package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/store"
)

// conversationDates 是对话测试所停的日期：月中、年末最后一分钟、新年第一分钟、闰日。
// 同一段对话在每个日期都要得到同样的结果（回复里的月份、日期随之变化）。
var conversationDates = []time.Time{
	time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai),
	time.Date(2026, 12, 31, 23, 59, 0, 0, model.Shanghai),
	time.Date(2027, 1, 1, 0, 1, 0, 0, model.Shanghai),
	time.Date(2028, 2, 29, 10, 0, 0, 0, model.Shanghai),
}

// setup 在全新的真实 MariaDB 数据库上组装机器人：花名册来自 testdata/roster.csv，时钟停在 2026-11-16 09:30。
// 与生产一样，写命令在存储的工作单元里处理（Units）。
func setup(t *testing.T) (*bot.Bot, *store.DB) {
	t.Helper()
	b, db, _ := setupAt(t, conversationDates[0])
	return b, db
}

// setupAt 与 setup 相同，时钟停在 at；机器人、台账服务和存储共用这一个时钟。
func setupAt(t *testing.T, at time.Time) (*bot.Bot, *store.DB, *model.Clock) {
	t.Helper()
	clk := model.PinClock(at, nil)
	db := openStore(t, "testdata/roster.csv", clk)
	cat := rules.Default()
	svc := &ledger.Service{Staff: db, Ledger: db, Catalog: cat, Clock: clk}
	b := newBot(t, bot.Options{Staff: db, Units: db, Log: quietLog, Clock: clk})
	Register(b, Deps{Ledger: svc, Clock: clk})
	return b, db, clk
}

// step 是对话中的一步：谁发了什么，回复应含哪些片段、不应含哪些，之后台账是什么样。
type step struct {
	as      string
	text    string
	want    []string
	notWant []string
	entries int              // 之后台账上的记录数（含已撤销）
	totals  map[string]int64 // 之后这些人本月的合计
}

// TestConversation 按顺序走一遍主管和员工的对话（upspin 风格的命令表测试），在 conversationDates
// 的每个日期各走一遍。数据库是新建的，记录编号从 1 开始。步骤里的 {月}、{上月}、{ISO}、{几月}、{月日}
// 换成当天所在的月（2026年11月）、上个月、2026-11、11月和 11-16。
func TestConversation(t *testing.T) {
	for _, at := range conversationDates {
		t.Run(at.Format("2006-01-02T15:04"), func(t *testing.T) { conversation(t, at) })
	}
}

func conversation(t *testing.T, at time.Time) {
	b, db, clk := setupAt(t, at)
	month := model.MonthOf(at, model.Shanghai)
	dates := strings.NewReplacer("{月}", month.Label(), "{上月}", month.Add(-1).Label(), "{ISO}", month.String(),
		"{几月}", fmt.Sprintf("%d月", int(month.Month)), "{月日}", at.Format("1月2日"))
	steps := []step{
		{as: "wzg", text: "帮助", want: []string{"扣：记扣款", "撤销：撤销一条扣款或奖励", "查：查记录和合计", "规则：", "帮助 记录"}, notWant: []string{"扣 <人>…"}},
		{as: "ls01", text: "帮助", want: []string{"查：查记录和合计", "规则："}, notWant: []string{"扣：", "撤销："}},
		{as: "wzg", text: "帮助 记录", want: []string{"扣 <人>… <事项> [备注]", "撤销 [编号] [理由]", "查 [人] [月份]", "例：扣 张三 迟到 长", "姓名(工号)"}},
		{as: "wzg", text: "罚 张三", want: []string{"没有“罚”这个命令，发“帮助”看您可以用的命令。"}, notWant: []string{"扣 <人>…", "\n"}},
		{as: "wzg", text: "撤消 1", want: []string{"没有“撤消”这个命令。您是不是要发“撤销”？例如：撤销 12 记错人了。"}, notWant: []string{"\n"}},
		{as: "wzg", text: "你好", want: []string{"您好，王主管！发“帮助”看您可以用的命令。"}, notWant: []string{"\n"}},
		{as: "ls01", text: "谢谢！", want: []string{"不客气"}, notWant: []string{"\n"}},
		{as: "wzg", text: "规则", want: []string{"扣款事项", "迟到/早退", "10 元", "旷工", "按旷工处理，扣 100 元（管理办法没写旷工扣多少", "奖励事项", "信息采纳", "50 元", "明星"}},
		{as: "wzg", text: "扣 李四 迟到", want: []string{"已记录 #1：李四（城关所）迟到 −10 元（到岗迟到或者早退）。李四本月合计 −10 元。"},
			entries: 1, totals: map[string]int64{"ls01": -10}},
		{as: "wzg", text: "扣 张三 迟到", want: []string{"有 2 位“张三”", "张三(zs01)·城关所", "张三(zs02)·城关所", "姓名(工号)", "本次没有记录"},
			notWant: []string{"zs03"}, entries: 1},
		{as: "wzg", text: "扣 张三(zs01) 迟到 长", want: []string{"已记录 #2", "张三（城关所）", "−30 元", "张三本月合计 −30 元"},
			entries: 2, totals: map[string]int64{"zs01": -30}},
		{as: "wzg", text: "@红旗\u2005扣\u3000张三（zs02）\u3000李四，卫生 门口没扫", want: []string{"已记录 2 条：卫生 −20 元（当班人员不打扫卫生）", "#3 张三（城关所），本月合计 −20 元", "#4 李四（城关所），本月合计 −30 元", "备注：门口没扫"},
			entries: 4, totals: map[string]int64{"zs02": -20, "ls01": -30}},
		{as: "wzg", text: "扣 李四 张山 卫生", want: []string{"没有找到“张山”", "您是不是要找：张三(zs01)（城关所）、张三(zs02)（城关所）", "本次没有记录"}, entries: 4},
		{as: "wzg", text: "扣 李四 迟早", want: []string{"没有找到扣款事项“迟早”", "迟到"}, entries: 4},
		{as: "wzg", text: "扣 李四", want: []string{"请写明事项"}, entries: 4},
		{as: "wzg", text: "扣 迟到 李四", want: []string{"请先写人"}, entries: 4},
		{as: "wzg", text: "扣 王五 迟到", want: []string{"王五（河口所）不在您的管理范围内"}, entries: 4},
		{as: "wzg", text: "扣 赵六 迟到", want: []string{"赵六", "已不在花名册"}, entries: 4},
		{as: "ls01", text: "扣 张三(zs01) 迟到", want: []string{"只有主管、所长和中心领导可以使用“扣”。"}, entries: 4},
		{as: "nobody", text: "查", want: []string{"您还不在花名册中，请联系管理员导入花名册。"}, entries: 4},
		{as: "wzg", text: "奖 李四 信息采纳", want: []string{"已记录 #5", "+50 元", "李四本月合计 +20 元"},
			entries: 5, totals: map[string]int64{"ls01": 20}},
		{as: "wzg", text: "奖 李四 明星", want: []string{"不能用“奖”直接记录", "“明星”命令"}, entries: 5},
		{as: "wzg", text: "扣 李四 信息采纳", want: []string{"奖励项", "请用“奖”命令"}, entries: 5},
		{as: "wzg", text: "扣 李四 离岗 超1小时", want: []string{"已记录 #6", "旷工", "−100 元", "按旷工处理，扣 100 元"},
			entries: 6, totals: map[string]int64{"ls01": -80}},
		{as: "lsz", text: "扣 张三 态度", want: []string{"已记录 #7", "张三（河口所）", "−10 元"},
			entries: 7, totals: map[string]int64{"zs03": -10}},
		// 不写编号不猜：先说会撤销哪一条、怎样确认，什么也不撤。
		{as: "wzg", text: "撤销", want: []string{"没有写编号，这次没有撤销", "您最近记的一条是 #6：李四（城关所）旷工 −100 元", "确认撤销这一条请发“撤销 6”"},
			entries: 7, totals: map[string]int64{"ls01": -80}},
		{as: "wzg", text: "撤销 记错人了", want: []string{"没有写编号，这次没有撤销", "#6", "请发“撤销 6 记错人了”"}, entries: 7, totals: map[string]int64{"ls01": -80}},
		{as: "wzg", text: "撤销 6号", want: []string{"已撤销 #6", "李四本月合计 +20 元"}, entries: 7, totals: map[string]int64{"ls01": 20}},
		{as: "wzg", text: "撤销 ＃1 记错人了", want: []string{"已撤销 #1", "李四本月合计 +30 元", "理由：记错人了"}, entries: 7, totals: map[string]int64{"ls01": 30}},
		{as: "wzg", text: "撤销 1", want: []string{"#1 已于", "王主管撤销，不用再撤"}, entries: 7, totals: map[string]int64{"ls01": 30}},
		{as: "wzg", text: "撤销 7", want: []string{"张三（河口所）", "不在您的管理范围内"}, entries: 7, totals: map[string]int64{"zs03": -10}},
		{as: "ls01", text: "撤销 4", want: []string{"只有主管、所长和中心领导可以使用“撤销”。"}, entries: 7, totals: map[string]int64{"ls01": 30}},
		{as: "wzg", text: "撤销 99", want: []string{"没有编号为 #99 的记录"}, entries: 7},
		{as: "ls01", text: "查", want: []string{"李四（城关所）{月}：", "#1 {月日} 迟到", "已撤销", "#5", "信息采纳 +50 元", "合计 +30 元（已撤销的 2 条不计）"}},
		{as: "ls01", text: "查 张三", want: []string{"员工只能查看自己的记录"}},
		{as: "wzg", text: "查 李四 上月", want: []string{"李四（城关所）{上月}没有记录，合计 0 元。"}},
		{as: "wzg", text: "查 李四 {ISO}", want: []string{"合计 +30 元"}},
		{as: "wzg", text: "查 ls01 {几月}", want: []string{"合计 +30 元"}},
		{as: "wzg", text: "查 上月 李四 10月", want: []string{"只能写一个月份"}},
		{as: "wzg", text: "查 李四 13月", want: []string{"月份“13月”不存在"}},
		{as: "wzg", text: "查 张三", want: []string{"有 2 位“张三”"}},
		{as: "gly", text: "查 张三(zs03)", want: []string{"张三（河口所）{月}：", "态度 −10 元", "合计 −10 元。"}},

		// 像人们在手机上那样打字：命令和人、事项连着写；备注里有冒号、逗号；很长的备注；查人只提示管理范围内的人。
		{as: "wzg", text: "扣李四迟到", want: []string{"按“扣 李四 迟到”理解：\n已记录 #8：李四（城关所）迟到 −10 元"}, entries: 8, totals: map[string]int64{"ls01": 20}},
		{as: "wzg", text: "扣张三迟到长", want: []string{"按“扣 张三 迟到长”理解：\n有 2 位“张三”", "本次没有记录"}, entries: 8},
		{as: "wzg", text: "扣 张三(zs01)迟到长", want: []string{"按“扣 张三(zs01) 迟到长”理解：\n已记录 #9：张三（城关所）迟到长 −30 元（到岗迟到或者早退，时间长的）"}, entries: 9, totals: map[string]int64{"zs01": -60}},
		{as: "wzg", text: "扣 李四 张三(zs02)卫生 门口没扫", want: []string{"按“扣 李四 张三(zs02) 卫生 门口没扫”理解：\n已记录 2 条：卫生 −20 元"}, entries: 11},
		{as: "wzg", text: "扣李四迟早", want: []string{"按“扣 李四迟早”理解：\n没有找到“李四迟早”"}, entries: 11},
		{as: "wzg", text: "查询张三", want: []string{"按“查询 张三”理解：\n有 2 位“张三”"}},
		{as: "wzg", text: "帮助扣", want: []string{"按“帮助 扣”理解：\n扣 <人>… <事项> [备注]"}},
		{as: "wzg", text: "扣 李四 迟到 10:20，门口没人。", want: []string{"已记录 #12", "备注：10:20，门口没人。"}, entries: 12},
		{as: "wzg", text: "扣 李四 迟到 " + strings.Repeat("很", 1200), want: []string{"备注最多 200 个字，这次写了 1200 个字"}, notWant: []string{"已记录"}, entries: 12},
		{as: "wzg", text: "撤销 12 " + strings.Repeat("错", 201), want: []string{"理由最多 200 个字，这次写了 201 个字"}, notWant: []string{"已撤销"}, entries: 12},
		{as: "wzg", text: "查 张", want: []string{"没有找到“张”。您是不是要找：张三(zs01)（城关所）、张三(zs02)（城关所）？"}, notWant: []string{"河口所"}},
		{as: "ls01", text: "查 张", want: []string{"没有找到“张”"}, notWant: []string{"张三", "河口所"}},
	}
	ctx := context.Background()
	for i, s := range steps {
		for j := range s.want {
			s.want[j] = dates.Replace(s.want[j])
		}
		msg := model.Message{Key: fmt.Sprintf("msg:%d", i), From: s.as, Text: dates.Replace(s.text), CreateTime: clk.Now()}
		sayStep(t, b, i, msg, s.want, s.notWant)
		if s.entries > 0 {
			all, err := db.Entries(ctx, model.EntryFilter{IncludeRevoked: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != s.entries {
				t.Errorf("第 %d 步 %q 之后台账有 %d 条记录，应为 %d", i+1, s.text, len(all), s.entries)
			}
		}
		for id, want := range s.totals {
			got, err := db.MonthTotals(ctx, month, []string{id})
			if err != nil {
				t.Fatal(err)
			}
			if got[id] != want {
				t.Errorf("第 %d 步 %q 之后 %s 本月合计 %d，应为 %d", i+1, s.text, id, got[id], want)
			}
		}
	}
}

// TestNotesKeepWhatWasTyped 备注照原文存下：冒号、逗号、句号不变成空格。
func TestNotesKeepWhatWasTyped(t *testing.T) {
	b, db := setup(t)
	ctx := context.Background()
	for i, text := range []string{"扣 李四 迟到 10:20，门口没人。", "扣李四卫生 地没扫：很脏"} {
		if _, err := b.Process(ctx, model.Message{Key: fmt.Sprintf("n:%d", i), From: "wzg", Text: text, CreateTime: conversationDates[0]}); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[int64]string{1: "10:20，门口没人。", 2: "地没扫：很脏"} {
		e, err := db.Entry(ctx, id)
		if err != nil || e.Note != want {
			t.Errorf("#%d 的备注 = %q, %v；应为 %q", id, e.Note, err, want)
		}
	}
}

// TestSameMessageTwice 没有 Redis 去重时，同一条消息第二次到达由数据库唯一键拦住，回复说明已处理过。
func TestSameMessageTwice(t *testing.T) {
	b, db := setup(t)
	ctx := context.Background()
	msg := model.Message{Key: "msg:42", From: "gly", Text: "扣 钱七 通报", CreateTime: conversationDates[0]}
	first, err := b.Process(ctx, msg)
	if err != nil || !strings.Contains(first, "已记录 #1") {
		t.Fatalf("第一次：%q, %v", first, err)
	}
	again, err := b.Process(ctx, msg)
	if err != nil || again != first {
		t.Errorf("第二次：%q, %v；应与第一次的回复相同：%q", again, err, first)
	}
	all, _ := db.Entries(ctx, model.EntryFilter{IncludeRevoked: true})
	if len(all) != 1 {
		t.Errorf("同一消息两次后有 %d 条记录，应为 1", len(all))
	}
	notices, _ := db.Notices(ctx, "")
	if len(notices) != 1 || !slices.Equal(notices[0].To.Users, []string{"qq01"}) {
		t.Errorf("应只有一条发给钱七的通知：%+v", notices)
	}
}

// TestEnterAgent 进入应用时回复一句问候和怎样看帮助，不是整张帮助。
func TestEnterAgent(t *testing.T) {
	b, _ := setup(t)
	reply, err := b.Process(context.Background(), model.Message{Key: "evt:ls01:1", From: "ls01", Event: "enter_agent"})
	if err != nil || reply != "您好，李四！发“帮助”看您可以用的命令。" {
		t.Errorf("enter_agent 回复 %q, %v；应为一句问候", reply, err)
	}
}

// TestConcurrentEntriesThroughTheBot 同一人同时被记 8 条“迟到”，经机器人（消息事务、锁人算合计与写记录合成
// 一次往返）：8 条回复里的本月合计正好是 −10 到 −80 各一次。
func TestConcurrentEntriesThroughTheBot(t *testing.T) {
	b, _ := setup(t)
	const n = 8
	replies := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := b.Process(context.Background(), model.Message{Key: fmt.Sprintf("msg:c%d", i), From: "wzg", Text: "扣 李四 迟到", CreateTime: conversationDates[0]})
			if err != nil {
				t.Errorf("Process: %v", err)
			}
			replies[i] = r
		}()
	}
	close(start)
	wg.Wait()
	for i := 1; i <= n; i++ {
		want := fmt.Sprintf("李四本月合计 −%d 元。", 10*i)
		found := 0
		for _, r := range replies {
			if strings.Contains(r, want) {
				found++
			}
		}
		if found != 1 {
			t.Errorf("含“%s”的回复 %d 条，应为 1：%q", want, found, replies)
		}
	}
}
