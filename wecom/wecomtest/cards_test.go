package wecomtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 假企业微信的 update_template_card 像真的一样把关：token、请求体（userids、整数 agentid、replace_name）、
// response_code 必须是它发出的、没用过、72 小时之内的；接受的才记下。发送按钮卡片的答复带 response_code。
func TestFakeUpdateTemplateCard(t *testing.T) {
	srv := wecomtest.NewServer(t)
	now := time.Date(2026, 11, 16, 10, 0, 0, 0, model.Shanghai)
	srv.SetNow(func() time.Time { return now })
	tok := fetchToken(t, srv)
	call := func(t *testing.T, token string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := http.Post(srv.URL()+"/cgi-bin/message/update_template_card?access_token="+url.QueryEscape(token), "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	if empty := call(t, tok, nil); empty["errcode"] == float64(0) { // 空的请求体：拒绝，不记下
		t.Fatalf("empty body accepted: %v", empty)
	}
	b, _ := json.Marshal(map[string]any{"touser": "boss|deputy", "msgtype": "template_card", "agentid": "1000002",
		"template_card": map[string]any{"card_type": "button_interaction", "task_id": "leave-3"}})
	resp, err := http.Post(srv.URL()+"/cgi-bin/message/send?access_token="+tok, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	var sent map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&sent)
	resp.Body.Close()
	code, _ := sent["response_code"].(string)
	if code == "" {
		t.Fatalf("template card send answered %v, want a response_code", sent)
	}
	old := srv.ClickCode("leave-3", "boss")
	now = now.Add(wecomtest.CodeValid)
	fresh := srv.ClickCode("leave-3", "deputy")
	body := func(code string) map[string]any {
		return map[string]any{"userids": []string{"boss", "deputy"}, "agentid": 1000002, "response_code": code,
			"button": map[string]any{"replace_name": "已批准（张主任）"}}
	}
	tests := []struct {
		name  string
		token string
		body  map[string]any
		want  float64
	}{
		{"bad token", "tok-bad", body(fresh), 40014},
		{"agentid not a number", tok, map[string]any{"userids": []string{"boss"}, "agentid": "x", "response_code": fresh, "button": map[string]any{"replace_name": "已批准"}}, 40056},
		{"no userids", tok, map[string]any{"agentid": 1000002, "response_code": fresh, "button": map[string]any{"replace_name": "已批准"}}, 40031},
		{"no replace_name", tok, map[string]any{"userids": []string{"boss"}, "agentid": 1000002, "response_code": fresh}, 40058},
		{"unknown code", tok, body("made-up"), wecomtest.CodeRefused},
		{"the send's code after 72 hours", tok, body(code), wecomtest.CodeRefused},
		{"a click's code after 72 hours", tok, body(old), wecomtest.CodeRefused},
		{"a fresh click's code", tok, body(fresh), 0},
		{"the same code again", tok, body(fresh), wecomtest.CodeRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := call(t, tt.token, tt.body); got["errcode"] != tt.want {
				t.Errorf("errcode = %v (%v), want %v", got["errcode"], got["errmsg"], tt.want)
			}
		})
	}
	ups := srv.CardUpdates()
	if len(ups) != 1 || ups[0].TaskID != "leave-3" || ups[0].ResponseCode != fresh || ups[0].ReplaceName != "已批准（张主任）" || ups[0].AgentID != 1000002 {
		t.Errorf("recorded updates = %+v, want the one accepted", ups)
	}
	if n := srv.UpdateCalls(); n != len(tests)+1 {
		t.Errorf("UpdateCalls = %d, want %d", n, len(tests)+1)
	}
}

// fetchToken 向假服务器取一个 access_token。
func fetchToken(t *testing.T, srv *wecomtest.Server) string {
	t.Helper()
	resp, err := http.Get(srv.URL() + "/cgi-bin/gettoken?corpid=" + wecomtest.CorpID + "&corpsecret=" + url.QueryEscape(wecomtest.Secret))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("gettoken: %v %+v", err, out)
	}
	return out.AccessToken
}
