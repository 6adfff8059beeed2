package wecom_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// TestSenderMarkStartsEveryMessage：演练数据库的发送者（Mark 为“【演练】”）发出的每条消息都以它开头，且只有一次——
// 文本、markdown（标题在前时也是）、模板卡片的主标题、群机器人、应用群聊、文件名；长消息加上标记后仍不超过 2048 字节。
func TestSenderMarkStartsEveryMessage(t *testing.T) {
	const mark = "【演练】"
	srv := wecomtest.NewServer(t)
	srv.AddChat(wecomtest.Chat{ChatID: "hongqi-all", Owner: "boss", UserList: []string{"boss", "zhangsan"}})
	srv.AddRobot(robotKey)
	log, _ := newLogger()
	s, err := wecom.NewSender(wecom.SenderConfig{Clock: model.SystemClock(nil),
		CorpID: wecomtest.CorpID, AgentID: "1000002", Secret: wecomtest.Secret,
		APIBase: srv.URL(), Cache: wecom.NewMemoryCache(model.SystemClock(nil)), HTTPTimeout: 5 * time.Second, Log: log,
		Robots: map[string]string{"all": robotKey}, Mark: mark,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	for _, n := range []model.Notice{
		{Key: "t", To: model.ToUsers("zhangsan"), Plain: true, Body: "扣款通知"},
		{Key: "m", To: model.ToUsers("zhangsan"), Title: "2026年12月考核结算单", Body: "> 合计 0 元"},
		{Key: "long", To: model.ToUsers("zhangsan"), Plain: true, Body: strings.Repeat("长", 1000)},
		{Key: "c", To: model.ToUsers("boss"), Title: "周服务红旗标杆岗提名",
			Card: &model.Card{TaskID: "flag-7", Description: "请确认", Buttons: []model.Button{{Text: "确认红旗", Key: "flag:confirm:7"}}}},
		announce(model.ToRobot("all"), false),
		announce(model.ToChat("hongqi-all"), true),
		fileNotice(model.FileImage, model.ToUsers("zhangsan"), "证书.png", png),
	} {
		if err := s.Send(ctx, n); err != nil {
			t.Fatalf("Send %s: %v", n.Key, err)
		}
	}
	starts := func(what, content string) {
		t.Helper()
		if !strings.HasPrefix(content, mark) || strings.Count(content, mark) != 1 {
			t.Errorf("%s does not start with %s exactly once: %.80q", what, mark, content)
		}
	}
	for _, m := range srv.Messages() {
		switch m.MsgType {
		case "text", "markdown":
			starts(m.MsgType, m.Content)
			if len(m.Content) > wecom.MaxContentBytes {
				t.Errorf("%d bytes with the mark, over %d", len(m.Content), wecom.MaxContentBytes)
			}
		case "template_card":
			var req struct {
				Card struct {
					MainTitle struct{ Title string } `json:"main_title"`
					TaskID    string                 `json:"task_id"`
				} `json:"template_card"`
			}
			if err := json.Unmarshal(m.Raw, &req); err != nil {
				t.Fatal(err)
			}
			starts("card title", req.Card.MainTitle.Title)
			if req.Card.TaskID != "flag-7" {
				t.Errorf("card lost its task_id: %s", m.Raw)
			}
		}
	}
	if got := len(srv.Messages()); got != 5 {
		t.Errorf("%d app messages, want 5 (text, markdown, long text, card, image)", got)
	}
	for _, m := range srv.RobotMessages() {
		starts("robot", m.Content)
	}
	for _, m := range srv.ChatMessages() {
		starts("app chat", m.Content)
	}
	for _, u := range srv.Uploads() {
		starts("file name", u.Name)
	}
	if len(srv.RobotMessages()) != 1 || len(srv.ChatMessages()) != 1 || len(srv.Uploads()) != 1 {
		t.Errorf("robot %d, chat %d, uploads %d; want one each", len(srv.RobotMessages()), len(srv.ChatMessages()), len(srv.Uploads()))
	}
}
