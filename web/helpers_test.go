package web_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/app"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 测试的日期：2026年11月25日（周三，11月第4周，11月下旬）上午十点。10 月已经结束，可以发布。
var (
	testNow = time.Date(2026, 11, 25, 10, 0, 0, 0, model.Shanghai)
	october = model.Month{Year: 2026, Month: time.October}
)

// instance 是一个完整装配的红旗（app.Main，与生产同一套装配）和它的 HTTP 服务。
type instance struct {
	m     *app.Main
	url   string
	clock *model.Clock
	wecom *wecomtest.Server // 配置了企业微信时的假企业微信
}

// options 是 start 的选项。
type options struct {
	dsn   string            // 空则新建一个 MariaDB 库
	clock *model.Clock      // 空则停在 testNow
	wecom *wecomtest.Server // 非空则配置企业微信（发消息和网页授权）
	env   map[string]string // 额外的设置
	seed  bool              // 导入花名册并造出测试数据
}

// start 在真实的 MariaDB 上启动一个红旗实例。两个实例用同一个 dsn 就是两个副本。
func start(t testing.TB, o options) *instance {
	t.Helper()
	if o.dsn == "" {
		o.dsn = testenv.MySQL(t)
	}
	if o.clock == nil {
		o.clock = model.PinClock(testNow, nil)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HONGQI_DB": o.dsn, "HONGQI_PUBLIC_URL": "http://" + ln.Addr().String(), "HONGQI_LOG_LEVEL": "error"}
	if o.wecom != nil {
		env["HONGQI_WECOM_CORP_ID"] = wecomtest.CorpID
		env["HONGQI_WECOM_AGENT_ID"] = "1000002"
		env["HONGQI_WECOM_SECRET"] = wecomtest.Secret
		env["HONGQI_WECOM_API_BASE"] = o.wecom.URL()
	}
	if o.seed {
		// 造出的数据从 10 月起：这个中心 9 月就启用了红旗（否则 10 月在上线之前，不能发布）。
		cfg := filepath.Join(t.TempDir(), "hongqi.yaml")
		if err := os.WriteFile(cfg, []byte("flags:\n  since: 2026-09-01\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env["HONGQI_CONFIG"] = cfg
	}
	for k, v := range o.env {
		env[k] = v
	}
	m, err := app.NewMain(func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("NewMain: %v", err)
	}
	m.Clock = o.clock
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	h, err := m.Handler()
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	in := &instance{m: m, url: srv.URL, clock: o.clock, wecom: o.wecom}
	if o.seed {
		in.seed(t)
	}
	return in
}

// chat 以 from 的身份向机器人发一条消息（与企业微信回调同一个 Bot），返回回复。
func (in *instance) chat(t testing.TB, from, text string) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	reply, err := in.m.Bot.Process(context.Background(), model.Message{
		Key: "chat:" + hex.EncodeToString(b), From: from, Text: text, CreateTime: in.clock.Now()})
	if err != nil {
		t.Fatalf("%s: %q: %v", from, text, err)
	}
	return reply
}

// mustChat 发一条消息，回复里必须有 want。
func (in *instance) mustChat(t testing.TB, from, text, want string) string {
	t.Helper()
	r := in.chat(t, from, text)
	if !strings.Contains(r, want) {
		t.Fatalf("%s: %q replied %q, want it to contain %q", from, text, r, want)
	}
	return r
}

// seed 导入花名册，造出 10 月和 11 月的记录、请假、红旗和排行的依据：
//   - 10 月：张三(cg01) 迟到 −10、李四 信息采纳 +50、东街张三(dj01) 迟到 −10、吴明 迟到 −10，
//     张三(cg01) 三面周服务红旗（10 月达到 3 次，发布时奖励）；
//   - 11 月：张三(cg01) 迟到两次、离岗一次，东街张三 迟到，吴明 迟到；张三(cg01) 请假 1 天（主任审批），
//     东街张三请假 3 天（分管领导审批）；本周五位县城员工的测评和抽查，本旬两个农村网点的检查。
func (in *instance) seed(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	staff := testenv.Roster(t, "testdata/roster.csv")
	if _, _, err := in.m.DB.UpsertRoster(ctx, staff); err != nil {
		t.Fatal(err)
	}
	in.clock.Set(time.Date(2026, 10, 20, 9, 0, 0, 0, model.Shanghai))
	in.mustChat(t, "cg_sup", "扣 张三(cg01) 迟到", "已记录")
	in.mustChat(t, "cg_sup", "奖 李四 信息采纳", "已记录")
	in.mustChat(t, "dj_sup", "扣 张三(dj01) 迟到", "已记录")
	in.mustChat(t, "hk_sup", "扣 吴明 迟到", "已记录")
	var flags []model.Flag
	for _, w := range []int{41, 42, 43} {
		flags = append(flags, model.Flag{Kind: model.FlagWeekly, Period: fmt.Sprintf("2026-W%d", w), Month: october,
			StaffID: "cg01", Name: "张三", Branch: "城关所", HeadID: "cg_head", Source: "import"})
	}
	if _, err := in.m.DB.ImportFlags(ctx, flags); err != nil {
		t.Fatal(err)
	}
	in.clock.Set(testNow)
	in.mustChat(t, "cg_sup", "扣 张三(cg01) 迟到", "已记录")
	in.mustChat(t, "cg_sup", "扣 张三(cg01) 迟到 长 堵车", "已记录")
	in.mustChat(t, "cg_head", "扣 张三(cg01) 离岗", "已记录")
	in.mustChat(t, "dj_sup", "扣 张三(dj01) 迟到", "已记录")
	in.mustChat(t, "hk_sup", "扣 吴明 迟到", "已记录")
	in.mustChat(t, "cg01", "请假 11月27日 家中有事", "已提交请假")
	in.mustChat(t, "dj01", "请假 11月30日-12月2日 探亲", "已提交请假")
	for i, who := range []string{"张三(cg01)", "李四", "王五", "张三(dj01)", "赵六"} {
		sup := "cg_sup"
		if strings.Contains(who, "dj01") || who == "赵六" {
			sup = "dj_sup"
		}
		in.mustChat(t, sup, fmt.Sprintf("测评 %s 满意 %d 基本满意 %d 不满意 0", who, 40-3*i, 2+i), "")
		in.mustChat(t, sup, fmt.Sprintf("抽查 %s %d", who, 96-2*i), "")
	}
	in.mustChat(t, "hk_sup", "检查 河口所 卫生 92", "")
	in.mustChat(t, "hk_sup", "检查 河口所 晨会 88", "")
	in.mustChat(t, "cg_head", "检查 河西所 卫生 85", "")
}

// entryOf 找出 who 在 month 的一条 rule 记录（测试断言用）。
func (in *instance) entryOf(t testing.TB, who, rule string, month model.Month) model.Entry {
	t.Helper()
	es, err := in.m.DB.Entries(context.Background(), model.EntryFilter{StaffID: who, RuleCode: rule, Month: month, IncludeRevoked: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 {
		t.Fatalf("no %s entry for %s in %s", rule, who, month)
	}
	return es[0]
}

// entry 按编号重新读一条记录。
func (in *instance) entry(t testing.TB, id int64) model.Entry {
	t.Helper()
	e, err := in.m.DB.Entry(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// link 以 who 的身份在对话中发“网页”，返回回复里的登录链接。
func (in *instance) link(t testing.TB, who string) string {
	t.Helper()
	reply := in.mustChat(t, who, "网页", "登录链接")
	u := regexp.MustCompile(`https?://\S+/app/login\?t=[\w-]+`).FindString(reply)
	if u == "" {
		t.Fatalf("no login link in %q", reply)
	}
	if !strings.HasPrefix(u, in.url) {
		t.Fatalf("link %s is not on the public address %s", u, in.url)
	}
	return u
}

// visitor 是一个浏览器式的 HTTP 客户端（有 Cookie），记着最近一页的表单校验码。
type visitor struct {
	t    testing.TB
	in   *instance
	c    *http.Client
	csrf string
	ua   string
}

func (in *instance) visitor(t testing.TB) *visitor {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, in: in, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// noRedirects 让客户端不跟随跳转（看 OAuth 的每一步）。
func (v *visitor) noRedirects() *visitor {
	v.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return v
}

var reCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (v *visitor) do(req *http.Request) (int, string, *http.Response) {
	v.t.Helper()
	if v.ua != "" {
		req.Header.Set("User-Agent", v.ua)
	}
	resp, err := v.c.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	if m := reCSRF.FindStringSubmatch(body); m != nil {
		v.csrf = m[1]
	}
	return resp.StatusCode, body, resp
}

// get 取一页（path 以 / 开头，或完整地址）。
func (v *visitor) get(path string) (int, string) {
	v.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = v.in.url + path
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	code, body, _ := v.do(req)
	return code, body
}

// post 提交表单；withCSRF 时带上最近一页的校验码和一个新的表单编号。
func (v *visitor) post(path string, form url.Values, withCSRF bool) (int, string) {
	v.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if withCSRF {
		form.Set("csrf", v.csrf)
		if form.Get("k") == "" {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			form.Set("k", hex.EncodeToString(b))
		}
	}
	req, _ := http.NewRequest(http.MethodPost, v.in.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, body, _ := v.do(req)
	return code, body
}

// login 用“网页”命令给出的一次性链接登录，返回已登录的访客。
func (in *instance) login(t testing.TB, who string) *visitor {
	t.Helper()
	v := in.visitor(t)
	link := in.link(t, who)
	if code, body := v.get(link); code != http.StatusOK || !strings.Contains(body, `id="login"`) {
		t.Fatalf("login page for %s: %d %s", who, code, text(body))
	}
	tok := strings.TrimPrefix(link[strings.Index(link, "?"):], "?t=")
	code, body := v.post("/app/login", url.Values{"t": {tok}}, false)
	if code != http.StatusOK || !strings.Contains(body, `id="total"`) {
		t.Fatalf("%s did not land on 我的: %d %s", who, code, text(body))
	}
	return v
}

var reTags = regexp.MustCompile(`(?s)<[^>]*>`)

// text 去掉 HTML 标签，留下给人看的文字（断言和出错信息用）。
func text(html string) string {
	if i := strings.Index(html, "<main>"); i >= 0 {
		html = html[i:]
	}
	s := reTags.ReplaceAllString(html, " ")
	return strings.Join(strings.Fields(s), " ")
}
