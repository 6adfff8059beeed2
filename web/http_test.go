package web_test

import (
	"context"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// state 是禁止的操作之后要核对“什么也没变”的那些事实。
type state struct {
	revoked   map[int64]bool
	published bool
	pending   map[int64]model.LeaveStatus
	entries   int
}

func (in *instance) state(t *testing.T, ids []int64, leaves []int64) state {
	t.Helper()
	ctx := context.Background()
	s := state{revoked: map[int64]bool{}, pending: map[int64]model.LeaveStatus{}}
	for _, id := range ids {
		s.revoked[id] = in.entry(t, id).Revoked()
	}
	_, err := in.m.DB.Publication(ctx, october)
	s.published = err == nil
	for _, id := range leaves {
		l, err := in.m.DB.Leave(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		s.pending[id] = l.Status
	}
	n, err := in.m.DB.CountEntries(ctx, model.EntryFilter{IncludeRevoked: true})
	if err != nil {
		t.Fatal(err)
	}
	s.entries = n
	return s
}

func leaveOf(t *testing.T, in *instance, who string) model.Leave {
	t.Helper()
	ls, err := in.m.DB.Leaves(context.Background(), model.LeaveFilter{StaffID: who})
	if err != nil || len(ls) == 0 {
		t.Fatalf("no leave for %s: %v", who, err)
	}
	return ls[0]
}

// TestPagesAndPostsByRoleAndRelation：每个页面和每个提交，对范围之外的访客答 403，什么也不改；
// 范围之内的答 200。判断来自服务（与聊天命令同一套），这里从外面验证。
func TestPagesAndPostsByRoleAndRelation(t *testing.T) {
	in := start(t, options{seed: true})
	cgEntry := in.entryOf(t, "cg01", "late", model.Month{Year: 2026, Month: 11}).ID
	djEntry := in.entryOf(t, "dj01", "late", model.Month{Year: 2026, Month: 11}).ID
	hkEntry := in.entryOf(t, "hk01", "late", model.Month{Year: 2026, Month: 11}).ID
	dirLeave := leaveOf(t, in, "cg01").ID  // 1 天：主任、副主任审批
	leadLeave := leaveOf(t, in, "dj01").ID // 3 天：分管领导审批
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	revoke := func(n int64) url.Values { return url.Values{"id": {id(n)}, "reason": {"测试"}} }
	approve := func(n int64) url.Values {
		return url.Values{"kind": {"leave"}, "id": {id(n)}, "decision": {"approve"}}
	}
	publish := url.Values{"month": {"2026-10"}, "confirm": {"yes"}}
	appeal := func(n int64) url.Values { return url.Values{"id": {id(n)}, "reason": {"测试"}} }
	decideAppeal := url.Values{"kind": {"appeal"}, "id": {"1"}, "decision": {"approve"}}

	tests := []struct {
		name   string
		who    string
		method string
		path   string
		form   url.Values
		want   int
		see    string // 页面上应有的字
	}{
		{"staff reads 我的", "cg01", "GET", "/app/", nil, 200, "合计 −50 元"},
		{"staff reads 排行", "cg01", "GET", "/app/board", nil, 200, "11月第4周（11月23日–29日）"},
		{"staff reads last dekad", "cg01", "GET", "/app/board?p=lastdekad", nil, 200, "11月中旬"},
		{"staff cannot read 台账", "cg01", "GET", "/app/ledger", nil, 403, "只有主管、所长和中心领导可以查看台账"},
		{"staff cannot read 结算", "cg01", "GET", "/app/settle", nil, 403, "只有中心领导可以查看结算"},
		{"staff cannot open the publish step", "cg01", "GET", "/app/settle/publish?month=2026-10", nil, 403, "只有中心领导"},
		{"staff cannot download the sheet", "cg01", "GET", "/app/settle/xlsx?month=2026-10", nil, 403, "只有中心领导"},
		{"staff cannot read the annual draft", "cg01", "GET", "/app/settle/year", nil, 403, "只有中心领导"},
		{"staff cannot open 审批", "cg01", "GET", "/app/approve", nil, 403, "没有需要审批的事项"},
		{"staff cannot revoke", "cg01", "POST", "/app/ledger/revoke", revoke(cgEntry), 403, "只有主管、所长和中心领导可以撤销"},
		{"staff cannot publish", "cg01", "POST", "/app/settle/publish", publish, 403, "只有中心领导可以发布结算"},
		{"staff cannot approve leave", "cg01", "POST", "/app/approve", approve(dirLeave), 403, "不能审批请假"},

		{"supervisor reads own branch ledger", "cg_sup", "GET", "/app/ledger", nil, 200, "张三"},
		{"supervisor cannot filter another branch", "cg_sup", "GET", "/app/ledger?branch=东街所", nil, 403, "东街所不在您的管理范围内"},
		{"supervisor cannot filter a person of another branch", "cg_sup", "GET", "/app/ledger?person=dj01", nil, 403, "不在您的管理范围内"},
		{"supervisor cannot revoke in another branch", "cg_sup", "POST", "/app/ledger/revoke", revoke(djEntry), 403, "不在您的管理范围内，不能撤销"},
		{"supervisor cannot read 结算", "cg_sup", "GET", "/app/settle?month=2026-10", nil, 403, "只有中心领导"},
		{"supervisor cannot publish", "cg_sup", "POST", "/app/settle/publish", publish, 403, "只有中心领导可以发布结算"},
		{"supervisor cannot approve", "cg_sup", "POST", "/app/approve", approve(dirLeave), 403, "不能审批请假"},

		{"head reads a branch granted by the roster", "cg_head", "GET", "/app/ledger?branch=东街所", nil, 200, "孙丽"},
		{"head cannot read a branch outside the scope", "cg_head", "GET", "/app/ledger?branch=河口所", nil, 403, "河口所不在您的管理范围内"},
		{"head cannot revoke outside the scope", "cg_head", "POST", "/app/ledger/revoke", revoke(hkEntry), 403, "不在您的管理范围内，不能撤销"},

		{"admin reads 结算", "admin", "GET", "/app/settle?month=2026-10", nil, 200, "2026年10月结算"},
		{"a month that ended before go-live offers no 发布", "admin", "GET", "/app/settle?month=2026-08", nil, 200, "这个月在启用红旗之前就结束了，不用发布"},
		{"admin downloads the sheet", "admin", "GET", "/app/settle/xlsx?month=2026-10", nil, 200, ""},
		{"admin reads the annual draft", "admin", "GET", "/app/settle/year", nil, 200, "2026 年年度结算"},
		{"admin sees appeals, not leave", "admin", "GET", "/app/approve", nil, 200, "没有待审批的申诉"},
		{"staff has nothing to approve", "cg01", "GET", "/app/approve", nil, 403, "没有需要审批的事项"},
		{"staff cannot appeal another's entry", "dj01", "POST", "/app/appeal", appeal(cgEntry), 403, "只有本人可以申诉"},
		{"staff cannot decide appeals", "cg01", "POST", "/app/approve", decideAppeal, 403, "您不能审批申诉"},
		{"supervisor cannot decide appeals", "cg_sup", "POST", "/app/approve", decideAppeal, 403, "您不能审批申诉"},
		{"admin cannot approve leave", "admin", "POST", "/app/approve", approve(dirLeave), 403, "不能审批请假"},

		{"director sees the 1-day leave", "zx_dir", "GET", "/app/approve", nil, 200, "张三（城关所）请假 11月27日（1 天）"},
		{"director cannot approve a 3-day leave", "zx_dir", "POST", "/app/approve", approve(leadLeave), 403, "应由分管领导审批"},
		{"leader cannot approve a 1-day leave", "zx_lead", "POST", "/app/approve", approve(dirLeave), 403, "应由中心主任或副主任审批"},
	}
	visitors := map[string]*visitor{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := visitors[tt.who]
			if v == nil {
				v = in.login(t, tt.who)
				visitors[tt.who] = v
			}
			before := in.state(t, []int64{cgEntry, djEntry, hkEntry}, []int64{dirLeave, leadLeave})
			var code int
			var body string
			if tt.method == "GET" {
				code, body = v.get(tt.path)
			} else {
				v.get("/app/") // 取一个有效的表单校验码：被拒绝的是权限，不是校验码
				code, body = v.post(tt.path, tt.form, true)
			}
			if code != tt.want {
				t.Fatalf("%s %s as %s: HTTP %d, want %d; page: %s", tt.method, tt.path, tt.who, code, tt.want, text(body))
			}
			if tt.see != "" && !strings.Contains(text(body), tt.see) {
				t.Errorf("page does not say %q: %s", tt.see, text(body))
			}
			if after := in.state(t, []int64{cgEntry, djEntry, hkEntry}, []int64{dirLeave, leadLeave}); tt.want == 403 && !equalState(before, after) {
				t.Errorf("a refused %s changed something: before %+v, after %+v", tt.path, before, after)
			}
		})
	}
}

func equalState(a, b state) bool {
	if a.published != b.published || a.entries != b.entries {
		return false
	}
	for k, v := range a.revoked {
		if b.revoked[k] != v {
			return false
		}
	}
	for k, v := range a.pending {
		if b.pending[k] != v {
			return false
		}
	}
	return true
}

// TestNavigationFollowsTheRole：导航只列出本人能用的页面。
func TestNavigationFollowsTheRole(t *testing.T) {
	in := start(t, options{seed: true})
	tests := []struct {
		who  string
		show []string
		hide []string
	}{
		{"cg01", []string{"我的", "排行"}, []string{"台账", "结算", "审批"}},
		{"cg_sup", []string{"我的", "排行", "台账"}, []string{"结算", "审批"}},
		{"cg_head", []string{"台账", "审批"}, []string{"结算"}}, // 所长处理申诉
		{"admin", []string{"台账", "结算", "审批"}, nil},        // 中心领导处理申诉
		{"zx_dir", []string{"台账", "结算", "审批"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			_, body := in.login(t, tt.who).get("/app/")
			nav := body[strings.Index(body, `<nav class="tabs">`):]
			nav = nav[:strings.Index(nav, "</nav>")]
			for _, s := range tt.show {
				if !strings.Contains(nav, ">"+s+"<") {
					t.Errorf("nav of %s lacks %s: %s", tt.who, s, text(nav))
				}
			}
			for _, s := range tt.hide {
				if strings.Contains(nav, ">"+s+"<") {
					t.Errorf("nav of %s shows %s: %s", tt.who, s, text(nav))
				}
			}
		})
	}
}

// TestFormsNeedTheToken：没有或不对的表单校验码、别的网站发来的提交，一律 403，什么也不改。
func TestFormsNeedTheToken(t *testing.T) {
	in := start(t, options{seed: true})
	e := in.entryOf(t, "cg01", "late", model.Month{Year: 2026, Month: 11})
	sup := in.login(t, "cg_sup")
	form := func() url.Values {
		return url.Values{"id": {strconv.FormatInt(e.ID, 10)}, "reason": {"记错了"}, "k": {"0123456789abcdef0123456789abcdef"}}
	}
	t.Run("no token", func(t *testing.T) {
		code, body := sup.post("/app/ledger/revoke", form(), false)
		if code != http.StatusForbidden || !strings.Contains(body, "表单已失效") {
			t.Errorf("HTTP %d: %s", code, text(body))
		}
	})
	t.Run("someone else's token", func(t *testing.T) {
		other := in.login(t, "cg_head")
		f := form()
		f.Set("csrf", other.csrf)
		code, _ := sup.post("/app/ledger/revoke", f, false)
		if code != http.StatusForbidden {
			t.Errorf("HTTP %d with another session's token", code)
		}
	})
	t.Run("cross-site request", func(t *testing.T) {
		sup.get("/app/ledger")
		f := form()
		f.Set("csrf", sup.csrf)
		req, _ := http.NewRequest(http.MethodPost, in.url+"/app/ledger/revoke", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		code, body, _ := sup.do(req)
		if code != http.StatusForbidden || !strings.Contains(body, "来自别的网站") {
			t.Errorf("HTTP %d: %s", code, text(body))
		}
	})
	if in.entry(t, e.ID).Revoked() {
		t.Fatal("a refused form revoked the entry")
	}
	t.Run("with the token it works", func(t *testing.T) {
		sup.get("/app/ledger")
		code, body := sup.post("/app/ledger/revoke", form(), true)
		if code != http.StatusOK || !strings.Contains(text(body), "已撤销 #"+strconv.FormatInt(e.ID, 10)) {
			t.Fatalf("HTTP %d: %s", code, text(body))
		}
		if !in.entry(t, e.ID).Revoked() {
			t.Error("entry not revoked")
		}
	})
	t.Run("the same form twice revokes once", func(t *testing.T) {
		sup.get("/app/ledger")
		code, body := sup.post("/app/ledger/revoke", form(), true)
		if code != http.StatusConflict || !strings.Contains(text(body), "已") {
			t.Errorf("resubmitted form: HTTP %d: %s", code, text(body))
		}
	})
}

// TestLoginLinks：“网页”的链接只能用一次、10 分钟后作废；不在册或已离开的人拿不到会话；
// 会话过期和退出对另一个副本同样有效。
func TestLoginLinks(t *testing.T) {
	in := start(t, options{seed: true})
	tokenOf := func(link string) string { return link[strings.Index(link, "t=")+2:] }
	t.Run("a used link is refused", func(t *testing.T) {
		link := in.link(t, "cg01")
		in.login(t, "cg01") // 另一条链接，无关
		v := in.visitor(t)
		if code, _ := v.post("/app/login", url.Values{"t": {tokenOf(link)}}, false); code != http.StatusOK {
			t.Fatalf("first use: HTTP %d", code)
		}
		w := in.visitor(t)
		code, body := w.post("/app/login", url.Values{"t": {tokenOf(link)}}, false)
		if code != http.StatusGone || !strings.Contains(body, "已经用过了") {
			t.Errorf("second use: HTTP %d: %s", code, text(body))
		}
		if code, body := w.get(link); code != http.StatusGone || !strings.Contains(body, "已经用过了") {
			t.Errorf("opening a used link: HTTP %d: %s", code, text(body))
		}
		if code, _ := w.get("/app/"); code != http.StatusUnauthorized {
			t.Errorf("the refused visitor has a session: HTTP %d", code)
		}
	})
	t.Run("an expired link is refused", func(t *testing.T) {
		link := in.link(t, "cg01")
		in.clock.Advance(10*time.Minute + time.Second)
		defer in.clock.Set(testNow)
		v := in.visitor(t)
		if code, body := v.get(link); code != http.StatusGone || !strings.Contains(body, "已过期") {
			t.Errorf("opening: HTTP %d: %s", code, text(body))
		}
		if code, body := v.post("/app/login", url.Values{"t": {tokenOf(link)}}, false); code != http.StatusGone || !strings.Contains(body, "已过期") {
			t.Errorf("using: HTTP %d: %s", code, text(body))
		}
	})
	t.Run("a made-up link is refused", func(t *testing.T) {
		code, body := in.visitor(t).post("/app/login", url.Values{"t": {"not-a-token"}}, false)
		if code != http.StatusNotFound || !strings.Contains(body, "不对") {
			t.Errorf("HTTP %d: %s", code, text(body))
		}
	})
	t.Run("the token is stored hashed", func(t *testing.T) {
		link := in.link(t, "cg02")
		if _, err := in.m.DB.LoginToken(context.Background(), tokenOf(link)); model.ErrorCode(err) != model.ENOTFOUND {
			t.Errorf("the raw token is a key in the database: %v", err)
		}
	})
	t.Run("someone who has left gets no session", func(t *testing.T) {
		v := in.login(t, "cg03")
		ctx := context.Background()
		st, _ := in.m.DB.Staff(ctx, "cg03")
		st.Active = false
		if _, _, err := in.m.DB.UpsertRoster(ctx, []model.Staff{st}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			st.Active = true
			in.m.DB.UpsertRoster(ctx, []model.Staff{st})
		}()
		code, body := v.get("/app/")
		if code != http.StatusForbidden || !strings.Contains(body, "已不在花名册中") {
			t.Errorf("HTTP %d: %s", code, text(body))
		}
		if reply := in.chat(t, "gone01", "网页"); strings.Contains(reply, "/app/login") {
			t.Errorf("someone who left got a link: %s", reply)
		}
	})
	t.Run("expiry and logout hold on another replica", func(t *testing.T) {
		other := start(t, options{dsn: in.m.Config.DB, clock: in.clock})
		v := in.login(t, "cg02")
		jarURL, _ := url.Parse(in.url + "/app/")
		otherURL, _ := url.Parse(other.url + "/app/")
		w := other.visitor(t)
		w.c.Jar.SetCookies(otherURL, v.c.Jar.Cookies(jarURL))
		if code, body := w.get("/app/"); code != http.StatusOK || !strings.Contains(body, "李四") {
			t.Fatalf("the session does not work on the other replica: %d", code)
		}
		v.get("/app/")
		if code, body := v.post("/app/logout", nil, true); code != http.StatusOK || !strings.Contains(body, "已退出") {
			t.Fatalf("logout: HTTP %d: %s", code, text(body))
		}
		if code, _ := w.get("/app/"); code != http.StatusUnauthorized {
			t.Errorf("after logout on one replica the other still serves the session: HTTP %d", code)
		}
		u := in.login(t, "cg02")
		w.c.Jar.SetCookies(otherURL, u.c.Jar.Cookies(jarURL))
		in.clock.Advance(12*time.Hour + time.Minute)
		defer in.clock.Set(testNow)
		if code, body := w.get("/app/"); code != http.StatusUnauthorized || !strings.Contains(body, "网页") {
			t.Errorf("an expired session still works on the other replica: HTTP %d: %s", code, text(body))
		}
	})
}

// TestSessionCookie：会话 Cookie 是 HttpOnly、SameSite=Lax，HTTPS 之后（反向代理的 X-Forwarded-Proto）是 Secure。
func TestSessionCookie(t *testing.T) {
	in := start(t, options{seed: true})
	for _, proto := range []string{"", "https"} {
		t.Run("proto "+proto, func(t *testing.T) {
			link := in.link(t, "cg01")
			req, _ := http.NewRequest(http.MethodPost, in.url+"/app/login", strings.NewReader(url.Values{"t": {link[strings.Index(link, "t=")+2:]}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if proto != "" {
				req.Header.Set("X-Forwarded-Proto", proto)
			}
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var c *http.Cookie
			for _, k := range resp.Cookies() {
				if k.Name == "hq_session" {
					c = k
				}
			}
			if c == nil {
				t.Fatalf("no session cookie (HTTP %d)", resp.StatusCode)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != (proto == "https") || c.MaxAge <= 0 {
				t.Errorf("cookie %+v", c)
			}
		})
	}
}

// TestApproveLeaveFromThePage：主任在审批页批准 1 天的请假（与“批准”命令同一个服务）；同一张表单再提交一次
// 不重复审批，说明已由谁批准。
func TestApproveLeaveFromThePage(t *testing.T) {
	in := start(t, options{seed: true})
	l := leaveOf(t, in, "cg01")
	dir := in.login(t, "zx_dir")
	if code, body := dir.get("/app/approve"); code != http.StatusOK || !strings.Contains(text(body), "事由：家中有事") {
		t.Fatalf("审批: HTTP %d: %s", code, text(body))
	}
	form := url.Values{"kind": {"leave"}, "id": {strconv.FormatInt(l.ID, 10)}, "decision": {"approve"}, "k": {"00112233445566778899aabbccddeeff"}}
	code, body := dir.post("/app/approve", form, true)
	if code != http.StatusOK || !strings.Contains(text(body), "已批准请假 #"+strconv.FormatInt(l.ID, 10)) || !strings.Contains(text(body), "没有待审批的请假") {
		t.Fatalf("approve: HTTP %d: %s", code, text(body))
	}
	if got := leaveOf(t, in, "cg01"); got.Status != model.LeaveApproved || got.DecidedBy != "zx_dir" {
		t.Errorf("leave after approval: %+v", got)
	}
	code, body = dir.post("/app/approve", form, true)
	if code != http.StatusConflict || !strings.Contains(text(body), "由林主任批准，不用再审批") {
		t.Errorf("the same form again: HTTP %d: %s", code, text(body))
	}
	_, body = in.login(t, "cg01").get("/app/")
	if !strings.Contains(text(body), "11月27日（1 天）家中有事 已批准") {
		t.Errorf("我的 does not show the approved leave: %s", text(body))
	}
}

// TestApprovingOnThePageUpdatesTheCard：请假在审批页批准后，审批人企业微信里的那张卡片也换成结果：
// 假企业微信收到一次 update_template_card（发送卡片时的 response_code），按钮换成“已批准（林主任）”。
func TestApprovingOnThePageUpdatesTheCard(t *testing.T) {
	fake := wecomtest.NewServer(t)
	in := start(t, options{seed: true, wecom: fake})
	drain := func() {
		t.Helper()
		for range 20 {
			n, err := in.m.Sender.RunOnce(context.Background())
			if err != nil {
				t.Fatalf("outbox: %v", err)
			}
			if n == 0 {
				return
			}
		}
	}
	drain()
	l := leaveOf(t, in, "cg01")
	task := "leave-" + strconv.FormatInt(l.ID, 10)
	cards := 0
	for _, m := range fake.Messages() {
		if m.MsgType == "template_card" && strings.Contains(m.Content, `"task_id":"`+task+`"`) {
			cards++
		}
	}
	if cards != 1 {
		t.Fatalf("%d cards %s reached WeCom, want 1", cards, task)
	}
	form := url.Values{"kind": {"leave"}, "id": {strconv.FormatInt(l.ID, 10)}, "decision": {"approve"}}
	dir := in.login(t, "zx_dir")
	dir.get("/app/approve")
	if code, body := dir.post("/app/approve", form, true); code != http.StatusOK {
		t.Fatalf("approve: HTTP %d: %s", code, text(body))
	}
	drain()
	ups := fake.CardUpdates()
	if len(ups) != 1 || ups[0].TaskID != task || ups[0].ReplaceName != "已批准（林主任）" || !slices.Contains(ups[0].UserIDs, "zx_dir") {
		t.Errorf("card updates = %+v, want one 已批准（林主任） on %s", ups, task)
	}
}

// TestChatRepliesLinkToThePages：“网页”给出登录链接，“结算”“排行”的长回复末尾附上页面链接。
func TestChatRepliesLinkToThePages(t *testing.T) {
	in := start(t, options{seed: true})
	tests := []struct{ who, text, want string }{
		{"zx_dir", "结算 10月", in.url + "/app/settle?month=2026-10"},
		{"cg01", "排行", in.url + "/app/board"},
		{"cg01", "排行 上旬", in.url + "/app/board?p=lastdekad"},
		{"cg01", "网页", in.url + "/app/login?t="},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			reply := in.chat(t, tt.who, tt.text)
			if !strings.Contains(reply, tt.want) {
				t.Errorf("%q replied %q, want a link %s", tt.text, reply, tt.want)
			}
			if len(reply) > 2048 {
				t.Errorf("reply is %d bytes, over WeCom's 2,048", len(reply))
			}
		})
	}
}

// TestFormTextIsCleanedLikeChat：网页表单里写的理由（申诉理由、撤销理由、驳回理由）与聊天消息一样经
// model.CleanText：控制字符和 U+202E 等双向控制符去掉后才存下；超过 200 个字的整条不办理，说明与聊天相同。
func TestFormTextIsCleanedLikeChat(t *testing.T) {
	dirty := "当时\u202e在窗口\x07办理\u2066业务"
	const clean = "当时在窗口办理业务"
	long := strings.Repeat("长", model.MaxNoteRunes+1)
	tests := []struct {
		name   string
		who    string
		path   string
		form   func(in *instance) url.Values
		stored func(t *testing.T, in *instance) string
		text   string
		status int
		want   string // 页面上应有的文字（拒绝时）
	}{
		{
			name: "申诉理由", who: "cg01", path: "/app/appeal", text: dirty, status: http.StatusOK,
			form: func(in *instance) url.Values {
				return url.Values{"id": {strconv.FormatInt(in.entryOf(t, "cg01", "late", model.Month{Year: 2026, Month: 11}).ID, 10)}}
			},
			stored: func(t *testing.T, in *instance) string {
				e := in.entryOf(t, "cg01", "late", model.Month{Year: 2026, Month: 11})
				a, err := in.m.DB.Appeal(context.Background(), e.AppealID)
				if err != nil {
					t.Fatalf("no appeal on #%d: %v", e.ID, err)
				}
				return a.Reason
			},
		},
		{
			name: "撤销理由", who: "cg_sup", path: "/app/ledger/revoke", text: dirty, status: http.StatusOK,
			form: func(in *instance) url.Values {
				return url.Values{"id": {strconv.FormatInt(in.entryOf(t, "cg01", "late", model.Month{Year: 2026, Month: 11}).ID, 10)}}
			},
			stored: func(t *testing.T, in *instance) string {
				e := in.entry(t, in.entryOf(t, "cg01", "late", model.Month{Year: 2026, Month: 11}).ID)
				if e.Revocation == nil {
					t.Fatalf("#%d not revoked", e.ID)
				}
				return e.Revocation.Reason
			},
		},
		{
			name: "驳回理由", who: "zx_dir", path: "/app/approve", text: dirty, status: http.StatusOK,
			form: func(in *instance) url.Values {
				return url.Values{"kind": {"leave"}, "id": {strconv.FormatInt(leaveOf(t, in, "cg01").ID, 10)}, "decision": {"reject"}}
			},
			stored: func(t *testing.T, in *instance) string { return leaveOf(t, in, "cg01").DecideNote },
		},
		{
			name: "驳回理由 over 200 characters", who: "zx_dir", path: "/app/approve", text: long, status: http.StatusBadRequest,
			form: func(in *instance) url.Values {
				return url.Values{"kind": {"leave"}, "id": {strconv.FormatInt(leaveOf(t, in, "cg01").ID, 10)}, "decision": {"reject"}}
			},
			want: "理由最多 200 个字，这次写了 201 个字。",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := start(t, options{seed: true})
			v := in.login(t, tt.who)
			v.get("/app/")
			form := tt.form(in)
			field := "reason"
			if tt.path == "/app/approve" {
				field = "note"
			}
			form.Set(field, tt.text)
			code, body := v.post(tt.path, form, true)
			if code != tt.status || !strings.Contains(text(body), tt.want) {
				t.Fatalf("HTTP %d (want %d): %s; want %q", code, tt.status, text(body), tt.want)
			}
			if tt.stored == nil {
				if l := leaveOf(t, in, "cg01"); l.Status != model.LeavePending {
					t.Errorf("refused form changed the leave: %s", l.Status)
				}
				return
			}
			if got := tt.stored(t, in); got != clean {
				t.Errorf("stored %q, want %q", got, clean)
			}
		})
	}
}
