package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// TestAppealThroughSignedCallback 是申诉的全流程，全部经签名加密的回调（生产装配、MariaDB、Redis）：
// 主管记一笔扣款，员工收到的通知说怎样申诉；员工“申诉 编号 理由”，所长（记录人的上级）在假企业微信收到一张
// 带“维持”“撤销”按钮的卡片（只有卡片，不另发文字）；记录人自己点按钮被拒绝；所长点“撤销”，记录标为
// 申诉后撤销、合计变了，员工和记录人各收到一条结果；企业微信重发同一次点击不再处理。
func TestAppealThroughSignedCallback(t *testing.T) {
	fake := wecomtest.NewServer(t)
	env := flagEnv(t, fake)
	clk := model.PinClock(time.Date(2026, 11, 18, 9, 0, 0, 0, model.Shanghai), nil)
	_, prefix := testenv.Redis(t)
	a := startAppReplica(t, env, prefix, clk)
	ctx := context.Background()
	if _, _, err := roster.Import(ctx, a.m.DB, "testdata/appeal-roster.csv", model.DateOf(clk.Now(), clk.Location())); err != nil {
		t.Fatal(err)
	}

	reply := a.say(t, clk, "cg_sup", "扣 张三 迟到")
	m := regexp.MustCompile(`已记录 #(\d+)`).FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("扣 张三 迟到 → %q", reply)
	}
	id := m[1]
	drainApp(t, a)
	told := messagesTo(fake, "cg01")
	if len(told) != 1 || !strings.Contains(told[0].Content, "回复“申诉 "+id+" 理由”") {
		t.Fatalf("张三收到的记录通知没有说怎样申诉：%+v", told)
	}

	clk.Advance(2 * time.Hour)
	reply = a.say(t, clk, "cg01", "申诉 "+id+" 当时在窗口办理业务，有监控")
	if !strings.Contains(reply, "已提交申诉 #1") || !strings.Contains(reply, "陈所长（城关所所长）") {
		t.Fatalf("申诉 → %q", reply)
	}
	drainApp(t, a)
	toHead := messagesTo(fake, "cg_head")
	if len(toHead) != 1 || toHead[0].MsgType != "template_card" {
		t.Fatalf("所长应只收到一张卡片，收到 %+v", toHead)
	}
	var card struct {
		MainTitle struct{ Title string }            `json:"main_title"`
		SubTitle  string                            `json:"sub_title_text"`
		TaskID    string                            `json:"task_id"`
		Lines     []struct{ Keyname, Value string } `json:"horizontal_content_list"`
		Buttons   []struct{ Text, Key string }      `json:"button_list"`
	}
	if err := json.Unmarshal([]byte(toHead[0].Content), &card); err != nil {
		t.Fatal(err)
	}
	if card.MainTitle.Title != "申诉待处理 #1" || card.TaskID != "appeal-1" || len(card.Buttons) != 2 ||
		card.Buttons[0].Text != "维持" || card.Buttons[1].Text != "撤销" || card.Buttons[1].Key != "appeal:revoke:1" {
		t.Fatalf("卡片 = %+v", card)
	}
	if !strings.Contains(toHead[0].Content, "当时在窗口办理业务，有监控") || !strings.Contains(toHead[0].Content, "王主管") {
		t.Errorf("卡片上没有理由或记录人：%s", toHead[0].Content)
	}

	click := func(from, key string) string {
		return a.post(t, wecomtest.TemplateCardEvent(wecomtest.CorpID, from, key, card.TaskID, "1000002", clk.Now()), clk.Now())
	}
	if r := click("cg_sup", "appeal:keep:1"); !strings.Contains(r, "记录人不能处理") {
		t.Errorf("记录人点“维持”：%q", r)
	}
	if r := click("cg01", "appeal:revoke:1"); !strings.Contains(r, "不能处理自己的申诉") {
		t.Errorf("申诉人点“撤销”：%q", r)
	}
	decided := click("cg_head", "appeal:revoke:1")
	if !strings.Contains(decided, "申诉 #1 成立：已撤销 #"+id) {
		t.Fatalf("所长点“撤销”：%q", decided)
	}
	// 企业微信重发同一次点击：得到存下的同一句回复，不再处理（下面的通知各只有一条）。
	if r := click("cg_head", "appeal:revoke:1"); r != decided {
		t.Errorf("重发的点击得到 %q，应与第一次相同：%q", r, decided)
	}
	drainApp(t, a)

	results := map[string][]wecomtest.SentMessage{"cg01": messagesTo(fake, "cg01")[1:], "cg_sup": messagesTo(fake, "cg_sup")}
	for who, want := range map[string]string{"cg01": "申诉结果：已撤销", "cg_sup": "申诉结果"} {
		if len(results[who]) != 1 || !strings.Contains(results[who][0].Content, want) || !strings.Contains(results[who][0].Content, "陈所长") {
			t.Errorf("%s 应收到一条“%s”：%+v", who, want, results[who])
		}
	}
	// 记录编号在 markdown 里照常写“#”：只有用户写的文字换成全角。
	for who, msgs := range results {
		if len(msgs) == 1 && (!strings.Contains(msgs[0].Content, "#"+id+"（") || strings.Contains(msgs[0].Content, "＃")) {
			t.Errorf("%s 收到的结果里记录编号应写作 #%s：%s", who, id, msgs[0].Content)
		}
	}
	if r := a.say(t, clk, "cg01", "查"); !strings.Contains(r, "申诉后撤销") || !strings.Contains(r, "合计 0 元") {
		t.Errorf("查 → %q", r)
	}
	ap, err := a.m.DB.Appeal(ctx, 1)
	if err != nil || ap.Status != model.AppealRevoked || ap.DecidedBy != "cg_head" || !ap.Entry.Revoked() {
		t.Errorf("申诉 = %+v，%v", ap, err)
	}
	if r := a.say(t, clk, "cg01", "申诉 "+id+" 再申诉一次"); !strings.Contains(r, "已撤销") {
		t.Errorf("撤销后再申诉：%q", r)
	}
	if want := "card:appeal-1:appeal:revoke:1:cg_head"; ap.DecisionMsg != want {
		t.Errorf("裁决的消息 %q，应为按钮事件 %q", ap.DecisionMsg, want)
	}
}

// messagesTo 返回假企业微信收到的、发给 user 的应用消息（按先后）。
func messagesTo(fake *wecomtest.Server, user string) []wecomtest.SentMessage {
	var out []wecomtest.SentMessage
	for _, m := range fake.Messages() {
		for _, u := range strings.Split(m.ToUser, "|") {
			if u == user {
				out = append(out, m)
			}
		}
	}
	return out
}
