package wecom_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

func TestAuthorizeURL(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, _ := newSender(t, srv, wecomtest.Secret)
	raw := s.AuthorizeURL("https://hongqi.example.cn:8443/app/auth/wecom/callback?next=%2Fapp%2F", "st-123")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "open.weixin.qq.com" || u.Path != "/connect/oauth2/authorize" || u.Fragment != "wechat_redirect" {
		t.Errorf("authorize URL %s", raw)
	}
	want := map[string]string{"appid": wecomtest.CorpID, "scope": "snsapi_base", "response_type": "code", "state": "st-123",
		"agentid": "1000002", "redirect_uri": "https://hongqi.example.cn:8443/app/auth/wecom/callback?next=%2Fapp%2F"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
}

func TestUserIDFromCode(t *testing.T) {
	srv := wecomtest.NewServer(t)
	s, _ := newSender(t, srv, wecomtest.Secret)
	ctx := context.Background()
	tests := []struct {
		name    string
		prepare func()
		code    string
		want    string
		errCode string
		errSays string
	}{
		{"a member", func() { srv.LoginCode("c1", "zhangsan") }, "c1", "zhangsan", "", ""},
		{"a code works once", nil, "c1", "", model.EINVALID, "登录授权已失效"},
		{"an unknown code", nil, "nope", "", model.EINVALID, "登录授权已失效"},
		{"an empty code", nil, "", "", model.EINVALID, "没有给出授权码"},
		{"not a member", func() { srv.ExternalLoginCode("c2", "o-abc") }, "c2", "", model.EFORBIDDEN, "不是本企业的成员"},
		{"an expired token is fetched again", func() { srv.LoginCode("c3", "lisi"); srv.ExpireToken() }, "c3", "lisi", "", ""},
		{"WeCom is down", func() { srv.LoginCode("c4", "lisi"); srv.Outage(true) }, "c4", "", model.EUNAVAILABLE, "暂时连不上企业微信"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.prepare != nil {
				tt.prepare()
			}
			defer srv.Outage(false)
			got, err := s.UserIDFromCode(ctx, tt.code)
			if model.ErrorCode(err) != tt.errCode || got != tt.want {
				t.Fatalf("UserIDFromCode(%q) = %q, %v; want %q, code %q", tt.code, got, err, tt.want, tt.errCode)
			}
			if tt.errSays != "" && !strings.Contains(model.ErrorMessage(err), tt.errSays) {
				t.Errorf("message %q", model.ErrorMessage(err))
			}
			if err != nil && strings.Contains(err.Error(), wecomtest.Secret) {
				t.Errorf("the error leaks the secret: %v", err)
			}
		})
	}
	if calls := srv.LoginCalls(); len(calls) == 0 || slices.ContainsFunc(calls, func(p string) bool { return p != "/cgi-bin/auth/getuserinfo" }) {
		t.Errorf("login calls %v, want only /cgi-bin/auth/getuserinfo", calls)
	}
}
