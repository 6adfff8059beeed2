package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// appealEnv 是申诉测试的台账：在 testdata/roster.csv 之外加上城关所的所长（cgh）和中心主任（zr）。
func appealEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	extra := []model.Staff{
		{UserID: "cgh", Name: "陈所长", Branch: "城关所", BranchKind: model.BranchCounty, Role: model.RoleHead, Active: true},
		{UserID: "zr", Name: "林主任", Branch: "县局", BranchKind: model.BranchCounty, Role: model.RoleDirector, Active: true},
	}
	if _, _, err := e.db.UpsertRoster(context.Background(), extra); err != nil {
		t.Fatal(err)
	}
	return e
}

// appeal 以 who 的身份对 id 提出申诉。
func (e *env) appeal(who string, id int64, reason string) (AppealResult, error) {
	e.t.Helper()
	return e.svc.Appeal(context.Background(), e.actor(who), e.msg(who), id, reason)
}

// noticeTo 返回 Key 为 key 的通知（没有时测试失败）。
func (e *env) notice(key string) model.Notice {
	e.t.Helper()
	ns, err := e.db.Notices(context.Background(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, n := range ns {
		if n.Key == key {
			return n
		}
	}
	e.t.Fatalf("没有 Key 为 %s 的通知", key)
	return model.Notice{}
}

// TestAppealWhoAndWhen：只有记录所指的本人、在期限内、写了理由、记录没撤销、没申诉过时可以申诉；
// 不行时说清为什么，什么也不写。
func TestAppealWhoAndWhen(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(e *env, id int64)
		who    string
		reason string
		after  time.Duration // 记录之后过了多久才申诉
		code   string
		want   string
	}{
		{name: "the person, in time", who: "ls01", reason: "当时在窗口", after: 71*time.Hour + 59*time.Minute},
		{name: "not the person", who: "zs01", reason: "替李四申诉", code: model.EFORBIDDEN, want: "只有本人可以申诉"},
		{name: "the recorder", who: "wzg", reason: "记错了", code: model.EFORBIDDEN, want: "只有本人可以申诉"},
		{name: "expired", who: "ls01", reason: "当时在窗口", after: 72 * time.Hour, code: model.EFORBIDDEN, want: "申诉期限已过"},
		{name: "no reason", who: "ls01", reason: " ", code: model.EINVALID, want: "请写明申诉的理由"},
		{name: "second appeal", who: "ls01", reason: "再申诉一次", code: model.ECONFLICT, want: "每条记录只能申诉一次",
			setup: func(e *env, id int64) {
				if _, err := e.appeal("ls01", id, "第一次"); err != nil {
					e.t.Fatal(err)
				}
			}},
		{name: "revoked entry", who: "ls01", reason: "当时在窗口", code: model.ECONFLICT, want: "已撤销",
			setup: func(e *env, id int64) {
				if _, _, err := e.svc.Revoke(context.Background(), e.actor("wzg"), e.msg("wzg"), id, "记错"); err != nil {
					e.t.Fatal(err)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := appealEnv(t)
			id := e.record("wzg", model.Deduction, []string{"李四"}, "迟到").Entries[0].ID
			if c.setup != nil {
				c.setup(e, id)
			}
			before, _ := e.db.Appeals(context.Background(), model.AppealFilter{})
			e.clock.Advance(c.after)
			res, err := e.appeal(c.who, id, c.reason)
			if c.code == "" {
				if err != nil {
					t.Fatalf("申诉被拒绝：%v", err)
				}
				if res.Appeal.Status != model.AppealOpen || res.Appeal.EntryID != id || res.Appeal.Reason != c.reason {
					t.Errorf("申诉 = %+v", res.Appeal)
				}
				if got := e.svc.CanAppeal(e.actor(c.who), e.entry(id)); got {
					t.Error("已申诉的记录还显示可以申诉")
				}
				return
			}
			if model.ErrorCode(err) != c.code || !strings.Contains(model.ErrorMessage(err), c.want) {
				t.Fatalf("错误 = %v（%s），应为 %s 且含 %q", err, model.ErrorCode(err), c.code, c.want)
			}
			after, _ := e.db.Appeals(context.Background(), model.AppealFilter{})
			if len(after) != len(before) {
				t.Errorf("被拒绝的申诉写进了数据库：之前 %d 条，之后 %d 条", len(before), len(after))
			}
		})
	}
}

// entry 重新读一条记录。
func (e *env) entry(id int64) model.Entry {
	e.t.Helper()
	x, err := e.db.Entry(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return x
}

// TestAppealGoesAboveTheRecorder：申诉交给记录人的上级——主管记的交本所所长；所长、中心领导记的交中心领导；
// 记录人所在网点没有所长时交中心领导。申诉人和记录人都不在名单里。卡片上有“维持”“撤销”两个按钮。
func TestAppealGoesAboveTheRecorder(t *testing.T) {
	cases := []struct {
		name     string
		recorder string
		target   string
		appeller string
		route    model.AppealRoute
		deciders []string
	}{
		{"supervisor's entry goes to the head", "wzg", "李四", "ls01", model.RouteHead, []string{"cgh"}},
		{"head's entry goes to leadership", "lsz", "王五", "ww01", model.RouteLeadership, []string{"gly", "zr"}},
		{"leader's entry goes to the other leaders", "gly", "李四", "ls01", model.RouteLeadership, []string{"zr"}},
		{"branch without a head goes to leadership", "sun", "钱七", "qq01", model.RouteLeadership, []string{"gly", "zr"}},
		// 主管不能给本所所长记（model.May），所长名下的记录都是中心领导记的：申诉交其他中心领导。
		{"the head's appeal goes to the other leaders", "gly", "陈所长", "cgh", model.RouteLeadership, []string{"zr"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := appealEnv(t)
			id := e.record(c.recorder, model.Deduction, []string{c.target}, "迟到").Entries[0].ID
			res, err := e.appeal(c.appeller, id, "当时在窗口")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Deciders {
				got = append(got, d.UserID)
			}
			slices.Sort(got)
			if res.Appeal.Route != c.route || !slices.Equal(got, c.deciders) {
				t.Errorf("去处 %s %v，应为 %s %v", res.Appeal.Route, got, c.route, c.deciders)
			}
			card := e.notice(fmt.Sprintf("appeal:%d:ask", res.Appeal.ID))
			to := slices.Sorted(slices.Values(card.To.Users))
			if !slices.Equal(to, got) || card.Card == nil || len(card.Card.Buttons) != 2 {
				t.Fatalf("卡片 = %+v", card)
			}
			keys := []string{card.Card.Buttons[0].Key, card.Card.Buttons[1].Key}
			want := []string{fmt.Sprintf("appeal:keep:%d", res.Appeal.ID), fmt.Sprintf("appeal:revoke:%d", res.Appeal.ID)}
			if !slices.Equal(keys, want) || card.Card.Buttons[0].Text != "维持" || card.Card.Buttons[1].Text != "撤销" {
				t.Errorf("按钮 = %+v", card.Card.Buttons)
			}
			if !strings.Contains(card.Card.Subtitle, "对 #"+fmt.Sprint(id)+" 提出申诉") || card.Body != "" {
				t.Errorf("卡片的字 = %q / 正文 %q", card.Card.Subtitle, card.Body)
			}
		})
	}
}

// TestAppealDecisions：维持时记录照常计入；撤销时记录标为申诉后撤销、合计变了；申诉人和记录人各收到一条结果。
// 申诉人、记录人、别的网点的所长不能裁决；裁决过的不能再改。
func TestAppealDecisions(t *testing.T) {
	cases := []struct {
		name    string
		by      string
		revoke  bool
		code    string
		want    string
		status  model.AppealStatus
		total   int64 // 李四本月合计
		revoked bool
	}{
		{name: "head keeps", by: "cgh", status: model.AppealKept, total: -10},
		{name: "head revokes", by: "cgh", revoke: true, status: model.AppealRevoked, total: 0, revoked: true},
		{name: "leader revokes", by: "zr", revoke: true, status: model.AppealRevoked, total: 0, revoked: true},
		{name: "the appellant", by: "ls01", revoke: true, code: model.EFORBIDDEN, want: "不能处理自己的申诉", status: model.AppealOpen, total: -10},
		{name: "the recorder", by: "wzg", revoke: false, code: model.EFORBIDDEN, want: "记录人不能处理", status: model.AppealOpen, total: -10},
		{name: "another branch's head", by: "lsz", revoke: true, code: model.EFORBIDDEN, want: "由城关所所长或中心领导处理", status: model.AppealOpen, total: -10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := appealEnv(t)
			ctx := context.Background()
			id := e.record("wzg", model.Deduction, []string{"李四"}, "迟到").Entries[0].ID
			ap, err := e.appeal("ls01", id, "当时在窗口")
			if err != nil {
				t.Fatal(err)
			}
			aid := ap.Appeal.ID
			res, err := e.svc.DecideAppeal(ctx, e.actor(c.by), e.msg(c.by), aid, c.revoke, "核实过")
			if c.code != "" {
				if model.ErrorCode(err) != c.code || !strings.Contains(model.ErrorMessage(err), c.want) {
					t.Fatalf("错误 = %v，应为 %s 且含 %q", err, c.code, c.want)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res.Appeal.Status != c.status || res.Appeal.DecidedBy != c.by || res.Appeal.DecisionNote != "核实过" {
				t.Errorf("裁决 = %+v", res.Appeal)
			}
			got := e.entry(id)
			if got.Appeal != c.status || got.Revoked() != c.revoked || e.total("ls01") != c.total {
				t.Errorf("记录 = 申诉 %s 撤销 %v，合计 %d；应为 %s %v %d", got.Appeal, got.Revoked(), e.total("ls01"), c.status, c.revoked, c.total)
			}
			if c.code != "" {
				return
			}
			if c.revoked && (got.Revocation.MsgKey != res.Appeal.DecisionMsg || !strings.Contains(got.Revocation.Reason, fmt.Sprintf("申诉 #%d", aid))) {
				t.Errorf("撤销没有关联到申诉：%+v", got.Revocation)
			}
			if st := got.StatusLabel(); st != c.status.Label() {
				t.Errorf("记录的状态 %q，应为 %q", st, c.status.Label())
			}
			toPerson := e.notice(fmt.Sprintf("appeal:%d:result", aid))
			toRecorder := e.notice(fmt.Sprintf("appeal:%d:recorder", aid))
			if !slices.Equal(toPerson.To.Users, []string{"ls01"}) || !slices.Equal(toRecorder.To.Users, []string{"wzg"}) {
				t.Errorf("结果发给了 %v 和 %v", toPerson.To.Users, toRecorder.To.Users)
			}
			if !strings.Contains(toRecorder.Body, "当时在窗口") || !strings.Contains(toPerson.Body, "核实过") {
				t.Errorf("结果通知：\n%s\n%s", toPerson.Body, toRecorder.Body)
			}
			_, err = e.svc.DecideAppeal(ctx, e.actor("zr"), e.msg("zr"), aid, !c.revoke, "改判")
			if model.ErrorCode(err) != model.ECONFLICT || !strings.Contains(model.ErrorMessage(err), "不能再改") {
				t.Errorf("第二次裁决：%v", err)
			}
		})
	}
}

// TestAppealRevokedInClosedMonthIsAnAdjustment：记录所在月份已结账时，申诉后撤销不动原记录，在本月记一笔调整，
// 调整的编号记在申诉上；同一条消息再来一次不重复记。
func TestAppealRevokedInClosedMonthIsAnAdjustment(t *testing.T) {
	e := appealEnv(t)
	ctx := context.Background()
	e.clock.Set(time.Date(2026, 10, 31, 10, 0, 0, 0, model.Shanghai))
	id := e.record("wzg", model.Deduction, []string{"李四"}, "迟到").Entries[0].ID
	e.svc.CloseWith(func(_ context.Context, m model.Month) (bool, error) { return m.Month == time.October, nil })
	e.clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, model.Shanghai))
	ap, err := e.appeal("ls01", id, "当天请了假")
	if err != nil {
		t.Fatal(err)
	}
	msg := e.msg("cgh")
	res, err := e.svc.DecideAppeal(ctx, e.actor("cgh"), msg, ap.Appeal.ID, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Adjust == nil || res.Adjust.Amount != 10 || res.Adjust.Month.Month != time.November || res.Appeal.AdjustID != res.Adjust.ID {
		t.Fatalf("调整 = %+v，申诉 = %+v", res.Adjust, res.Appeal)
	}
	orig := e.entry(id)
	if orig.Revoked() || orig.StatusLabel() != "申诉后撤销" {
		t.Errorf("原记录应不改、标为申诉后撤销：%+v", orig)
	}
	if !strings.Contains(res.Reply(), "已结账") {
		t.Errorf("答复 = %q", res.Reply())
	}
	again, err := e.svc.DecideAppeal(ctx, e.actor("cgh"), msg, ap.Appeal.ID, true, "")
	if err != nil || !again.Duplicate || again.Adjust == nil || again.Adjust.ID != res.Adjust.ID {
		t.Fatalf("同一条消息再来一次：%+v，%v", again, err)
	}
	adjs, _ := e.db.Entries(ctx, model.EntryFilter{Ref: fmt.Sprintf("adjusts:#%d", id)})
	if len(adjs) != 1 {
		t.Errorf("调整 %d 笔，应为 1", len(adjs))
	}
	n := e.notice(fmt.Sprintf("appeal:%d:result", ap.Appeal.ID))
	if !strings.Contains(n.Body, fmt.Sprintf("调整 #%d", res.Adjust.ID)) {
		t.Errorf("申诉人的通知没有说调整：%s", n.Body)
	}
}

// TestAppealDecidedOnce：两人同时裁决同一条申诉（一个维持、一个撤销），只有一个生效：
// 要么记录撤销且申诉为申诉后撤销，要么都不变且为申诉维持。
func TestAppealDecidedOnce(t *testing.T) {
	e := appealEnv(t)
	ctx := context.Background()
	id := e.record("wzg", model.Deduction, []string{"李四"}, "迟到").Entries[0].ID
	ap, err := e.appeal("ls01", id, "当时在窗口")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, by := range []string{"cgh", "zr"} {
		wg.Add(1)
		msg := e.msg(by)
		go func(i int, by string) {
			defer wg.Done()
			_, errs[i] = e.svc.DecideAppeal(ctx, e.actor(by), msg, ap.Appeal.ID, i == 1, "")
		}(i, by)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch model.ErrorCode(err) {
		case "":
			ok++
		case model.ECONFLICT:
		default:
			t.Fatalf("裁决出错：%v", err)
		}
	}
	got := e.entry(id)
	a, _ := e.db.Appeal(ctx, ap.Appeal.ID)
	if ok != 1 || got.Revoked() != (a.Status == model.AppealRevoked) || a.Status == model.AppealOpen {
		t.Errorf("%d 个裁决生效；申诉 %s，记录撤销 %v", ok, a.Status, got.Revoked())
	}
}
