package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/internal/testenv/fault"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/store"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 这些测试用编好的 hongqi 二进制（go build ./cmd/hongqi），以子进程运行 serve、chat、导入和 report，
// 环境变量与生产一样，企业微信是本测试里起的假服务器。

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// buildHongqi 编一次 hongqi，返回二进制的路径（TestMain 结束时删除）。
func buildHongqi(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "hongqi-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "hongqi")
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			goTool = "go"
		}
		cmd := exec.Command(goTool, "build", "-o", binPath, "./cmd/hongqi")
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build ./cmd/hongqi: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// result 是一次子进程运行的结果。
type result struct {
	stdout, stderr string
	code           int
}

// procEnv 是子进程的环境：本进程的环境去掉所有 HONGQI_ 变量，加上 env。
func procEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HONGQI_") {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// hongqi 以 env 运行 hongqi args…（stdin 为输入），等它结束。
func hongqi(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, buildHongqi(t), args...)
	cmd.Env = procEnv(env)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("hongqi %v: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("hongqi %v did not finish: %s", args, r.stderr)
	}
	return r
}

// ok 运行 hongqi，要求成功，返回标准输出。
func ok(t *testing.T, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	r := hongqi(t, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("hongqi %v exited %d:\n%s\n%s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func with(env map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestRehearsalGuardRails：每一条护栏都经编好的二进制、以子进程验证，拒绝时退出码为 1，说明是中文的。
//   - 第一次用 HONGQI_CLOCK 的数据库成了演练数据库：之后不带 HONGQI_CLOCK 的每个子命令（serve、chat、
//     staff list、导入、report）都拒绝启动；
//   - 不带 HONGQI_CLOCK 用过的正式数据库，带上 HONGQI_CLOCK 就拒绝；
//   - 已有数据而没有记过的老数据库不能改作演练数据库；
//   - 演练时钟早于库里最近记下的时间拒绝（时间只往前走）；同一个 HONGQI_CLOCK 再用一次接着往前走。
func TestRehearsalGuardRails(t *testing.T) {
	dir := t.TempDir()
	flags := filepath.Join(dir, "flags.csv")
	if err := os.WriteFile(flags, []byte("种类,期别,获旗者\n周,2026-W48,cg01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const clock = "2026-12-02T10:00:00+08:00"
	addr := fmt.Sprintf("127.0.0.1:%d", fault.FreePort(t))
	rehearsal := map[string]string{"HONGQI_DB": testenv.MySQL(t), "HONGQI_HTTP_ADDR": addr}
	real := map[string]string{"HONGQI_DB": testenv.MySQL(t), "HONGQI_HTTP_ADDR": addr}

	ok(t, with(rehearsal, "HONGQI_CLOCK", clock), "", "staff", "import", "testdata/golive-roster.csv")
	out := ok(t, with(rehearsal, "HONGQI_CLOCK", clock), "", "staff", "list") // 同一个时钟再用一次：接着往前走
	if !strings.Contains(out, "cg01") || !strings.Contains(out, "2026-12-02") && !strings.Contains(out, "2019-03-01") {
		t.Errorf("staff list:\n%s", out)
	}
	ok(t, real, "", "staff", "import", "testdata/golive-roster.csv")

	// 已有正式数据、却从没记过时钟的老数据库（早于这个功能的安装）：在进程内直接写入花名册。
	legacy := map[string]string{"HONGQI_DB": testenv.MySQL(t), "HONGQI_HTTP_ADDR": addr}
	legacyDB, err := store.Open(context.Background(), legacy["HONGQI_DB"], model.PinClock(time.Date(2026, 11, 2, 9, 0, 0, 0, shanghaiLoc(t)), nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := legacyDB.UpsertRoster(context.Background(), testenv.Roster(t, "testdata/roster.csv")); err != nil {
		t.Fatal(err)
	}
	legacyDB.Close()

	sub := [][]string{
		{"serve"},
		{"chat", "--as", "admin"},
		{"staff", "list"},
		{"staff", "import", "testdata/golive-roster.csv"},
		{"flags", "import", flags},
		{"report", "--month", "2026-12", "-o", filepath.Join(dir, "r.xlsx")},
	}
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"rehearsal database without HONGQI_CLOCK", rehearsal, "这是演练数据库"},
		{"real database with HONGQI_CLOCK", with(real, "HONGQI_CLOCK", clock), "不能用 HONGQI_CLOCK 演练"},
		{"a database with real data never marked", with(legacy, "HONGQI_CLOCK", clock), "已经有正式的数据，不能拿来演练"},
		{"a rehearsal clock earlier than the database", with(rehearsal, "HONGQI_CLOCK", "2026-12-01T10:00:00+08:00"), "早于这个演练数据库里最近记下的时间 2026-12-02 10:00"},
		{"a bad HONGQI_CLOCK", with(rehearsal, "HONGQI_CLOCK", "2026-12-31 20:00"), "HONGQI_CLOCK：“2026-12-31 20:00”不是 RFC 3339 时间"},
	}
	for _, c := range cases {
		for _, args := range sub {
			t.Run(c.name+"/"+strings.Join(args[:1], " "), func(t *testing.T) {
				r := hongqi(t, c.env, "", args...)
				if r.code != 1 || !strings.Contains(r.stderr, c.want) {
					t.Errorf("hongqi %v: exit %d, stderr:\n%s\nwant exit 1 and %q", args, r.code, r.stderr, c.want)
				}
			})
		}
	}
	// 被拒绝的运行什么也没写：正式库还是正式库，演练库接着用。
	ok(t, real, "", "staff", "list")
	ok(t, with(rehearsal, "HONGQI_CLOCK", "2026-12-02T11:00:00+08:00"), "", "staff", "list")
}

// TestRehearsedMonthEnd 演练一次 12 月的月底，全部经编好的二进制：
//
//	2026-12-02 10:00  导入花名册（库成了演练数据库）        10:30 王主管记：张三 迟到 −10，李四 信息采纳 +50
//	2026-12-20 09:00  管理员“明星 李四”（不写月份：上线前结束的 11 月不算，评的是 12 月）+200
//	2027-01-05 09:30  hongqi serve：1 日的草稿、5 日 09:00 到期的自动发布补做，12 月的结算单私信每人
//
// 假企业微信收到的每一条消息（私信、群、回调的被动回复）都以【演练】开头；12 月由系统在 2027-01-05 发布；
// 之后用同一个 HONGQI_CLOCK 跑 report，接着往前走，表格合计 +240 元。
func TestRehearsedMonthEnd(t *testing.T) {
	fake := wecomtest.NewServer(t)
	dsn := testenv.MySQL(t)
	port := fault.FreePort(t)
	env := fakeWeCom(fake, map[string]string{
		"HONGQI_DB":        dsn,
		"HONGQI_HTTP_ADDR": fmt.Sprintf("127.0.0.1:%d", port),
	})
	ok(t, with(env, "HONGQI_CLOCK", "2026-12-02T10:00:00+08:00"), "", "staff", "import", "testdata/golive-roster.csv")
	out := ok(t, with(env, "HONGQI_CLOCK", "2026-12-02T10:30:00+08:00"), "扣 张三(cg01) 迟到\n奖 李四 信息采纳\n", "chat", "--as", "cg_sup")
	if !strings.Contains(out, "已记录 #1") || !strings.Contains(out, "已记录 #2") {
		t.Fatalf("chat:\n%s", out)
	}
	out = ok(t, with(env, "HONGQI_CLOCK", "2026-12-20T09:00:00+08:00"), "明星 李四\n", "chat", "--as", "admin")
	if !strings.Contains(out, "已评定 李四（城关所）为2026年12月政务服务明星") {
		t.Fatalf("明星 without a month should pick December:\n%s", out)
	}

	// 2027-01-05 09:30 启动服务。
	const janClock = "2027-01-05T09:30:00+08:00"
	janAt, _ := time.Parse(time.RFC3339, janClock)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	serve := exec.CommandContext(ctx, buildHongqi(t), "serve")
	serve.Env = procEnv(with(env, "HONGQI_CLOCK", janClock))
	var serveLog bytes.Buffer
	serve.Stdout, serve.Stderr = &serveLog, &serveLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = serve.Process.Signal(os.Interrupt)
		_ = serve.Wait()
	}
	defer stop()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, "hongqi serve to answer /healthz", &serveLog, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	waitFor(t, "the December statements and summaries to reach WeCom", &serveLog, func() bool {
		got := map[string]bool{}
		for _, m := range fake.Messages() {
			if strings.Contains(m.Content, "2026年12月考核结算单") || strings.Contains(m.Content, "2026年12月结算汇总") {
				got[m.ToUser] = true
			}
		}
		// 8 人：6 张结算单（员工、主管、所长），2 位中心领导的汇总。
		return len(got) == 8
	})
	// 回调的被动回复也带标记。企业微信按真实时间签名：演练时回调的重放窗口看真实时间。
	now := time.Now()
	q, body := wecomtest.SignedRequest(testToken, testAESKey, wecomtest.CorpID,
		wecomtest.TextMessage(wecomtest.CorpID, "cg02", "查 12月", 777001, "1000002", now), now, "1597212914")
	resp, err := http.Post(base+"/wecom/callback?"+q.Encode(), "application/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	reply, err := wecomtest.DecryptReply(testToken, testAESKey, wecomtest.CorpID, raw)
	if err != nil || !strings.HasPrefix(reply, "【演练】") || !strings.Contains(reply, "合计 +250 元") {
		t.Errorf("callback reply %q (%v), want 【演练】 and 合计 +250 元", reply, err)
	}
	stop()

	// 到达假企业微信的每一条都以【演练】开头。
	for _, m := range fake.Messages() {
		content := m.Content
		if m.MsgType == "template_card" {
			var req struct {
				Card struct {
					MainTitle struct{ Title string } `json:"main_title"`
				} `json:"template_card"`
			}
			_ = json.Unmarshal(m.Raw, &req)
			content = req.Card.MainTitle.Title
		}
		if m.MsgType == "file" || m.MsgType == "image" {
			continue // 文件名见 Uploads
		}
		if !strings.HasPrefix(content, "【演练】") {
			t.Errorf("a %s message to %s does not start with 【演练】: %.80q", m.MsgType, m.ToUser, content)
		}
	}
	for _, u := range fake.Uploads() {
		if !strings.HasPrefix(u.Name, "【演练】") {
			t.Errorf("file %q does not start with 【演练】", u.Name)
		}
	}
	for _, m := range fake.RobotMessages() {
		if !strings.HasPrefix(m.Content, "【演练】") {
			t.Errorf("robot message does not start with 【演练】: %.80q", m.Content)
		}
	}
	statement := func(who string) string {
		for _, m := range fake.Messages() {
			if m.ToUser == who && strings.Contains(m.Content, "2026年12月考核结算单") {
				return m.Content
			}
		}
		return ""
	}
	for who, want := range map[string]string{"cg01": "−10 元", "cg02": "+250 元", "cg_head": "0 元"} {
		st := statement(who)
		if !strings.HasPrefix(st, "【演练】") || !strings.Contains(st, "合计：") || !strings.Contains(st, want) || !strings.Contains(st, "已由系统自动发布") {
			t.Errorf("%s's December statement should be marked, auto-published and total %s:\n%s", who, want, st)
		}
	}
	entryNotices := 0
	for _, m := range fake.Messages() {
		if strings.Contains(m.Content, "扣款通知") || strings.Contains(m.Content, "奖励通知") {
			entryNotices++
		}
	}
	if entryNotices < 2 {
		t.Errorf("the two entries' private notices did not reach WeCom (%d)", entryNotices)
	}

	var firstLines []string
	for _, line := range reached(fake) {
		firstLines = append(firstLines, strings.SplitN(line, "\n", 2)[0])
	}
	t.Logf("reached the fake WeCom:\n%s\ncallback reply: %s", strings.Join(firstLines, "\n"), strings.SplitN(reply, "\n", 2)[0])

	// 数据库里：12 月由系统在 2027-01-05 发布；上线前的 11 月没有发布。
	db, err := store.Open(context.Background(), dsn, model.PinClock(janAt, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pub, err := db.Publication(context.Background(), model.Month{Year: 2026, Month: time.December})
	if err != nil || pub.ActorName != "系统" || pub.At.In(shanghaiLoc(t)).Format("2006-01-02") != "2027-01-05" {
		t.Errorf("December publication = %+v, %v; want by 系统 on 2027-01-05", pub, err)
	}
	if _, err := db.Publication(context.Background(), model.Month{Year: 2026, Month: time.November}); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("November (before go-live) was published: %v", err)
	}

	// 同一个 HONGQI_CLOCK 再跑 report：接着服务停下时的时间往前走，不被拒绝。
	xlsx := filepath.Join(t.TempDir(), "12月.xlsx")
	out = ok(t, with(env, "HONGQI_CLOCK", janClock), "", "report", "--month", "2026-12", "-o", xlsx)
	if !strings.Contains(out, "2026年12月考核结算") || !strings.Contains(out, "合计 +240 元") {
		t.Errorf("report:\n%s", out)
	}
}

// waitFor 每 100 毫秒检查一次 cond，直到为真；一分钟还不为真就失败（附上服务的日志）。
func waitFor(t *testing.T, what string, log *bytes.Buffer, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s; hongqi serve log:\n%s", what, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
