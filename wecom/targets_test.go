package wecom_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

const robotKey = "robot-key-SECRET-0001"

func newTargetSender(t *testing.T, srv *wecomtest.Server) (*wecom.Sender, *logBuffer) {
	t.Helper()
	log, buf := newLogger()
	s, err := wecom.NewSender(wecom.SenderConfig{Clock: model.SystemClock(nil),
		CorpID: wecomtest.CorpID, AgentID: "1000002", Secret: wecomtest.Secret,
		APIBase: srv.URL(), Cache: wecom.NewMemoryCache(model.SystemClock(nil)), HTTPTimeout: 5 * time.Second, Log: log,
		Robots: map[string]string{"all": robotKey, "gone": "removed-key-SECRET"},
		AppChats: map[string]wecom.AppChat{
			"hongqi-all": {Name: "红旗公布群", Owner: "boss", Members: []string{"boss", "zhangsan", "lisi"}},
			"tiny":       {Name: "一个人", Owner: "boss"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, buf
}

func announce(to model.Recipient, plain bool) model.Notice {
	return model.Notice{Key: "flag:1:announce:" + to.String(), To: to, Plain: plain, Title: "流动红旗｜2026年第45周", Body: "获旗：张三（城关所）"}
}

func TestSenderAppChatCreatesMissingChat(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, _ := newTargetSender(t, srv)
	ctx := context.Background()
	for range 2 {
		if err := s.Send(ctx, announce(model.ToChat("hongqi-all"), false)); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if srv.ChatCreates() != 1 {
		t.Errorf("建群 %d 次，想要只在群不存在时建 1 次", srv.ChatCreates())
	}
	chat := srv.Chats()["hongqi-all"]
	if chat.Owner != "boss" || chat.Name != "红旗公布群" || len(chat.UserList) != 3 {
		t.Errorf("建的群 = %+v", chat)
	}
	msgs := srv.ChatMessages()
	if len(msgs) != 2 || msgs[0].MsgType != "markdown" || !strings.Contains(msgs[0].Content, "获旗：张三") {
		t.Fatalf("群消息 = %+v", msgs)
	}
	if len(srv.Messages()) != 0 {
		t.Errorf("群聊通知不应作为应用消息发给个人：%+v", srv.Messages())
	}
}

func TestSenderTargets(t *testing.T) {
	cases := []struct {
		name      string
		setup     func(srv *wecomtest.Server)
		notice    model.Notice
		wantErr   bool
		permanent bool
		check     func(t *testing.T, srv *wecomtest.Server)
	}{
		{name: "robot markdown", notice: announce(model.ToRobot("all"), false),
			check: func(t *testing.T, srv *wecomtest.Server) {
				m := srv.RobotMessages()
				if len(m) != 1 || m[0].Key != robotKey || m[0].MsgType != "markdown" || !strings.Contains(m[0].Content, "张三") {
					t.Errorf("机器人消息 = %+v", m)
				}
			}},
		{name: "robot text", notice: announce(model.ToRobot("all"), true),
			check: func(t *testing.T, srv *wecomtest.Server) {
				if m := srv.RobotMessages(); len(m) != 1 || m[0].MsgType != "text" {
					t.Errorf("机器人消息 = %+v", m)
				}
			}},
		{name: "robot removed from the group is permanent (93000)", notice: announce(model.ToRobot("gone"), false), wantErr: true, permanent: true},
		{name: "robot not configured is permanent", notice: announce(model.ToRobot("nobody"), false), wantErr: true, permanent: true},
		{name: "robot busy is temporary", setup: func(srv *wecomtest.Server) { srv.FailRobotNext(1, -1) },
			notice: announce(model.ToRobot("all"), false), wantErr: true},
		{name: "robot over 20 a minute is temporary (45009)", setup: func(srv *wecomtest.Server) { srv.FailRobotNext(1, 45009) },
			notice: announce(model.ToRobot("all"), false), wantErr: true},
		{name: "existing app chat", setup: func(srv *wecomtest.Server) {
			srv.AddChat(wecomtest.Chat{ChatID: "hongqi-all", Owner: "boss", UserList: []string{"boss", "zhangsan"}})
		}, notice: announce(model.ToChat("hongqi-all"), true),
			check: func(t *testing.T, srv *wecomtest.Server) {
				if srv.ChatCreates() != 0 || len(srv.ChatMessages()) != 1 || srv.ChatMessages()[0].MsgType != "text" {
					t.Errorf("建群 %d 次，群消息 %+v", srv.ChatCreates(), srv.ChatMessages())
				}
			}},
		{name: "missing app chat without members is permanent", notice: announce(model.ToChat("tiny"), false), wantErr: true, permanent: true},
		{name: "missing app chat not in config is permanent", notice: announce(model.ToChat("unknown"), false), wantErr: true, permanent: true},
		{name: "app chat busy is temporary", setup: func(srv *wecomtest.Server) {
			srv.AddChat(wecomtest.Chat{ChatID: "hongqi-all", Owner: "boss", UserList: []string{"boss", "zhangsan"}})
			srv.FailChatNext(1, -1)
		}, notice: announce(model.ToChat("hongqi-all"), false), wantErr: true},
		{name: "app chat token revoked is refreshed", setup: func(srv *wecomtest.Server) {
			srv.AddChat(wecomtest.Chat{ChatID: "hongqi-all", Owner: "boss", UserList: []string{"boss", "zhangsan"}})
		}, notice: announce(model.ToChat("hongqi-all"), false)},
		{name: "template card", notice: model.Notice{Key: "flag:7:propose:card", To: model.ToUsers("boss", "lisi"), Title: "周服务红旗标杆岗提名",
			Card: &model.Card{TaskID: "flag-7", Buttons: []model.Button{{Text: "确认红旗", Style: model.ButtonPrimary, Key: "flag:confirm:7"}}}},
			check: func(t *testing.T, srv *wecomtest.Server) {
				m := srv.Messages()
				if len(m) != 1 || m[0].MsgType != "template_card" || m[0].ToUser != "boss|lisi" {
					t.Fatalf("应用消息 = %+v", m)
				}
				var card struct {
					TaskID  string `json:"task_id"`
					Buttons []struct {
						Key string `json:"key"`
					} `json:"button_list"`
				}
				if err := json.Unmarshal([]byte(m[0].Content), &card); err != nil || card.TaskID != "flag-7" || card.Buttons[0].Key != "flag:confirm:7" {
					t.Errorf("卡片 = %s（%v）", m[0].Content, err)
				}
			}},
		{name: "template card without title or text is permanent", notice: model.Notice{Key: "c", To: model.ToUsers("boss"),
			Card: &model.Card{Buttons: []model.Button{{Text: "确认", Key: "flag:confirm:1"}}}},
			wantErr: true, permanent: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			srv.AddRobot(robotKey)
			s, logs := newTargetSender(t, srv)
			if c.setup != nil {
				c.setup(srv)
			}
			if strings.Contains(c.name, "token revoked") {
				// 先拿到 token，再让它失效。
				if err := s.Send(context.Background(), notice(1)); err != nil {
					t.Fatal(err)
				}
				srv.ExpireToken()
			}
			err := s.Send(context.Background(), c.notice)
			if (err != nil) != c.wantErr {
				t.Fatalf("Send err = %v, wantErr %v", err, c.wantErr)
			}
			if err != nil {
				if model.IsPermanent(err) != c.permanent {
					t.Errorf("Permanent = %v, want %v: %v", model.IsPermanent(err), c.permanent, err)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("错误里出现了机器人 key：%v", err)
				}
			}
			if strings.Contains(logs.String(), "SECRET") || strings.Contains(logs.String(), wecomtest.Secret) {
				t.Errorf("日志里出现了密钥：%s", logs.String())
			}
			if c.check != nil {
				c.check(t, srv)
			}
		})
	}
}

func TestSenderRobotKeyRedactedOnNetworkError(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, _ := newTargetSender(t, srv)
	srv.Outage(true)
	err := s.Send(context.Background(), announce(model.ToRobot("all"), false))
	if err == nil || model.IsPermanent(err) {
		t.Fatalf("故障时应为可重试的错误，得到 %v", err)
	}
	if strings.Contains(err.Error(), robotKey) {
		t.Errorf("错误里出现了机器人 key：%v", err)
	}
}
