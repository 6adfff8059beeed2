package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// wecomUA 是企业微信内置浏览器的 User-Agent（含 wxwork）。
const wecomUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1 Language/zh"

// oauthStep 模拟企业微信网页授权：打开应用主页，一路跟到企业微信的授权地址，返回企业微信会带用户回去的
// 回调地址（不带 code）和 state。
func oauthStep(t *testing.T, in *instance, v *visitor, page string) (callback *url.URL, state string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, in.url+page, nil)
	code, _, resp := v.do(req)
	if code != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/app/auth/wecom?next=") {
		t.Fatalf("opening %s in WeCom: HTTP %d → %q, want a redirect to the login", page, code, resp.Header.Get("Location"))
	}
	req, _ = http.NewRequest(http.MethodGet, in.url+resp.Header.Get("Location"), nil)
	code, _, resp = v.do(req)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if code != http.StatusFound || err != nil || loc.Host != "open.weixin.qq.com" {
		t.Fatalf("login start: HTTP %d → %q, want WeCom's authorize page", code, resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("appid") != wecomtest.CorpID || q.Get("scope") != "snsapi_base" || q.Get("response_type") != "code" || q.Get("state") == "" || q.Get("state") == "STATE" || q.Get("agentid") != "1000002" || !strings.HasSuffix(loc.String(), "#wechat_redirect") {
		t.Fatalf("authorize URL %s", loc)
	}
	cb, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !strings.HasPrefix(cb.String(), in.url+"/app/auth/wecom/callback") {
		t.Fatalf("redirect_uri %q is not on the public address %s", q.Get("redirect_uri"), in.url)
	}
	return cb, q.Get("state")
}

// back 是企业微信把用户带回回调地址（加上 code 和 state）。
func back(t *testing.T, v *visitor, cb *url.URL, code, state string) (int, string, *http.Response) {
	t.Helper()
	u := *cb
	q := u.Query()
	q.Set("code", code)
	q.Set("state", state)
	u.RawQuery = q.Encode()
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	return v.do(req)
}

// TestOAuthLoginInWeCom：在企业微信里打开应用主页，经网页授权（真实的 SDK 对假企业微信的
// /cgi-bin/auth/getuserinfo）静默登录；不在册的人、非企业成员、伪造的 state、用过的 code 都拿不到会话。
func TestOAuthLoginInWeCom(t *testing.T) {
	fake := wecomtest.NewServer(t)
	in := start(t, options{seed: true, wecom: fake})

	t.Run("a member lands on the page they opened", func(t *testing.T) {
		v := in.visitor(t).noRedirects()
		v.ua = wecomUA
		cb, state := oauthStep(t, in, v, "/app/board?p=lastweek")
		fake.LoginCode("code-cg-sup", "cg_sup")
		code, _, resp := back(t, v, cb, "code-cg-sup", state)
		if code != http.StatusSeeOther || resp.Header.Get("Location") != "/app/board?p=lastweek" {
			t.Fatalf("callback: HTTP %d → %q", code, resp.Header.Get("Location"))
		}
		code, body := v.get("/app/board?p=lastweek")
		if code != http.StatusOK || !strings.Contains(body, "王芳") {
			t.Fatalf("after login: HTTP %d: %s", code, text(body))
		}
		if calls := fake.LoginCalls(); !slices.Contains(calls, "/cgi-bin/auth/getuserinfo") {
			t.Errorf("the code was not exchanged at auth/getuserinfo: %v", calls)
		}
		t.Run("the code works once", func(t *testing.T) {
			w := in.visitor(t).noRedirects()
			w.ua = wecomUA
			cb, state := oauthStep(t, in, w, "/app/")
			code, body, _ := back(t, w, cb, "code-cg-sup", state)
			if code != http.StatusBadRequest || !strings.Contains(body, "登录授权已失效") {
				t.Errorf("reused code: HTTP %d: %s", code, text(body))
			}
		})
	})

	refused := []struct {
		name  string
		code  func() string
		state func(string) string
		want  int
		see   string
	}{
		{"a userid not on the roster", func() string { fake.LoginCode("c-stranger", "stranger"); return "c-stranger" },
			nil, http.StatusForbidden, "不在红旗的花名册中"},
		{"someone who has left", func() string { fake.LoginCode("c-gone", "gone01"); return "c-gone" },
			nil, http.StatusForbidden, "已不在花名册中"},
		{"not a member of the company", func() string { fake.ExternalLoginCode("c-ext", "o-123"); return "c-ext" },
			nil, http.StatusForbidden, "不是本企业的成员"},
		{"a forged state", func() string { fake.LoginCode("c-forged", "cg01"); return "c-forged" },
			func(string) string { return "forged" }, http.StatusBadRequest, "登录校验没有通过"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			v := in.visitor(t).noRedirects()
			v.ua = wecomUA
			cb, state := oauthStep(t, in, v, "/app/")
			if tt.state != nil {
				state = tt.state(state)
			}
			code, body, resp := back(t, v, cb, tt.code(), state)
			if code != tt.want || !strings.Contains(body, tt.see) {
				t.Errorf("HTTP %d: %s", code, text(body))
			}
			for _, c := range resp.Cookies() {
				if c.Name == "hq_session" && c.MaxAge > 0 {
					t.Errorf("a session cookie was set: %+v", c)
				}
			}
			if code, _ := v.get("/app/"); code == http.StatusOK {
				t.Error("the refused visitor can read 我的")
			}
		})
	}

	t.Run("outside WeCom the page says how to log in", func(t *testing.T) {
		code, body := in.visitor(t).get("/app/ledger")
		if code != http.StatusUnauthorized || !strings.Contains(body, "网页") || !strings.Contains(body, "用企业微信登录") {
			t.Errorf("HTTP %d: %s", code, text(body))
		}
	})
}
