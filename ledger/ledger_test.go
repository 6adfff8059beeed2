package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
)

func TestResolve(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name  string
		actor string
		who   string
		want  string // userid；为空表示应出错
		code  string
		parts []string
	}{
		{"two 张三 in scope are ambiguous", "wzg", "张三", "", model.EAMBIGUOUS, []string{"张三(zs01)·城关所", "张三(zs02)·城关所", "姓名(工号)"}},
		{"ambiguity lists only the scope", "wzg", "张三", "", model.EAMBIGUOUS, []string{"有 2 位"}},
		{"userid picks one", "wzg", "zs02", "zs02", "", nil},
		{"userid is case-insensitive", "wzg", "ZS02", "zs02", "", nil},
		{"name(userid)", "wzg", "张三(zs01)", "zs01", "", nil},
		{"name（userid） full-width", "wzg", "张三（zs02）", "zs02", "", nil},
		{"name(userid) with wrong name", "wzg", "张三(ls01)", "", model.EINVALID, []string{"工号 ls01 是李四"}},
		{"scope first: the head sees one 张三", "lsz", "张三", "zs03", "", nil},
		{"admin sees all three 张三", "gly", "张三", "", model.EAMBIGUOUS, []string{"有 3 位", "张三(zs03)·河口所"}},
		{"outside scope is refused", "wzg", "王五", "", model.EFORBIDDEN, []string{"王五（河口所）不在您的管理范围内"}},
		{"extra scope from roster", "sun", "李四", "ls01", "", nil},
		{"own branch with extra scope", "sun", "钱七", "qq01", "", nil},
		{"unknown name gets suggestions", "wzg", "李斯", "", model.ENOTFOUND, []string{"没有找到“李斯”", "您是不是要找：李四（城关所）"}},
		{"suggestions tell namesakes apart", "wzg", "张山", "", model.ENOTFOUND, []string{"您是不是要找：张三(zs01)（城关所）、张三(zs02)（城关所）？"}},
		{"suggestions stay in scope", "lsz", "张", "", model.ENOTFOUND, []string{"您是不是要找：张三（河口所）？"}},
		{"admin is suggested everyone", "gly", "张山", "", model.ENOTFOUND, []string{"张三(zs01)（城关所）、张三(zs02)（城关所）、张三(zs03)（河口所）"}},
		{"staff are suggested nobody else", "ls01", "张", "", model.ENOTFOUND, []string{"没有找到“张”"}},
		{"nothing close", "wzg", "欧阳修文", "", model.ENOTFOUND, []string{"没有找到“欧阳修文”。请核对姓名，或写工号。"}},
		{"unknown userid", "wzg", "nobody(xx99)", "", model.ENOTFOUND, []string{"没有找到"}},
		{"staff may resolve themselves", "zs01", "zs01", "zs01", "", nil},
		{"staff cannot resolve others", "ls01", "王五", "", model.EFORBIDDEN, []string{"员工只能查看自己的记录"}},
		{"inactive person still found for history", "wzg", "赵六", "zl01", "", nil},
		{"empty", "wzg", " ", "", model.EINVALID, []string{"姓名或工号"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.svc.Resolve(context.Background(), e.actor(tt.actor), tt.who)
			if tt.want == "" {
				wantErr(t, err, tt.code, tt.parts...)
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.who, err)
			}
			if got.UserID != tt.want {
				t.Errorf("Resolve(%q) = %s，应为 %s", tt.who, got.UserID, tt.want)
			}
		})
	}
}

// TestRecordRefusals 每种拒绝都不写任何记录。
func TestRecordRefusals(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		actor  string
		kind   model.RuleKind
		people []string
		words  []string
		code   string
		parts  []string
	}{
		{"staff may not record", "ls01", model.Deduction, []string{"张三(zs01)"}, []string{"迟到"}, model.EFORBIDDEN, []string{"只有主管、所长和中心领导可以记扣款和奖励。"}},
		{"ambiguous name writes nothing", "wzg", model.Deduction, []string{"张三"}, []string{"迟到"}, model.EAMBIGUOUS, []string{"张三(zs01)", "本次没有记录"}},
		{"all or nothing: one unknown of two", "wzg", model.Deduction, []string{"李四", "张山"}, []string{"卫生"}, model.ENOTFOUND, []string{"张山", "本次没有记录"}},
		{"all or nothing: one outside scope", "wzg", model.Deduction, []string{"李四", "王五"}, []string{"卫生"}, model.EFORBIDDEN, []string{"王五（河口所）"}},
		{"unknown rule with suggestions", "wzg", model.Deduction, []string{"李四"}, []string{"迟早"}, model.ENOTFOUND, []string{"没有找到扣款事项“迟早”", "迟到"}},
		{"reward word under 扣", "wzg", model.Deduction, []string{"李四"}, []string{"信息采纳"}, model.EINVALID, []string{"奖励项", "“奖”"}},
		{"no item", "wzg", model.Deduction, []string{"李四"}, nil, model.EINVALID, []string{"请写明事项"}},
		{"no person", "wzg", model.Deduction, nil, []string{"迟到"}, model.EINVALID, []string{"扣 张三 迟到"}},
		{"manual rule points to its command", "wzg", model.Reward, []string{"李四"}, []string{"明星"}, model.EINVALID, []string{"当月政务服务明星", "不能用“奖”直接记录", "“明星”命令"}},
		{"inactive staff", "wzg", model.Deduction, []string{"赵六"}, []string{"迟到"}, model.EFORBIDDEN, []string{"赵六", "已不在花名册"}},
		{"a person who left on a known day", "wzg", model.Reward, []string{"周八"}, []string{"信息采纳"}, model.EFORBIDDEN, []string{"周八（城关所）已于2026年6月30日离职，不能再记录。本次没有记录。"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Record(context.Background(), e.actor(tt.actor), e.msg(tt.actor), tt.kind, tt.people, tt.words)
			wantErr(t, err, tt.code, tt.parts...)
			if n := e.count(); n != 0 {
				t.Errorf("被拒绝的操作写了 %d 条记录", n)
			}
		})
	}
}

func TestRecordWritesEntriesNoticesAndTotals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	r1 := e.record("wzg", model.Deduction, []string{"李四"}, "迟到")
	if len(r1.Entries) != 1 || r1.Entries[0].Amount != -10 || r1.Totals["ls01"] != -10 {
		t.Fatalf("第一笔 = %+v", r1)
	}
	r2 := e.record("wzg", model.Deduction, []string{"李四", "张三(zs01)"}, "卫生", "门口没扫")
	if len(r2.Entries) != 2 {
		t.Fatalf("两个人应各写一条，得到 %d 条", len(r2.Entries))
	}
	if r2.Totals["ls01"] != -30 || r2.Totals["zs01"] != -20 {
		t.Errorf("合计 = %v，应为 李四 −30、张三 −20", r2.Totals)
	}
	if r2.Entries[0].Note != "门口没扫" || r2.Entries[0].RuleCode != "hygiene" || r2.Entries[0].ActorName != "王主管" {
		t.Errorf("记录 = %+v", r2.Entries[0])
	}
	r3 := e.record("wzg", model.Deduction, []string{"李四"}, "迟到", "长", "9点半才到")
	if r3.Rule.Code != "late_long" || r3.Entries[0].Amount != -30 || r3.Entries[0].Note != "9点半才到" {
		t.Errorf("迟到 长 = %s %d %q", r3.Rule.Code, r3.Entries[0].Amount, r3.Entries[0].Note)
	}
	r4 := e.record("wzg", model.Reward, []string{"李四"}, "信息采纳")
	if r4.Totals["ls01"] != -10 { // −10 −20 −30 +50
		t.Errorf("奖励后李四合计 = %d，应为 −10", r4.Totals["ls01"])
	}
	if got := e.total("ls01"); got != -10 {
		t.Errorf("数据库中李四合计 = %d，应为 −10", got)
	}

	notices, err := e.db.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 5 {
		t.Fatalf("应有 5 条通知（每条记录一条），得到 %d 条", len(notices))
	}
	// 第二笔李四的通知：事项、金额、记录人、备注、编号、写入后的月合计、异议说明。
	id := r2.Entries[0].ID
	var n model.Notice
	for _, x := range notices {
		if x.Key == fmt.Sprintf("entry:%d", id) {
			n = x
		}
	}
	if !slices.Equal(n.To.Users, []string{"ls01"}) {
		t.Fatalf("没有找到发给李四的 entry:%d 通知：%+v", id, notices)
	}
	for _, want := range []string{"当班人员不打扫卫生", "−20 元", "王主管", "门口没扫", fmt.Sprintf("#%d", id), "2026年11月合计：−30 元", fmt.Sprintf("请在 3 日内回复“申诉 %d 理由”", id)} {
		if !strings.Contains(n.Body, want) {
			t.Errorf("通知正文缺少 %q：\n%s", want, n.Body)
		}
	}
}

func TestRecordAbsenceSaysConfiguredDefault(t *testing.T) {
	e := newEnv(t)
	res := e.record("wzg", model.Deduction, []string{"李四"}, "离岗", "超1小时")
	if res.Rule.Code != "absence" || res.Entries[0].Amount != -100 || res.Entries[0].Note != "" {
		t.Fatalf("离岗 超1小时 = %s %d %q，应为旷工 −100、无备注", res.Rule.Code, res.Entries[0].Amount, res.Entries[0].Note)
	}
	notices, _ := e.db.Notices(context.Background(), "")
	if len(notices) != 1 || !strings.Contains(notices[0].Body, "按旷工处理，扣 100 元") {
		t.Errorf("旷工通知应说明按旷工处理：%+v", notices)
	}
}

func TestRecordSameMessageTwice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := e.msg("wzg")
	first, err := e.svc.Record(ctx, e.actor("wzg"), m, model.Deduction, []string{"李四", "zs01"}, []string{"态度"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.Record(ctx, e.actor("wzg"), m, model.Deduction, []string{"李四", "zs01"}, []string{"态度"})
	if err != nil {
		t.Fatalf("重复消息不应报错: %v", err)
	}
	if !again.Duplicate || len(again.Entries) != 2 || again.Entries[0].ID != first.Entries[0].ID {
		t.Errorf("重复消息应返回先前的记录：%+v", again)
	}
	if again.Totals["ls01"] != -10 {
		t.Errorf("重复消息的合计 = %d，应为 −10", again.Totals["ls01"])
	}
	if n := e.count(); n != 2 {
		t.Errorf("同一消息两次后有 %d 条记录，应为 2", n)
	}
}

func TestRevoke(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.record("wzg", model.Deduction, []string{"李四"}, "迟到").Entries[0]
	b := e.record("wzg", model.Deduction, []string{"李四"}, "卫生").Entries[0]
	c := e.record("lsz", model.Deduction, []string{"王五"}, "态度").Entries[0]

	// 自己最近记的一条是 b；撤销它。
	last, err := e.svc.LastRecorded(ctx, e.actor("wzg"))
	if err != nil || last.ID != b.ID {
		t.Fatalf("最近一条 = #%d, %v；应为 #%d", last.ID, err, b.ID)
	}
	got, total, err := e.svc.Revoke(ctx, e.actor("wzg"), e.msg("wzg"), b.ID, "记错了")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != b.ID || !got.Revoked() || got.Revocation.Reason != "记错了" || total != -10 {
		t.Errorf("撤销自己最后一条 = #%d revoked=%v 合计 %d，应为 #%d、合计 −10", got.ID, got.Revoked(), total, b.ID)
	}
	// b 已撤销，最近一条是 a。
	if last, err = e.svc.LastRecorded(ctx, e.actor("wzg")); err != nil || last.ID != a.ID {
		t.Fatalf("b 撤销后最近一条 = #%d, %v；应为 #%d", last.ID, err, a.ID)
	}
	got, total, err = e.svc.Revoke(ctx, e.actor("wzg"), e.msg("wzg"), a.ID, "")
	if err != nil || got.ID != a.ID || total != 0 {
		t.Errorf("第二次撤销 = #%d 合计 %d err %v，应为 #%d、合计 0", got.ID, total, err, a.ID)
	}
	// 没有可撤销的了；不写编号的撤销不猜。
	_, err = e.svc.LastRecorded(ctx, e.actor("wzg"))
	wantErr(t, err, model.ENOTFOUND, "没有可撤销的记录")
	_, _, err = e.svc.Revoke(ctx, e.actor("wzg"), e.msg("wzg"), 0, "")
	wantErr(t, err, model.EINVALID, "请写明要撤销的编号")

	tests := []struct {
		name  string
		actor string
		id    int64
		code  string
		parts []string
	}{
		{"revoke twice", "wzg", a.ID, model.ECONFLICT, []string{fmt.Sprintf("#%d", a.ID), "王主管撤销"}},
		{"outside scope", "wzg", c.ID, model.EFORBIDDEN, []string{"王五（河口所）", "不在您的管理范围内"}},
		{"staff may not revoke", "ww01", c.ID, model.EFORBIDDEN, []string{"只有主管、所长和中心领导可以撤销记录。"}},
		{"no such entry", "gly", 999999, model.ENOTFOUND, []string{"#999999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.svc.Revoke(ctx, e.actor(tt.actor), e.msg(tt.actor), tt.id, "")
			wantErr(t, err, tt.code, tt.parts...)
		})
	}
	if got := e.total("ww01"); got != -10 {
		t.Errorf("被拒绝的撤销改变了王五的合计：%d", got)
	}
	// 管理员可以撤销任何人的记录，通知发给被记录人。
	got, total, err = e.svc.Revoke(ctx, e.actor("gly"), e.msg("gly"), c.ID, "复核不成立")
	if err != nil || got.Revocation.ActorName != "管理员" || total != 0 {
		t.Fatalf("管理员撤销 = %+v %d %v", got, total, err)
	}
	notices, _ := e.db.Notices(ctx, "")
	var n model.Notice
	for _, x := range notices {
		if x.Key == fmt.Sprintf("revoke:%d", c.ID) {
			n = x
		}
	}
	if !slices.Equal(n.To.Users, []string{"ww01"}) || !strings.Contains(n.Body, "复核不成立") || !strings.Contains(n.Body, "合计：0 元") {
		t.Errorf("撤销通知 = %+v", n)
	}
	// 原记录仍在，标为已撤销。
	if n := e.count(); n != 3 {
		t.Errorf("撤销后台账应仍有 3 条记录，得到 %d", n)
	}
}

func TestQuery(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.record("wzg", model.Deduction, []string{"李四"}, "迟到")
	x := e.record("wzg", model.Deduction, []string{"李四"}, "卫生").Entries[0]
	e.record("wzg", model.Reward, []string{"李四"}, "信息采纳")
	if _, _, err := e.svc.Revoke(ctx, e.actor("wzg"), e.msg("wzg"), x.ID, ""); err != nil {
		t.Fatal(err)
	}
	// 上个月的一笔。
	now := e.clock.Now()
	e.clock.Set(now.AddDate(0, -1, 0))
	e.record("wzg", model.Deduction, []string{"李四"}, "通报")
	e.clock.Set(now)

	tests := []struct {
		name    string
		actor   string
		who     string
		month   model.Month
		entries int
		revoked int
		total   int64
		code    string
	}{
		{"staff queries self", "ls01", "", model.Month{}, 3, 1, 40, ""},
		{"supervisor queries staff", "wzg", "李四", model.Month{}, 3, 1, 40, ""},
		{"last month", "wzg", "ls01", model.Month{Year: 2026, Month: 10}, 1, 0, -100, ""},
		{"nothing recorded", "wzg", "张三(zs02)", model.Month{}, 0, 0, 0, ""},
		{"staff cannot query others", "zs01", "李四", model.Month{}, 0, 0, 0, model.EFORBIDDEN},
		{"head cannot query outside scope", "lsz", "李四", model.Month{}, 0, 0, 0, model.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := e.svc.Query(ctx, e.actor(tt.actor), tt.who, tt.month)
			if tt.code != "" {
				wantErr(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Entries) != tt.entries || st.Revoked != tt.revoked || st.Total != tt.total {
				t.Errorf("查询 = %d 条（%d 条已撤销）合计 %d，应为 %d 条（%d）合计 %d", len(st.Entries), st.Revoked, st.Total, tt.entries, tt.revoked, tt.total)
			}
		})
	}
}

// TestRevokeSameMessageTwice 同一条“撤销”消息重复到达：只撤销那一条，第二次说明已经撤销过，别的记录不动。
func TestRevokeSameMessageTwice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.record("wzg", model.Deduction, []string{"李四"}, "迟到").Entries[0]
	b := e.record("wzg", model.Deduction, []string{"李四"}, "卫生").Entries[0]
	m := e.msg("wzg")
	first, _, err := e.svc.Revoke(ctx, e.actor("wzg"), m, b.ID, "")
	if err != nil || first.ID != b.ID {
		t.Fatalf("第一次撤销 = #%d, %v；应为 #%d", first.ID, err, b.ID)
	}
	_, _, err = e.svc.Revoke(ctx, e.actor("wzg"), m, b.ID, "")
	wantErr(t, err, model.ECONFLICT, fmt.Sprintf("#%d 已于", b.ID), "不用再撤")
	cur, err := e.db.Entry(ctx, a.ID)
	if err != nil || cur.Revoked() {
		t.Errorf("重复的撤销消息撤掉了另一条 #%d", a.ID)
	}
	if got := e.total("ls01"); got != -10 {
		t.Errorf("李四本月合计 %d，应为 −10", got)
	}
}

// TestNoteWithPlaceholderStaysAsWritten：备注里写了“{id}”，通知里仍是“{id}”；只有模板的“编号：#{id}”换成编号。
func TestNoteWithPlaceholderStaysAsWritten(t *testing.T) {
	e := newEnv(t)
	res := e.record("wzg", model.Deduction, []string{"李四"}, "迟到", "见{id}号通报")
	id := res.Entries[0].ID
	ns, err := e.db.Notices(context.Background(), "")
	if err != nil || len(ns) != 1 {
		t.Fatalf("通知 = %+v, %v", ns, err)
	}
	body := ns[0].Body
	if !strings.Contains(body, "> 备注：见{id}号通报\n") || !strings.Contains(body, fmt.Sprintf("> 编号：#%d\n", id)) ||
		ns[0].Key != fmt.Sprintf("entry:%d", id) {
		t.Errorf("通知 %s：\n%s\n备注应原样是“见{id}号通报”，编号是 #%d", ns[0].Key, body, id)
	}
}

// TestConcurrentEntriesShowTheirOwnTotal 同一人同时被记 n 条“迟到”（−10 元）、再同时撤销其中几条：
// 每条回复和私信里的月合计都是它自己写入之后的值——记录时正好是 −10、−20 … −10n 各一次，
// 撤销后依次回升。合计若在写入的事务外先读，几条会读到同一个旧值，显示同一个合计。
func TestConcurrentEntriesShowTheirOwnTotal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const n = 8
	actor := e.actor("wzg")
	msgs := make([]model.Message, n)
	for i := range msgs {
		msgs[i] = e.msg("wzg")
	}
	results := make([]Result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := e.svc.Record(ctx, actor, msgs[i], model.Deduction, []string{"李四"}, []string{"迟到"})
			if err != nil {
				t.Errorf("记录：%v", err)
			}
			results[i] = r
		}()
	}
	close(start)
	wg.Wait()
	seen := map[int64]int{}
	for _, r := range results {
		seen[r.Totals["ls01"]]++
	}
	for i := 1; i <= n; i++ {
		if seen[int64(-10*i)] != 1 {
			t.Fatalf("回复里的合计 %v，应为 −10 到 −%d 各一次", seen, 10*n)
		}
	}
	notices, err := e.db.Notices(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		want := fmt.Sprintf("2026年11月合计：%s", Yuan(int64(-10*i)))
		found := 0
		for _, x := range notices {
			if strings.Contains(x.Body, want+"\n") || strings.HasSuffix(x.Body, want) {
				found++
			}
		}
		if found != 1 {
			t.Errorf("含“%s”的私信有 %d 条，应为 1", want, found)
		}
	}

	// 同时撤销其中 4 条：撤销后的合计是 −70、−60、−50、−40 各一次。
	afters := make([]int64, 4)
	start = make(chan struct{})
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, after, err := e.svc.Revoke(ctx, actor, e.msgAt(i), results[i].Entries[0].ID, "记错了")
			if err != nil {
				t.Errorf("撤销：%v", err)
			}
			afters[i] = after
		}()
	}
	close(start)
	wg.Wait()
	got := map[int64]bool{}
	for _, a := range afters {
		got[a] = true
	}
	for _, want := range []int64{-70, -60, -50, -40} {
		if !got[want] {
			t.Errorf("撤销后的合计 %v，应为 −70、−60、−50、−40 各一次", afters)
			break
		}
	}
}
