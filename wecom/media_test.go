package wecom_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// fileNotice 返回一条把 data 作为 name 发给 to 的文件或图片通知。
func fileNotice(kind model.FileKind, to model.Recipient, name string, data []byte) model.Notice {
	return model.Notice{Key: "export:test", To: to, File: &model.File{Name: name, Kind: kind, Data: data}}
}

// TestSenderMedia 经真实 SDK 上传临时素材再发文件或图片消息：假企业微信收到的字节、文件名、类型与通知一致。
func TestSenderMedia(t *testing.T) {
	xlsx := bytes.Repeat([]byte("PK\x03\x04结算"), 200)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	cases := []struct {
		name string
		kind model.FileKind
		file string
		data []byte
	}{
		{"文件", model.FileDocument, "2026年11月考核结算.xlsx", xlsx},
		{"图片", model.FileImage, "证书.png", png},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			s, _ := newSender(t, srv, wecomtest.Secret)
			if err := s.Send(context.Background(), fileNotice(tc.kind, model.ToUsers("zhangsan"), tc.file, tc.data)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			ups := srv.Uploads()
			if len(ups) != 1 {
				t.Fatalf("上传了 %d 个素材，应为 1 个", len(ups))
			}
			up := ups[0]
			if up.Type != string(tc.kind) || up.Name != tc.file || up.Size != len(tc.data) || !bytes.Equal(up.Data, tc.data) {
				t.Errorf("上传的素材 类型=%s 名称=%q 大小=%d；应为 %s %q %d，内容一致", up.Type, up.Name, up.Size, tc.kind, tc.file, len(tc.data))
			}
			msgs := srv.Messages()
			if len(msgs) != 1 || msgs[0].MsgType != string(tc.kind) || msgs[0].Content != up.MediaID || msgs[0].ToUser != "zhangsan" {
				t.Fatalf("送达的消息 %+v；应为一条 %s 消息，media_id %s", msgs, tc.kind, up.MediaID)
			}
		})
	}
}

// TestSenderMediaTokenRefresh：上传或发送时 token 失效（40014/42001），换一次 token 后送达。
func TestSenderMediaTokenRefresh(t *testing.T) {
	cases := []struct {
		name    string
		breakIt func(srv *wecomtest.Server)
	}{
		{"上传时token失效", func(srv *wecomtest.Server) { srv.ExpireToken() }},
		{"上传时token过期", func(srv *wecomtest.Server) { srv.FailUploadNext(1, 42001) }},
		{"发送时token过期", func(srv *wecomtest.Server) { srv.FailNext(1, 42001) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			s, logs := newSender(t, srv, wecomtest.Secret)
			if err := s.Send(context.Background(), notice(1)); err != nil {
				t.Fatal(err)
			}
			tc.breakIt(srv)
			if err := s.Send(context.Background(), fileNotice(model.FileDocument, model.ToUsers("zhangsan"), "a.xlsx", []byte("hello world"))); err != nil {
				t.Fatalf("token 失效后 Send: %v", err)
			}
			if n := srv.TokenFetches(); n != 2 {
				t.Errorf("取了 %d 次 token，应为 2 次（换一次）", n)
			}
			msgs := srv.Messages()
			if len(msgs) != 2 || msgs[1].MsgType != "file" || msgs[1].Token != "tok-2" {
				t.Errorf("消息 %+v；第二条应为用 tok-2 发的文件", msgs)
			}
			if strings.Contains(logs.String(), "tok-") {
				t.Errorf("日志里有 token：%s", logs)
			}
		})
	}
}

// TestSenderMediaRejected：坏内容、不存在的群聊、发给群机器人的普通文件、全部无效的接收人都不再重试；暂时的故障可重试。
func TestSenderMediaRejected(t *testing.T) {
	cases := []struct {
		name      string
		n         model.Notice
		setup     func(srv *wecomtest.Server)
		permanent bool
		uploads   int
	}{
		{"种类不对", fileNotice("voice", model.ToUsers("zhangsan"), "a.amr", []byte("hello world")), nil, true, 0},
		{"内容太短", fileNotice(model.FileDocument, model.ToUsers("zhangsan"), "a.xlsx", []byte("ab")), nil, true, 0},
		{"发到不存在的群聊", fileNotice(model.FileDocument, model.ToChat("c1"), "a.xlsx", []byte("hello world")), nil, true, 1},
		{"发给群机器人", fileNotice(model.FileDocument, model.ToRobot("all"), "a.xlsx", []byte("hello world")), nil, true, 0},
		{"接收人全部无效", fileNotice(model.FileDocument, model.ToUsers("nobody"), "a.xlsx", []byte("hello world")),
			func(srv *wecomtest.Server) { srv.InvalidUsers("nobody") }, true, 1},
		{"上传时系统繁忙", fileNotice(model.FileImage, model.ToUsers("zhangsan"), "c.png", []byte("hello world")),
			func(srv *wecomtest.Server) { srv.FailUploadNext(1, -1) }, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := wecomtest.NewServer(t)
			s, _ := newSender(t, srv, wecomtest.Secret)
			if tc.setup != nil {
				tc.setup(srv)
			}
			err := s.Send(context.Background(), tc.n)
			if err == nil {
				t.Fatal("Send 应失败")
			}
			var se *wecom.SendError
			if !errors.As(err, &se) {
				t.Fatalf("错误类型 %T，应为 *wecom.SendError", err)
			}
			if model.IsPermanent(err) != tc.permanent {
				t.Errorf("Permanent=%v，应为 %v：%v", model.IsPermanent(err), tc.permanent, err)
			}
			if n := len(srv.Uploads()); n != tc.uploads {
				t.Errorf("上传了 %d 个素材，应为 %d 个", n, tc.uploads)
			}
			if len(srv.Messages()) != 0 {
				t.Errorf("不应送达任何消息：%+v", srv.Messages())
			}
		})
	}
}

// TestSenderImagesToGroups：图片能发到群机器人（base64 + md5 在消息里，假企业微信核对 MD5）和应用群聊
// （先上传素材，再发图片消息）；群里收到的正是那张图。超过 2 MB 的图片不发给群机器人。
func TestSenderImagesToGroups(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...)
	srv := wecomtest.NewServer(t)
	srv.AddRobot(robotKey)
	srv.AddChat(wecomtest.Chat{ChatID: "c1", Name: "公布群", Owner: "a", UserList: []string{"a", "b"}})
	s, _ := newTargetSender(t, srv)
	ctx := context.Background()
	if err := s.Send(ctx, fileNotice(model.FileImage, model.ToRobot("all"), "排行.png", png)); err != nil {
		t.Fatalf("群机器人：%v", err)
	}
	if err := s.Send(ctx, fileNotice(model.FileImage, model.ToChat("c1"), "排行.png", png)); err != nil {
		t.Fatalf("应用群聊：%v", err)
	}
	rm := srv.RobotMessages()
	if len(rm) != 1 || rm[0].MsgType != "image" || !bytes.Equal(rm[0].Data, png) {
		t.Errorf("群机器人收到 %+v", rm)
	}
	cm := srv.ChatMessages()
	if len(cm) != 1 || cm[0].MsgType != "image" || cm[0].ChatID != "c1" || !bytes.Equal(cm[0].Data, png) {
		t.Errorf("群聊收到 %+v", cm)
	}
	big := fileNotice(model.FileImage, model.ToRobot("all"), "大.png", bytes.Repeat([]byte{1}, wecom.MaxRobotImageBytes+1))
	if err := s.Send(ctx, big); !model.IsPermanent(err) {
		t.Errorf("超过 2 MB 的图片：%v，应不再重试", err)
	}
	if len(srv.RobotMessages()) != 1 {
		t.Error("超过 2 MB 的图片发出去了")
	}
}
