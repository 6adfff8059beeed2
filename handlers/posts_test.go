package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/rules"
	"github.com/hongqi-dev/hongqi/store"
)

var shanghaiLoc = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at 是 2026 年 11 月 day 日上午 9:30（上海）。
func at(day int) time.Time { return time.Date(2026, 11, day, 9, 30, 0, 0, shanghaiLoc) }

// setupPosts 在全新的真实 MariaDB 上组装带岗位与请假命令的机器人：花名册 testdata/posts-roster.csv
// （含中心主任、副主任、分管领导），岗位表 testdata/posts.csv，时钟从 2026-11-16（周一）开始。
func setupPosts(t *testing.T) (*bot.Bot, *store.DB, *model.Clock) {
	t.Helper()
	ctx := context.Background()
	clk := model.PinClock(at(16), nil)
	db := openStore(t, "testdata/posts-roster.csv", clk)
	cat := rules.Default()
	svc := &ledger.Service{Staff: db, Ledger: db, Catalog: cat, Clock: clk}
	if _, _, err := leave.Import(ctx, svc, db, "testdata/posts.csv"); err != nil {
		t.Fatalf("导入岗位表: %v", err)
	}
	b := newBot(t, bot.Options{Staff: db, Units: db, Log: quietLog, Clock: clk})
	ps := &leave.Service{Staff: db, Posts: db, Leaves: db, Ledger: svc, Clock: clk}
	ps.HookLedger()
	Register(b, Deps{Ledger: svc, Leave: ps, Clock: clk})
	return b, db, clk
}

// postStep 是对话中的一步。day 非零时先把时钟拨到 11 月 day 日。
type postStep struct {
	day     int
	as      string
	text    string
	want    []string
	notWant []string
	entries int // 非零时：之后台账上的记录数
	leaves  int // 非零时：之后的请假单数
}

func runPostSteps(t *testing.T, b *bot.Bot, db *store.DB, clk *model.Clock, steps []postStep) {
	t.Helper()
	ctx := context.Background()
	for i, s := range steps {
		if s.day != 0 {
			clk.Set(at(s.day))
		}
		msg := model.Message{Key: fmt.Sprintf("msg:%s:%d", t.Name(), i), From: s.as, Text: s.text, CreateTime: clk.Now()}
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
		if s.leaves > 0 {
			all, err := db.Leaves(ctx, model.LeaveFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != s.leaves {
				t.Errorf("第 %d 步 %q 之后有 %d 张请假单，应为 %d", i+1, s.text, len(all), s.leaves)
			}
		}
	}
}

// TestLeaveRouting 按时长分级审批：1 天以内归中心主任、副主任，超过 1 天归分管领导；错的人批不了，
// 自己批不了自己，批过的不能再批。
func TestLeaveRouting(t *testing.T) {
	b, db, clk := setupPosts(t)
	runPostSteps(t, b, db, clk, []postStep{
		{as: "a1", text: "请假 半天 看病", want: []string{"已提交请假 #1：11月16日（半天）看病。", "1 天以内，由中心主任或副主任审批", "吴副主任", "周主任"}, notWant: []string{"郑分管"}, leaves: 1},
		{as: "a1", text: "请假 11月18日-11月20日 探亲", want: []string{"已提交请假 #2：11月18日–11月20日（3 天）探亲。", "超过 1 天，由分管领导审批，已通知郑分管"}, leaves: 2},
		{as: "b1", text: "请假 1 天 家中有事", want: []string{"#3", "11月16日（1 天）家中有事", "中心主任或副主任"}, leaves: 3},
		{as: "b2", text: "请假 2026-11-23 2026-11-24 婚假", want: []string{"#4", "11月23日–11月24日（2 天）", "分管领导"}, leaves: 4},
		{as: "c1", text: "请假 明天 至 11月17日 体检", want: []string{"#5", "11月17日（1 天）"}, leaves: 5},
		{as: "a1", text: "批准 1", want: []string{"只有中心主任、副主任和分管领导可以使用“批准”。"}},
		{as: "fg", text: "批准 1", want: []string{"请假 #1 共 半天，应由中心主任或副主任审批；您是分管领导，不能审批。"}},
		{as: "zr", text: "批准 2", want: []string{"应由分管领导审批；您是中心主任"}},
		{as: "zr", text: "批准 1", want: []string{"已批准请假 #1：张三 11月16日（半天）看病。", "已通知张三和B岗 李四、王五。"}},
		{as: "fzr", text: "批准 1", want: []string{"请假 #1 已于 11月16日 09:30 由周主任批准，不用再审批。"}},
		{as: "fg", text: "驳回 4 月底人手紧", want: []string{"已驳回请假 #4", "理由：月底人手紧", "已通知王五。"}},
		{as: "fg", text: "批准 4", want: []string{"已于 11月16日 09:30 由郑分管驳回，不能再审批"}},
		{as: "fg", text: "批准 99", want: []string{"没有编号为 99 的请假单"}},
		// 主任本人的请假：副主任在主任之下，批不了；不到 1 天也交分管领导。
		{as: "zr", text: "请假 半天 体检", want: []string{"#6", "1 天以内；您的请假由分管领导审批，已通知郑分管"}, notWant: []string{"吴副主任", "周主任。"}, leaves: 6},
		{as: "zr", text: "批准 6", want: []string{"请假 #6 共 半天，您不能审批自己的请假，应由分管领导审批。"}},
		{as: "fzr", text: "批准 6", want: []string{"请假 #6 共 半天，应由分管领导审批；您是副主任，不能审批。"}},
		{as: "fg", text: "批准 6", want: []string{"已批准请假 #6：周主任"}},
	})

	// 审批通知：一张按钮卡片（文字都在卡片上），发给该路线的审批人。
	ctx := context.Background()
	notices, err := db.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]model.Notice{}
	for _, n := range notices {
		byKey[n.Key] = n
	}
	ask := byKey["leave:1:ask"]
	if to := ask.To.Users; !slices.Contains(to, "zr") || !slices.Contains(to, "fzr") || slices.Contains(to, "fg") || ask.Card == nil ||
		!strings.Contains(ask.Card.Description, "批准 1") || !strings.Contains(ask.Card.Description, "驳回 1 理由") {
		t.Errorf("#1 的审批卡片 = %+v", ask)
	}
	if n := byKey["leave:2:ask"]; !slices.Equal(n.To.Users, []string{"fg"}) || n.Card == nil {
		t.Errorf("#2 的卡片应只发给分管领导：%+v", n)
	}
	if n := byKey["leave:6:ask"]; !slices.Equal(n.To.Users, []string{"fg"}) {
		t.Errorf("主任自己的请假只发给分管领导（副主任在主任之下），实际发给 %q", n.To.Users)
	}
	card := byKey["leave:1:ask"].Card
	if card == nil || card.TaskID != "leave-1" || len(card.Buttons) != 2 ||
		card.Buttons[0].Key != "leave:approve:1" || card.Buttons[1].Key != "leave:reject:1" {
		t.Errorf("卡片 = %+v", card)
	}
	if n := byKey["leave:1:result"]; !slices.Equal(n.To.Users, []string{"a1"}) || !strings.Contains(n.Title+"\n"+n.Body, "已批准") {
		t.Errorf("请假人的结果通知 = %+v", n)
	}
	if n := byKey["leave:1:standin"]; !slices.Equal(n.To.Users, []string{"b1", "b2"}) || !strings.Contains(n.Body, "顶岗") {
		t.Errorf("B 岗的顶岗通知 = %+v", n)
	}
	if n := byKey["leave:4:result"]; !slices.Equal(n.To.Users, []string{"b2"}) || !strings.Contains(n.Body, "月底人手紧") {
		t.Errorf("驳回的结果通知 = %+v", n)
	}
}

// TestLeaveBadInput 有问题的请假都得到说明，什么也不写。
func TestLeaveBadInput(t *testing.T) {
	b, db, clk := setupPosts(t)
	runPostSteps(t, b, db, clk, []postStep{
		{as: "a1", text: "请假 11月18日-11月20日 探亲", want: []string{"#1"}, leaves: 1},
		{as: "a1", text: "请假 11月20日 有事", want: []string{"11月18日–11月20日 已有请假 #1（探亲，待审批），日期重叠，这次没有提交"}, leaves: 1},
		{as: "a1", text: "请假 11月15日-11月19日 补假", want: []string{"日期重叠"}, leaves: 1},
		{as: "a1", text: "请假 2026-11-01 2026-11-02 补假", want: []string{"请假从 11月1日 开始，已超过 7 天，不能再补请"}, leaves: 1},
		{as: "a1", text: "请假 11月9日 补假", want: []string{"#2", "11月9日（1 天）"}, leaves: 2},
		{as: "a1", text: "请假 1 天", want: []string{"请写明事由"}, leaves: 2},
		{as: "a1", text: "请假", want: []string{"请写天数或日期"}, leaves: 2},
		{as: "a1", text: "请假 下周 有事", want: []string{"“下周”看不懂", "请假 11月28日-11月30日 探亲"}, leaves: 2},
		{as: "a1", text: "请假 11月30日-11月25日 有事", want: []string{"结束日期 11月25日 早于开始日期 11月30日"}, leaves: 2},
		{as: "a1", text: "请假 11月31日 有事", want: []string{"11月没有31日。这次没有提交。"}, leaves: 2},
		{as: "a1", text: "请假 2月30日", want: []string{"2月没有30日。这次没有提交。"}, notWant: []string{"看不懂"}, leaves: 2},
		{as: "a1", text: "请假 2026-02-29 有事", want: []string{"2026年不是闰年，2月没有29日"}, leaves: 2},
		{as: "a1", text: "请假 13月1日 有事", want: []string{"没有13月"}, leaves: 2},
		{as: "a1", text: "请假 11月28日-31日 探亲", want: []string{"11月没有31日"}, leaves: 2},
		{as: "a1", text: "请假 1 天 " + strings.Repeat("家中有事", 51), want: []string{"事由最多 200 个字，这次写了 204 个字", "这次什么也没有办理"}, leaves: 2},
		{as: "a1", text: "请假 40天 长假", want: []string{"一次请假最多 30 天"}, leaves: 2},
		{as: "b1", text: "请假 11月18日-11月20日 探亲", want: []string{"#3"}, leaves: 3},
		{as: "zr", text: "批准 abc", want: []string{"请写请假编号，例如：批准 3"}},
		{as: "zr", text: "批准", want: []string{"请写请假编号"}},
	})
	notices, _ := db.Notices(context.Background(), "")
	if len(notices) != 3 {
		t.Errorf("通知 %d 条，应为 3（3 张请假单各一张卡片；被拒的请求没有通知）", len(notices))
	}
}

// TestLeaveAsPeopleType 半天假写上午、下午（分开写或连写）是半天，事由照原文（标点不丢）；
// 驳回的请假不告诉 B 岗（提交时他们没收到过什么），批准的才告诉 B 岗顶岗；撤回还没批的请假告诉收到过审批卡片的人。
func TestLeaveAsPeopleType(t *testing.T) {
	b, db, clk := setupPosts(t)
	runPostSteps(t, b, db, clk, []postStep{
		{as: "a1", text: "请假 12月20日 下午 看病", want: []string{"已提交请假 #1：12月20日下午（半天）看病。", "1 天以内，由中心主任或副主任审批"}, leaves: 1},
		{as: "a1", text: "请假 11月21日下午 体检：空腹", want: []string{"已提交请假 #2：11月21日下午（半天）体检：空腹。"}, leaves: 2},
		{as: "a1", text: "请假 明天 上午 办证", want: []string{"已提交请假 #3：11月17日上午（半天）办证。"}, leaves: 3},
		{as: "a1", text: "请假 半天 下午 取药", want: []string{"#4：11月16日下午（半天）取药。"}, leaves: 4},
		{as: "a1", text: "请假 11月22日 上午", want: []string{"请写明事由"}, leaves: 4},
		{as: "zr", text: "驳回 1 那天有检查，请改期。", want: []string{"已驳回请假 #1：张三 12月20日下午（半天）看病。", "理由：那天有检查，请改期。", "已通知张三。"},
			notWant: []string{"B岗"}},
		{as: "zr", text: "批准 2", want: []string{"已批准请假 #2", "已通知张三和B岗 李四、王五。"}},
		{as: "a1", text: "销假", want: []string{"已撤回请假 #4（11月16日下午 取药）"}},
	})
	notices, err := db.Notices(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]model.Notice{}
	for _, n := range notices {
		byKey[n.Key] = n
	}
	if _, ok := byKey["leave:1:standin"]; ok {
		t.Errorf("驳回的请假 #1 不应告诉 B 岗：%+v", byKey["leave:1:standin"])
	}
	if n, ok := byKey["leave:2:standin"]; !ok || !slices.Equal(n.To.Users, []string{"b1", "b2"}) || !strings.Contains(n.Body, "11月21日下午") {
		t.Errorf("批准的请假 #2 应告诉 B 岗顶岗：%+v", n)
	}
	if n := byKey["leave:1:ask"]; n.Card == nil || n.Card.Lines[0].Value != "12月20日下午" || n.Card.Lines[1].Value != "半天" {
		t.Errorf("审批卡片上的时间 = %+v，应为 12月20日下午、半天", n.Card)
	}
	if n, ok := byKey["leave:4:end"]; !ok || !slices.Equal(slices.Sorted(slices.Values(n.To.Users)), []string{"fzr", "zr"}) || !strings.Contains(n.Body, "已撤回") {
		t.Errorf("撤回待批的请假只告诉收到过审批卡片的主任、副主任（不告诉 B 岗）：%+v", n)
	}
	l, err := db.Leave(context.Background(), 2)
	if err != nil || l.Half != model.HalfPM || l.HalfDays != 1 || l.Reason != "体检：空腹" {
		t.Errorf("请假 #2 = %+v, %v；应为下午半天，事由“体检：空腹”", l, err)
	}
}

// TestLeaveNeedsApprovers 花名册里没有分管领导时，超过 1 天的请假提交不了，并说明原因。
func TestLeaveNeedsApprovers(t *testing.T) {
	b, db, clk := setupPosts(t)
	ctx := context.Background()
	fg, _ := db.Staff(ctx, "fg")
	fg.Active = false
	if _, _, err := db.UpsertRoster(ctx, []model.Staff{fg}); err != nil {
		t.Fatal(err)
	}
	runPostSteps(t, b, db, clk, []postStep{
		{as: "a1", text: "请假 3 天 探亲", want: []string{"花名册里没有可以审批这张请假单的分管领导，这次没有提交"}},
		{as: "a1", text: "请假 1 天 探亲", want: []string{"#1"}, leaves: 1},
	})
}

// TestStandInAndAbsence B 在 A 请假时顶岗；缺岗扣 A 和 B，当天请假的人不扣；销假后 A 回岗。
func TestStandInAndAbsence(t *testing.T) {
	b, db, clk := setupPosts(t)
	runPostSteps(t, b, db, clk, []postStep{
		{as: "wzg", text: "岗位 社保窗口", want: []string{"社保窗口（今天 11月16日）", "A岗（主办）：张三", "B岗（协办）：李四、王五", "今天：A岗 张三 在岗。"}},
		{as: "a1", text: "请假 11月16日-11月18日 探亲", want: []string{"#1"}},
		{as: "wzg", text: "岗位 社保窗口", want: []string{"A岗 张三 在岗"}, notWant: []string{"顶岗"}}, // 还没批准
		{as: "fg", text: "批准 1", want: []string{"已批准请假 #1"}},
		{as: "wzg", text: "岗位 社保窗口", want: []string{"A岗（主办）：张三（请假中 11月16日–11月18日，#1）", "今天：A岗 张三 请假，由 B岗 李四、王五 顶岗。"}},
		{as: "b1", text: "岗位", want: []string{"李四的岗位", "社保窗口 B岗（协办）；今天A岗 张三 请假，由 B岗 李四、王五 顶岗", "医保窗口 A岗（主办）；今天A岗 李四 在岗"}},
		{as: "wzg", text: "岗位 张三", want: []string{"张三的岗位", "社保窗口 A岗（主办）", "医保窗口 B岗（协办）"}},
		{as: "zr", text: "岗位", want: []string{"您不在任何窗口的 A/B 岗上。全部 3 个窗口", "· 东街窗口：A岗 赵六 在岗", "· 社保窗口：A岗 张三 请假，由 B岗 李四、王五 顶岗"}},

		// 缺岗：A 在请假，只扣两个 B。
		{as: "wzg", text: "缺岗 社保窗口 9:40 抽查无人", want: []string{"已记录缺岗：社保窗口，不按规定在窗口坐班 −50 元。", "扣 #1 李四（B岗），本月合计 −50 元", "扣 #2 王五（B岗），本月合计 −50 元", "张三（A岗）今天请假（#1），不扣。", "被扣款：李四、王五。"}, notWant: []string{"扣 #3"}, entries: 2},
		// 医保窗口的 B 岗张三在请假：只扣 A 岗李四。
		{as: "wzg", text: "缺岗 医保窗口", want: []string{"扣 #3 李四（A岗），本月合计 −100 元", "张三（B岗）今天请假（#1），不扣。", "被扣款：李四。"}, entries: 3},
		{as: "wzg", text: "缺岗 税务窗口", want: []string{"没有“税务窗口”这个窗口。", "发“岗位”查看全部窗口。"}, entries: 3},
		{as: "wzg", text: "缺岗", want: []string{"请写窗口名"}, entries: 3},
		{as: "wzg", text: "缺岗 东街窗口", want: []string{"赵六（东街所）不在您的管理范围内"}, entries: 3},
		{as: "b1", text: "缺岗 社保窗口", want: []string{"只有主管、所长和中心领导可以使用“缺岗”。"}, entries: 3},
		// 中心领导检查东街窗口：无人请假，A、B 都扣。
		{as: "zr", text: "缺岗 东街窗口", want: []string{"赵六（A岗）", "钱七（B岗）", "被扣款：赵六、钱七。"}, entries: 5},

		// 第二天（11-17）张三销假：假期到 16 日结束，社保窗口恢复 A 岗在岗。
		{day: 17, as: "a1", text: "销假", want: []string{"已销假：请假 #1 实际休到 11月16日，今天起回岗。"}},
		{as: "wzg", text: "岗位 社保窗口", want: []string{"今天：A岗 张三 在岗。"}, notWant: []string{"请假中"}},
		{as: "wzg", text: "缺岗 社保窗口", want: []string{"张三（A岗）", "李四（B岗）", "王五（B岗）"}, notWant: []string{"不扣"}, entries: 8},
		{as: "a1", text: "销假", want: []string{"您今天及以后没有在请或待批的假"}},
		{as: "a1", text: "查", want: []string{"2026年11月请假 1 天：", "请假 #1 11月16日 探亲（已销假）"}},
	})
	notices, _ := db.Notices(context.Background(), "")
	var end *model.Notice
	for i := range notices {
		if notices[i].Key == "leave:1:end" {
			end = &notices[i]
		}
	}
	if end == nil || !slices.Equal(end.To.Users, []string{"b1", "b2", "fg"}) || !strings.Contains(end.Body, "实际休到 11月16日") {
		t.Errorf("销假通知 = %+v，应发给 B 岗和审批人", end)
	}
}

// TestAbsentTwiceSameDay 同一窗口同一天第二次“缺岗”不再扣，说明第一次的编号、谁记的、几点；写“再次”才再扣。
// 第一次撤销了的不算。备注照原文（10:20 不变成 10 20）。
func TestAbsentTwiceSameDay(t *testing.T) {
	b, db, clk := setupPosts(t)
	runPostSteps(t, b, db, clk, []postStep{
		{as: "wzg", text: "缺岗 社保窗口 10:20 抽查无人", want: []string{"已记录缺岗：社保窗口", "扣 #1 张三（A岗）", "扣 #2 李四（B岗）", "扣 #3 王五（B岗）"}, entries: 3},
		{as: "wzg", text: "缺岗 社保窗口", want: []string{"社保窗口今天 09:30 已由王主管记过缺岗（#1 张三、#2 李四、#3 王五），本次没有再扣。",
			"如果又一次发现窗口无人，请发“缺岗 社保窗口 再次 备注”。"}, notWant: []string{"已记录"}, entries: 3},
		{as: "zr", text: "缺岗 社保窗口 11:05 又无人", want: []string{"已由王主管记过缺岗"}, entries: 3},
		{as: "wzg", text: "缺岗 社保窗口 再次 11:05 又无人", want: []string{"已记录缺岗：社保窗口", "扣 #4 张三（A岗），本月合计 −100 元"}, entries: 6},
		{as: "wzg", text: "缺岗 医保窗口 再次 " + strings.Repeat("无", 200), want: []string{"备注最多 190 个字，这次写了 200 个字"}, entries: 6},
		{as: "wzg", text: "缺岗 医保窗口", want: []string{"已记录缺岗：医保窗口"}, entries: 8},
		{as: "wzg", text: "撤销 7 看错窗口", want: []string{"已撤销 #7"}},
		{as: "wzg", text: "撤销 8 看错窗口", want: []string{"已撤销 #8"}},
		{as: "wzg", text: "缺岗 医保窗口", want: []string{"已记录缺岗：医保窗口"}, notWant: []string{"记过缺岗"}, entries: 10},
		{day: 17, as: "wzg", text: "缺岗 社保窗口", want: []string{"已记录缺岗：社保窗口"}, notWant: []string{"记过缺岗"}, entries: 13},
	})
	for id, want := range map[int64]string{1: "缺岗检查：社保窗口 10:20 抽查无人", 4: "缺岗检查：社保窗口 11:05 又无人"} {
		if e, err := db.Entry(context.Background(), id); err != nil || e.Note != want {
			t.Errorf("#%d 的备注 = %q, %v；应为 %q", id, e.Note, err, want)
		}
	}
}

// TestFalseLeave “扣 人 虚假请假 编号”把扣款与请假单关联；编号不对、不是此人的、没批准的都拒绝。
func TestFalseLeave(t *testing.T) {
	b, db, clk := setupPosts(t)
	runPostSteps(t, b, db, clk, []postStep{
		{as: "a1", text: "请假 11月16日-11月17日 家中有事", want: []string{"#1"}},
		{as: "b1", text: "请假 11月17日 看病", want: []string{"#2"}},
		{as: "wzg", text: "扣 张三 虚假请假 1", want: []string{"请假 #1 待审批，没有休成假，不能按虚假请假扣款", "本次没有记录"}},
		{as: "fg", text: "批准 1", want: []string{"已批准"}},
		{as: "wzg", text: "扣 张三 虚假请假", want: []string{"虚假请假要写明请假编号，例如：扣 张三 虚假请假 12"}},
		{as: "wzg", text: "扣 张三 虚假请假 99", want: []string{"没有编号为 99 的请假单"}},
		{as: "wzg", text: "扣 李四 虚假请假 1", want: []string{"请假 #1 是张三的，不是李四（b1）的"}},
		{as: "wzg", text: "扣 张三 虚假请假 #1 实为外出办私事", want: []string{"已记录 #1：张三（城关所）", "−50 元", "以其他工作弄虚作假请假", "备注：#1 实为外出办私事"}, entries: 1},
		{as: "a1", text: "查", want: []string{"假请假 −50 元（#1 实为外出办私事）", "2026年11月请假 2 天：", "请假 #1 11月16日–11月17日 家中有事"}},
	})
	e, err := db.Entry(context.Background(), 1)
	if err != nil || e.Ref != "leave:1" || e.RuleCode != "false_leave" {
		t.Errorf("扣款记录 = %+v, %v；Ref 应为 leave:1", e, err)
	}
}

// TestLeaveNumbersAsPeopleWrite：“批准”“驳回”“扣 … 虚假请假”的请假编号与“撤销”同一种读法（model.ParseSerial）：
// 8、#8、8号、8 号、编号：8 都认；读不出的编号（8a、十二、#０、abc）拒绝，什么也不批。
func TestLeaveNumbersAsPeopleWrite(t *testing.T) {
	b, db, clk := setupPosts(t)
	runPostSteps(t, b, db, clk, []postStep{
		{as: "a1", text: "请假 11月16日 看病", want: []string{"#1"}},
		{as: "b1", text: "请假 11月16日 看病", want: []string{"#2"}},
		{as: "b2", text: "请假 11月16日 看病", want: []string{"#3"}},
		{as: "a1", text: "请假 11月17日 体检", want: []string{"#4"}},
		{as: "b1", text: "请假 11月17日 体检", want: []string{"#5"}, leaves: 5},
		{as: "zr", text: "批准 abc", want: []string{"请写请假编号，例如：批准 3"}},
		{as: "zr", text: "批准 1a", want: []string{"编号“1a”不对，编号是正整数"}},
		{as: "zr", text: "批准 十二", want: []string{"编号请用数字写"}},
		{as: "zr", text: "驳回 #０ 人手紧", want: []string{"编号“#0”不对"}},
		{as: "zr", text: "批准", want: []string{"请写请假编号"}},
		{as: "zr", text: "批准 1号", want: []string{"已批准请假 #1"}},
		{as: "zr", text: "批准 #2", want: []string{"已批准请假 #2"}},
		{as: "zr", text: "批准 编号：3", want: []string{"已批准请假 #3"}},
		{as: "zr", text: "驳回 4 号 月底人手紧", want: []string{"已驳回请假 #4", "理由：月底人手紧"}},
		{as: "zr", text: "驳回 ＃5 月底人手紧", want: []string{"已驳回请假 #5", "理由：月底人手紧"}},
		{as: "wzg", text: "扣 张三 虚假请假 abc", want: []string{"虚假请假要写明请假编号，例如：扣 张三 虚假请假 12"}},
		{as: "wzg", text: "扣 张三 虚假请假 1a 外出", want: []string{"“1a”不是请假编号"}},
		{as: "wzg", text: "扣 张三 虚假请假 编号：1 实为外出办私事", want: []string{"已记录 #1：张三（城关所）", "以其他工作弄虚作假请假"}, entries: 1},
		{as: "wzg", text: "扣 李四 虚假请假 2号 实为外出办私事", want: []string{"已记录 #2：李四（城关所）"}, entries: 2},
	})
	for _, want := range []struct {
		id     int64
		status model.LeaveStatus
	}{{1, model.LeaveApproved}, {2, model.LeaveApproved}, {3, model.LeaveApproved}, {4, model.LeaveRejected}, {5, model.LeaveRejected}} {
		if l, err := db.Leave(context.Background(), want.id); err != nil || l.Status != want.status {
			t.Errorf("请假 #%d：%s（%v），应为 %s", want.id, l.Status, err, want.status)
		}
	}
	for id, ref := range map[int64]string{1: "leave:1", 2: "leave:2"} {
		if e, err := db.Entry(context.Background(), id); err != nil || e.Ref != ref {
			t.Errorf("#%d 的关联 = %q（%v），应为 %s", id, e.Ref, err, ref)
		}
	}
}
