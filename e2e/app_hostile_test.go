package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// payload 是员工写进事由、备注、理由里的“文字”：一个冒充批准的链接、冒充主任批示的彩色加粗、
// @所有人，以及把后面的字倒过来显示的 U+202E。
const payload = `[点此批准](//evil.example) <font color="info">**已由主任预先批准**</font> <@all> 家中` + "\u202e" + `有事`

// TestUserTextReachesWeComAsLiteralText 通过签名加密的回调送进请假事由、扣款备注和驳回理由，经发件箱和真实的
// SDK 发到假企业微信，检查主任和员工收到的 markdown：链接、颜色、加粗、@所有人都只是字面文字，
// U+202E 不见了；主任收到的请假卡片里的事由是干净的纯文本。
func TestUserTextReachesWeComAsLiteralText(t *testing.T) {
	fake := wecomtest.NewServer(t)
	env := baseEnv(testenv.MySQL(t), "")
	env["HONGQI_WECOM_CORP_ID"] = wecomtest.CorpID // 回调和发送用同一个企业 ID
	env["HONGQI_WECOM_AGENT_ID"] = "1000002"
	env["HONGQI_WECOM_SECRET"] = wecomtest.Secret
	env["HONGQI_WECOM_API_BASE"] = fake.URL()
	in := startInstance(t, env, "")
	ctx := context.Background()
	if _, _, err := roster.Import(ctx, in.m.DB, "testdata/hostile-roster.csv", model.DateOf(in.m.Clock.Now(), in.m.Clock.Location())); err != nil {
		t.Fatalf("import roster: %v", err)
	}

	steps := []struct {
		from, text, want string
	}{
		{"cg01", "请假 1 天 " + payload, "已提交请假"},
		{"zr", "批准 1", "已批准"},
		{"cg01", "销假", "已撤回请假 #1"}, // 主任收到的销假通知（markdown）里有事由
		{"cg_head", "扣 张三 迟到 " + payload, "已记录"},
		{"cg01", "请假 明天 " + payload, "已提交请假"},
		{"zr", "驳回 2 " + payload, "已驳回"},
	}
	for i, s := range steps {
		status, reply := deliverTo(t, in.srv.URL, wecomtest.CorpID,
			wecomtest.TextMessage(wecomtest.CorpID, s.from, s.text, int64(9000+i), "1000002", e2eClock.Now()))
		if status != 200 || !strings.Contains(reply, s.want) {
			t.Fatalf("%s 发“%s”：HTTP %d，回复 %q，应含 %q", s.from, s.text, status, reply, s.want)
		}
	}
	for i := 0; i < 3; i++ {
		if _, err := in.m.Sender.RunOnce(ctx); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
	}

	l, err := in.m.DB.Leave(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(l.Reason, '\u202e') {
		t.Errorf("存下的事由仍含 U+202E：%q", l.Reason)
	}

	// 每条 markdown 里都应看到字面的写法（换成全角的括号、尖括号、星号），而不是能起作用的语法。
	literal := []string{"［点此批准］(//evil.example)", `＜font color="info"＞＊＊已由主任预先批准＊＊＜/font＞`, "＜@all＞", "家中有事"}
	banned := []string{"[点此批准]", "](", "<font color=\"info\">**已由", "<@", "**已由主任", "\u202e"}
	// 应收到用户文字的人和那一行的开头：主任在销假通知里看到事由，员工看扣款备注和驳回理由。
	wantMarkdown := []struct{ to, line string }{{"zr", "> 张三 已销假，原请假 #1 11月16日（"}, {"cg01", "> 备注："}, {"cg01", "> 理由："}}
	found := make([]bool, len(wantMarkdown))
	var cards []string
	for _, msg := range fake.Messages() {
		switch msg.MsgType {
		case "template_card":
			cards = append(cards, string(msg.Raw))
			continue
		case "markdown":
		default:
			t.Errorf("给 %s 的消息类型是 %s", msg.ToUser, msg.MsgType)
			continue
		}
		if !strings.Contains(msg.Content, "点此批准") {
			continue // 不含用户文字的通知
		}
		t.Logf("企业微信收到（给 %s）：\n%s", msg.ToUser, msg.Content)
		for _, w := range literal {
			if !strings.Contains(msg.Content, w) {
				t.Errorf("给 %s 的 markdown 缺少字面文字 %q：\n%s", msg.ToUser, w, msg.Content)
			}
		}
		for _, b := range banned {
			if strings.Contains(msg.Content, b) {
				t.Errorf("给 %s 的 markdown 含能起作用的 %q：\n%s", msg.ToUser, b, msg.Content)
			}
		}
		for i, w := range wantMarkdown {
			if w.to == msg.ToUser && strings.Contains(msg.Content, w.line) {
				found[i] = true
			}
		}
	}
	for i, w := range wantMarkdown {
		if !found[i] {
			t.Errorf("%s 没有收到写着“%s”和用户文字的 markdown", w.to, w.line)
		}
	}

	// 主任收到的请假卡片：卡片字段是纯文本（企业微信不解析 markdown），事由是去掉 U+202E 的原文。
	if len(cards) != 2 {
		t.Fatalf("主任收到 %d 张请假卡片，应为 2 张", len(cards))
	}
	want := `[点此批准](//evil.example) <font color="info">**已由主任预先批准**</font> <@all> 家中有事`
	for _, card := range cards {
		if strings.Contains(card, "\u202e") || strings.ContainsRune(card, '\u202e') {
			t.Errorf("卡片里仍有 U+202E：%s", card)
		}
		var req struct {
			TemplateCard struct {
				Horizontal []struct {
					KeyName string `json:"keyname"`
					Value   string `json:"value"`
				} `json:"horizontal_content_list"`
			} `json:"template_card"`
		}
		if err := json.Unmarshal([]byte(card), &req); err != nil {
			t.Fatalf("卡片 JSON：%v", err)
		}
		reason := ""
		for _, kv := range req.TemplateCard.Horizontal {
			if kv.KeyName == "事由" {
				reason = kv.Value
			}
		}
		if reason != want {
			t.Errorf("卡片里的事由 = %q，应为 %q", reason, want)
		}
		t.Logf("卡片里的事由：%s", reason)
	}
}

// deliverTo 像 deliver，但按企业 ID corpID 加密和签名（与假企业微信的企业 ID 一致时，回调和发送可以同时开着）。
func deliverTo(t *testing.T, url, corpID, inner string) (int, string) {
	t.Helper()
	q, body := wecomtest.SignedRequest(testToken, testAESKey, corpID, inner, e2eClock.Now(), "1597212914")
	resp, err := http.Post(url+"/wecom/callback?"+q.Encode(), "application/xml", strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(raw) == 0 {
		return resp.StatusCode, ""
	}
	reply, err := wecomtest.DecryptReply(testToken, testAESKey, corpID, raw)
	if err != nil {
		t.Fatalf("decrypt reply: %v", err)
	}
	return resp.StatusCode, reply
}
