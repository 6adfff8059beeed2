package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/app"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// openNoticeApp 装配一个发到假企业微信（真实 SDK）的实例，花名册有主管、员工、中心主任和副主任。
func openNoticeApp(t *testing.T, at time.Time) (*app.Main, *wecomtest.Server) {
	t.Helper()
	fake := wecomtest.NewServer(t)
	env := fakeWeCom(fake, map[string]string{
		"HONGQI_DB": testenv.MySQL(t),
	})
	m := openWithClock(t, env, model.PinClock(at, nil))
	if _, _, err := roster.Import(context.Background(), m.DB, "testdata/notice-roster.csv", model.DateOf(m.Clock.Now(), m.Clock.Location())); err != nil {
		t.Fatalf("import roster: %v", err)
	}
	return m, fake
}

// sendAll 让发送进程把发件箱里的通知全部送出。
func sendAll(t *testing.T, m *app.Main) {
	t.Helper()
	for range 5 {
		if _, err := m.Sender.RunOnce(context.Background()); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
	}
}

// 假企业微信收到的私信：标题只有一行。扣款通知是“**扣款通知**”加正文（以前是两行“**扣款通知**”）；
// 请假审批只来一张卡片，不另来文字；审批结果是“**请假已批准**”一行标题（以前先有“**请假审批结果**”）。
func TestNoticesArriveWithOneTitle(t *testing.T) {
	m, fake := openNoticeApp(t, time.Date(2026, 11, 16, 10, 0, 0, 0, model.Shanghai))

	say(t, m, "cg_sup", "扣 张三 迟到")
	sendAll(t, m)
	msgs := fake.Messages()
	if len(msgs) != 1 || msgs[0].ToUser != "cg01" || msgs[0].MsgType != "markdown" {
		t.Fatalf("扣款后企业微信收到 %+v，想要发给张三的一条 markdown", msgs)
	}
	c := msgs[0].Content
	if !strings.HasPrefix(c, "**扣款通知**\n> 事项：到岗迟到或者早退\n") || strings.Count(c, "扣款通知") != 1 {
		t.Errorf("扣款通知应以一行标题开头、标题只出现一次：\n%s", c)
	}

	reply := say(t, m, "cg01", "请假 1 天 家中有事")
	if !strings.Contains(reply, "已提交请假 #1") {
		t.Fatalf("请假回复 %q", reply)
	}
	sendAll(t, m)
	msgs = fake.Messages()[1:]
	if len(msgs) != 1 || msgs[0].MsgType != "template_card" || msgs[0].ToUser != "boss|dep" {
		t.Fatalf("请假后企业微信收到 %+v，想要发给主任和副主任的一张卡片（不另发文字）", msgs)
	}
	for _, want := range []string{"请假审批 #1", "张三（城关所）", "家中有事", "1 天", "批准 1", "驳回 1 理由", "leave:approve:1"} {
		if !strings.Contains(msgs[0].Content, want) {
			t.Errorf("审批卡片缺少“%s”：%s", want, msgs[0].Content)
		}
	}

	say(t, m, "boss", "批准 1")
	sendAll(t, m)
	var result string
	for _, msg := range fake.Messages()[2:] {
		if msg.ToUser == "cg01" {
			result = msg.Content
		}
	}
	if !strings.HasPrefix(result, "**请假已批准**\n> #1 ") || strings.Contains(result, "请假审批结果") || strings.Count(result, "请假已批准") != 1 {
		t.Errorf("审批结果应以一行“请假已批准”开头：\n%s", result)
	}
}
