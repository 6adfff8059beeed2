package wecom_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// leaveCard 是一张请假审批卡片（与 leave 包发的形状相同）。
func leaveCard(to model.Recipient) model.Notice {
	return model.Notice{Key: "leave:3:card", To: to, Title: "请假审批 #3",
		Card: &model.Card{
			Source: "红旗考核 · 请假审批", Subtitle: "张三（城关所）",
			Description: "点“批准”或“驳回”；也可以回复“批准 3”或“驳回 3 理由”。",
			Lines:       []model.CardLine{{Key: "时间", Value: "11月28日–11月30日"}, {Key: "事由", Value: "探亲"}},
			Buttons: []model.Button{{Text: "批准", Key: "leave:approve:3", Style: model.ButtonPrimary},
				{Text: "驳回", Key: "leave:reject:3", Style: model.ButtonSecondary}},
			TaskID: "leave-3",
		}}
}

// 每条通知到达企业微信时标题只有一行：markdown 为粗体首行，文本为首行；去处不同（成员、群聊、群机器人）也一样。
func TestTitleArrivesOnce(t *testing.T) {
	cases := []struct {
		name string
		n    model.Notice
		want string
	}{
		{"markdown 私信", model.Notice{Key: "entry:1", To: model.ToUsers("zhangsan"), Title: "扣款通知", Body: "> 事项：迟到"},
			"**扣款通知**\n> 事项：迟到"},
		{"文本私信", model.Notice{Key: "draft:1", To: model.ToUsers("zhangsan"), Plain: true, Title: "11月结算草稿", Body: "合计 0 元"},
			"11月结算草稿\n合计 0 元"},
		{"只有标题", model.Notice{Key: "t:1", To: model.ToUsers("zhangsan"), Title: "已发布"}, "**已发布**"},
		{"群机器人", model.Notice{Key: "flag:1:announce", To: model.ToRobot("all"), Title: "流动红旗｜第45周", Body: "获旗：张三"},
			"**流动红旗｜第45周**\n获旗：张三"},
		{"应用群聊", model.Notice{Key: "flag:1:announce", To: model.ToChat("hongqi-all"), Title: "流动红旗｜第45周", Body: "获旗：张三"},
			"**流动红旗｜第45周**\n获旗：张三"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			srv.AddRobot(robotKey)
			srv.AddChat(wecomtest.Chat{ChatID: "hongqi-all", Owner: "boss", UserList: []string{"boss", "zhangsan"}})
			s, _ := newTargetSender(t, srv)
			if err := s.Send(context.Background(), tc.n); err != nil {
				t.Fatalf("Send: %v", err)
			}
			var got []string
			for _, m := range srv.Messages() {
				got = append(got, m.Content)
			}
			for _, m := range srv.RobotMessages() {
				got = append(got, m.Content)
			}
			for _, m := range srv.ChatMessages() {
				got = append(got, m.Content)
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("企业微信收到 %q，应为一条 %q", got, tc.want)
			}
			if strings.Count(got[0], tc.n.Title) != 1 {
				t.Errorf("标题“%s”出现了 %d 次", tc.n.Title, strings.Count(got[0], tc.n.Title))
			}
		})
	}
}

// 发给成员的卡片只发一条模板卡片，文字都在卡片上；群机器人和应用群聊发不了卡片，收到由卡片文字生成的纯文本。
func TestCardAloneWithTextFallback(t *testing.T) {
	srv := wecomtest.NewServer(t)
	srv.AddRobot(robotKey)
	srv.AddChat(wecomtest.Chat{ChatID: "hongqi-all", Owner: "boss", UserList: []string{"boss", "zhangsan"}})
	s, _ := newTargetSender(t, srv)
	ctx := context.Background()
	if err := s.Send(ctx, leaveCard(model.ToUsers("boss", "deputy"))); err != nil {
		t.Fatalf("Send card: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].MsgType != "template_card" || msgs[0].ToUser != "boss|deputy" {
		t.Fatalf("应用消息 = %+v，应为一条模板卡片", msgs)
	}
	var card struct {
		CardType string `json:"card_type"`
		Source   struct {
			Desc string `json:"desc"`
		} `json:"source"`
		MainTitle struct {
			Title string `json:"title"`
			Desc  string `json:"desc"`
		} `json:"main_title"`
		SubTitle   string `json:"sub_title_text"`
		Horizontal []struct {
			KeyName string `json:"keyname"`
			Value   string `json:"value"`
		} `json:"horizontal_content_list"`
		TaskID  string `json:"task_id"`
		Buttons []struct {
			Text  string `json:"text"`
			Style int    `json:"style"`
			Key   string `json:"key"`
		} `json:"button_list"`
	}
	if err := json.Unmarshal([]byte(msgs[0].Content), &card); err != nil {
		t.Fatal(err)
	}
	if card.CardType != "button_interaction" || card.MainTitle.Title != "请假审批 #3" || card.MainTitle.Desc != "张三（城关所）" ||
		card.Source.Desc != "红旗考核 · 请假审批" || !strings.Contains(card.SubTitle, "回复“批准 3”") || card.TaskID != "leave-3" {
		t.Errorf("卡片 = %s", msgs[0].Content)
	}
	if len(card.Horizontal) != 2 || card.Horizontal[1].KeyName != "事由" || card.Horizontal[1].Value != "探亲" {
		t.Errorf("卡片的键值行 = %+v", card.Horizontal)
	}
	if len(card.Buttons) != 2 || card.Buttons[0].Style != 1 || card.Buttons[1].Style != 2 || card.Buttons[1].Key != "leave:reject:3" {
		t.Errorf("卡片的按钮 = %+v", card.Buttons)
	}

	want := "请假审批 #3\n张三（城关所）\n点“批准”或“驳回”；也可以回复“批准 3”或“驳回 3 理由”。\n时间：11月28日–11月30日\n事由：探亲"
	if err := s.Send(ctx, leaveCard(model.ToRobot("all"))); err != nil {
		t.Fatalf("Send card to robot: %v", err)
	}
	if err := s.Send(ctx, leaveCard(model.ToChat("hongqi-all"))); err != nil {
		t.Fatalf("Send card to app chat: %v", err)
	}
	if rm := srv.RobotMessages(); len(rm) != 1 || rm[0].MsgType != "text" || rm[0].Content != want {
		t.Errorf("群机器人收到 %+v，应为纯文本 %q", rm, want)
	}
	if cm := srv.ChatMessages(); len(cm) != 1 || cm[0].MsgType != "text" || cm[0].Content != want {
		t.Errorf("应用群聊收到 %+v，应为纯文本 %q", cm, want)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("应用消息 %d 条，应只有那一张卡片", n)
	}
}

// 只写日志时也写同样的纯文本：标题一次，卡片上的文字；文件只写名字和大小。
func TestLogNotifierWritesPlainText(t *testing.T) {
	log, buf := newLogger()
	ln := wecom.LogNotifier{Log: log}
	if ln.Status() != model.NoticeLogged {
		t.Errorf("Status = %s", ln.Status())
	}
	ctx := context.Background()
	if err := ln.Send(ctx, leaveCard(model.ToUsers("boss"))); err != nil {
		t.Fatal(err)
	}
	if err := ln.Send(ctx, model.Notice{Key: "entry:1", To: model.ToUsers("zhangsan"), Title: "扣款通知", Body: "> 事项：迟到"}); err != nil {
		t.Fatal(err)
	}
	lines := buf.Lines()
	if len(lines) != 2 {
		t.Fatalf("日志 %d 行：%s", len(lines), buf)
	}
	for _, want := range []string{"to=boss", "请假审批 #3", "事由：探亲", "回复“批准 3”"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("卡片的日志缺少 %q：%s", want, lines[0])
		}
	}
	if strings.Contains(lines[0], "leave:approve") {
		t.Errorf("日志里有按钮的 key：%s", lines[0])
	}
	if strings.Count(lines[1], "扣款通知") != 1 {
		t.Errorf("标题应只出现一次：%s", lines[1])
	}
}

// 卡片的纯文本：标题、副标题、说明、键值行、引用区，各占一行；空的略过。
func TestPlainText(t *testing.T) {
	n := leaveCard(model.ToUsers("boss"))
	n.Card.Quote = "张三：满意度 96%\n李四：满意度 95%"
	n.Card.Subtitle = ""
	got := wecom.PlainText(n)
	want := "请假审批 #3\n点“批准”或“驳回”；也可以回复“批准 3”或“驳回 3 理由”。\n时间：11月28日–11月30日\n事由：探亲\n张三：满意度 96%\n李四：满意度 95%"
	if got != want {
		t.Errorf("PlainText = %q，应为 %q", got, want)
	}
}
