package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// cardStep 是一步操作：from 发一句话（text），或点卡片 task 上的按钮 click（code：回调带一个假企业微信
// 发出的 response_code，否则带一个它不认的）；回复应含 want。
type cardStep struct {
	from, text  string
	click, task string
	code        bool
	want        string
}

// TestCardsShowTheOutcome：一张请假或申诉卡片发给两位审批人（主任、副主任），一人做了决定——点按钮、发命令，
// 或请假人销假——之后假企业微信恰好收到一次 update_template_card：用发送卡片时的 response_code，
// 更新两个人的卡片，按钮换成结果（“已批准（张主任）”）。后点的人得到“已处理”的回复，不再更新。
// 发卡片 72 小时之后的决定不再用过期的 code（不调用、不报错、通知照常记为已送）。
// 全部经签名加密的回调、真实 SDK 对假企业微信、MariaDB 和 Redis。
func TestCardsShowTheOutcome(t *testing.T) {
	leaveCard := []cardStep{{from: "cg01", text: "请假 1 天 家中有事", want: "已提交请假 #1"}}
	appealCard := []cardStep{
		{from: "cg_head", text: "扣 张三 迟到", want: "已记录 #1"},
		{from: "cg01", text: "申诉 1 当时在窗口办理业务", want: "已提交申诉 #1"},
	}
	tests := []struct {
		name   string
		card   []cardStep
		later  time.Duration // 发出卡片之后过多久才决定
		decide []cardStep
		task   string
		want   string // 按钮换成的文字；空：不应调用 update_template_card
	}{
		{
			name: "批准 clicked, the other approver clicks too late",
			card: leaveCard,
			decide: []cardStep{
				{from: "zr", click: "leave:approve:1", task: "leave-1", want: "已批准请假 #1"},
				{from: "fzr", click: "leave:approve:1", task: "leave-1", want: "请假 #1 已于 11月18日 09:00 由张主任批准，不用再审批。"},
			},
			task: "leave-1", want: "已批准（张主任）",
		},
		{
			name:   "驳回 by chat command",
			card:   leaveCard,
			decide: []cardStep{{from: "fzr", text: "驳回 1 月底业务忙", want: "已驳回请假 #1"}},
			task:   "leave-1", want: "已驳回（高副主任）",
		},
		{
			name:   "withdrawn by 销假 before anyone decided",
			card:   leaveCard,
			decide: []cardStep{{from: "cg01", text: "销假", want: ""}},
			task:   "leave-1", want: "已撤回",
		},
		{
			name: "appeal 撤销 by chat command",
			card: appealCard,
			decide: []cardStep{
				{from: "zr", text: "申诉 撤销 1 监控属实", want: "申诉 #1 成立：已撤销 #1"},
				{from: "fzr", click: "appeal:keep:1", task: "appeal-1", want: "由张主任处理（撤销记录），不能再改"},
			},
			task: "appeal-1", want: "已撤销（张主任）",
		},
		{
			name:   "appeal 维持 clicked",
			card:   appealCard,
			decide: []cardStep{{from: "fzr", click: "appeal:keep:1", task: "appeal-1", want: "申诉 #1 不成立"}},
			task:   "appeal-1", want: "已维持（高副主任）",
		},
		{
			name:   "a late click's code is used when the send's has expired",
			card:   leaveCard,
			later:  73 * time.Hour,
			decide: []cardStep{{from: "zr", click: "leave:reject:1", task: "leave-1", code: true, want: "已驳回请假 #1"}},
			task:   "leave-1", want: "已驳回（张主任）",
		},
		{
			name:   "a code older than 72 hours is not used",
			card:   leaveCard,
			later:  73 * time.Hour,
			decide: []cardStep{{from: "zr", text: "批准 1", want: "已批准请假 #1"}},
			task:   "leave-1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := wecomtest.NewServer(t)
			clk := model.PinClock(time.Date(2026, 11, 18, 9, 0, 0, 0, model.Shanghai), nil)
			fake.SetNow(clk.Now)
			_, prefix := testenv.Redis(t)
			a := startAppReplica(t, cardEnv(t, fake), prefix, clk)
			ctx := context.Background()
			if _, _, err := roster.Import(ctx, a.m.DB, "testdata/cards-roster.csv", model.DateOf(clk.Now(), clk.Location())); err != nil {
				t.Fatal(err)
			}
			run := func(steps []cardStep) {
				t.Helper()
				for _, s := range steps {
					var reply string
					switch {
					case s.click != "" && s.code:
						code := fake.ClickCode(s.task, s.from)
						reply = a.post(t, wecomtest.TemplateCardEventCode(wecomtest.CorpID, s.from, s.click, s.task, "1000002", code, clk.Now()), clk.Now())
					case s.click != "":
						reply = a.post(t, wecomtest.TemplateCardEvent(wecomtest.CorpID, s.from, s.click, s.task, "1000002", clk.Now()), clk.Now())
					default:
						reply = a.say(t, clk, s.from, s.text)
					}
					if !strings.Contains(reply, s.want) {
						t.Fatalf("%s %s%s → %q, want %q", s.from, s.text, s.click, reply, s.want)
					}
					drainApp(t, a)
				}
			}
			run(tt.card)
			for _, who := range []string{"zr", "fzr"} {
				if got := cardsTo(fake, who, tt.task); got != 1 {
					t.Fatalf("%s received %d cards %s, want 1", who, got, tt.task)
				}
			}
			clk.Advance(tt.later)
			run(tt.decide)

			got := fake.CardUpdates()
			if tt.want == "" {
				if len(got) != 0 || fake.UpdateCalls() != 0 {
					t.Fatalf("update_template_card called %d times (%+v), want none", fake.UpdateCalls(), got)
				}
				n := noticeByKey(t, a, "card:"+tt.task)
				if n.Status != model.NoticeSent {
					t.Errorf("card update notice is %s (%s), want sent (skipped without retrying)", n.Status, n.LastError)
				}
				return
			}
			if len(got) != 1 || fake.UpdateCalls() != 1 {
				t.Fatalf("fake WeCom got %d update_template_card in %d calls, want exactly 1: %+v", len(got), fake.UpdateCalls(), got)
			}
			u := got[0]
			users := slices.Sorted(slices.Values(u.UserIDs))
			if u.TaskID != tt.task || u.ReplaceName != tt.want || !slices.Equal(users, []string{"fzr", "zr"}) || u.AgentID != 1000002 {
				t.Errorf("update = task %s, %q for %v (agent %d); want task %s, %q for both approvers",
					u.TaskID, u.ReplaceName, u.UserIDs, u.AgentID, tt.task, tt.want)
			}
		})
	}
}

// cardEnv 是卡片测试的设置：企业微信（回调和发消息）指向假服务器，MariaDB、Redis。
func cardEnv(t *testing.T, fake *wecomtest.Server) map[string]string {
	t.Helper()
	redisURL, _ := testenv.Redis(t)
	return fakeWeCom(fake, map[string]string{
		"HONGQI_DB":    testenv.MySQL(t),
		"HONGQI_REDIS": redisURL,
	})
}

// cardsTo 数 user 收到的 task_id 为 task 的模板卡片。
func cardsTo(fake *wecomtest.Server, user, task string) int {
	n := 0
	for _, m := range messagesTo(fake, user) {
		if m.MsgType == "template_card" && strings.Contains(m.Content, `"task_id":"`+task+`"`) {
			n++
		}
	}
	return n
}

// noticeByKey 返回发件箱里 Key 为 key 的通知。
func noticeByKey(t *testing.T, a *appReplica, key string) model.Notice {
	t.Helper()
	ns, err := a.m.DB.Notices(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Key == key {
			return n
		}
	}
	t.Fatalf("no notice %s", key)
	return model.Notice{}
}
