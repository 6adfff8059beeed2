package e2e

import (
	"context"
	"fmt"
	"github.com/hongqi-dev/hongqi/app"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 官方样例 B 的参数：Token、EncodingAESKey、企业 ID。
const (
	testToken  = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	testAESKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	testCorpID = "ww1436e0e65a779aee"
)

// e2eClock 是这些端到端测试的时钟，停在 2026-11-16 09:30（上海）；请求按它签名。
var e2eClock = model.PinClock(time.Date(2026, 11, 16, 9, 30, 0, 0, model.Shanghai), nil)

// instance 是一个完整装配的 hongqi 实例及其 HTTP 服务。
type instance struct {
	m   *app.Main
	srv *httptest.Server
}

func startInstance(t *testing.T, env map[string]string, redisPrefix string) *instance {
	t.Helper()
	m, err := app.NewMain(func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("NewMain: %v", err)
	}
	m.RedisPrefix = redisPrefix
	m.Clock = e2eClock
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	h, err := m.Handler()
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &instance{m: m, srv: srv}
}

func baseEnv(db, redis string) map[string]string {
	return map[string]string{
		"HONGQI_DB":            db,
		"HONGQI_REDIS":         redis,
		"HONGQI_WECOM_CORP_ID": testCorpID,
		"HONGQI_WECOM_TOKEN":   testToken,
		"HONGQI_WECOM_AES_KEY": testAESKey,
	}
}

func importRoster(t *testing.T, m *app.Main) {
	t.Helper()
	if _, _, err := roster.Import(context.Background(), m.DB, "testdata/app-roster.csv", model.DateOf(m.Clock.Now(), m.Clock.Location())); err != nil {
		t.Fatalf("import roster: %v", err)
	}
}

func textXML(from, content string, msgID int64, at time.Time) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content>`+
		`<MsgId>%d</MsgId><AgentID>1000002</AgentID></xml>`, testCorpID, from, at.Unix(), content, msgID)
}

// deliver 以企业微信的方式（独立实现的加密和签名）把一条消息 POST 给回调，返回状态和解密后的回复。
func deliver(t *testing.T, url, inner string) (int, string) {
	t.Helper()
	q, body := wecomtest.SignedRequest(testToken, testAESKey, testCorpID, inner, e2eClock.Now(), "1597212914")
	resp, err := http.Post(url+"/wecom/callback?"+q.Encode(), "application/xml", strings.NewReader(string(body)))
	if err != nil {
		t.Errorf("POST: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(raw) == 0 {
		return resp.StatusCode, ""
	}
	reply, err := wecomtest.DecryptReply(testToken, testAESKey, testCorpID, raw)
	if err != nil {
		t.Errorf("decrypt reply: %v", err)
	}
	return resp.StatusCode, reply
}

// deliverConcurrently 把同一条消息同时送给每个实例 times 次，模拟企业微信的重试落在不同副本上。
func deliverConcurrently(t *testing.T, insts []*instance, inner string, times int) (statuses []int, replies []string) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, in := range insts {
		for i := 0; i < times; i++ {
			wg.Add(1)
			go func(url string) {
				defer wg.Done()
				st, rep := deliver(t, url, inner)
				mu.Lock()
				statuses = append(statuses, st)
				replies = append(replies, rep)
				mu.Unlock()
			}(in.srv.URL)
		}
	}
	wg.Wait()
	return statuses, replies
}

func assertOneEntry(t *testing.T, m *app.Main, statuses []int, replies []string) {
	t.Helper()
	for _, st := range statuses {
		if st != http.StatusOK {
			t.Errorf("a delivery got HTTP %d, want 200 (statuses %v)", st, statuses)
		}
	}
	entries, err := m.DB.Entries(context.Background(), model.EntryFilter{StaffID: "cg01", IncludeRevoked: true})
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	if len(entries) != 1 {
		t.Fatalf("ledger has %d entries for 张三, want exactly 1", len(entries))
	}
	if e := entries[0]; e.Amount != -10 || e.RuleCode != "late" || e.ActorID != "cg_sup" || e.MsgKey != "msg:4561255354251345929" {
		t.Errorf("entry = %+v", e)
	}
	recorded := 0
	for _, r := range replies {
		if strings.Contains(r, "张三") && strings.Contains(r, "10") {
			recorded++
		}
	}
	if recorded < 1 {
		t.Errorf("no delivery got a reply naming the entry; replies %q", replies)
	}
	notices, err := m.DB.Notices(context.Background(), "")
	if err != nil {
		t.Fatalf("Notices: %v", err)
	}
	if len(notices) != 1 || !slices.Equal(notices[0].To.Users, []string{"cg01"}) {
		t.Errorf("outbox has %d notices (%+v), want one for cg01", len(notices), notices)
	}
}

func TestOneMsgIDThreeTimesTwoReplicasOneEntry(t *testing.T) {
	db := testenv.MySQL(t)
	redisURL, prefix := testenv.Redis(t)
	a := startInstance(t, baseEnv(db, redisURL), prefix)
	b := startInstance(t, baseEnv(db, redisURL), prefix)
	importRoster(t, a.m)

	inner := textXML("cg_sup", "扣 张三(cg01) 迟到", 4561255354251345929, e2eClock.Now())
	statuses, replies := deliverConcurrently(t, []*instance{a, b}, inner, 3)
	assertOneEntry(t, a.m, statuses, replies)
}

func TestOneMsgIDThreeTimesTwoReplicasRedisStopped(t *testing.T) {
	db := testenv.MySQL(t)
	redisURL, stop := privateRedis(t)
	a := startInstance(t, baseEnv(db, redisURL), "hongqi:")
	b := startInstance(t, baseEnv(db, redisURL), "hongqi:")
	importRoster(t, a.m)
	stop() // Redis 停了：去重只剩数据库唯一键

	inner := textXML("cg_sup", "扣 张三(cg01) 迟到", 4561255354251345929, e2eClock.Now())
	statuses, replies := deliverConcurrently(t, []*instance{a, b}, inner, 3)
	assertOneEntry(t, a.m, statuses, replies)
}

// privateRedis 在随机端口上启动一个真实的 redis-server 进程（本测试独占，可以停掉）。
func privateRedis(t *testing.T) (url string, stop func()) {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found: %v (install Debian's redis-server)", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(path, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return fmt.Sprintf("redis://127.0.0.1:%d/0", port), stop
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("redis-server on port %d did not come up", port)
	return "", nil
}

func TestServerAnswersURLVerification(t *testing.T) {
	in := startInstance(t, baseEnv(testenv.SQLite(t), ""), "")
	q := wecomtest.SignedURLVerification(testToken, testAESKey, testCorpID, "1616140317555161061", e2eClock.Now(), "263014780")
	resp, err := http.Get(in.srv.URL + "/wecom/callback?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "1616140317555161061" {
		t.Fatalf("URL verification = %d %q, want 200 and the plain echostr", resp.StatusCode, body)
	}
}

func TestDatabaseDownAnswersNot200ThenRetrySucceedsOnce(t *testing.T) {
	db := testenv.MySQL(t)
	redisURL, prefix := testenv.Redis(t)
	down := startInstance(t, baseEnv(db, redisURL), prefix)
	up := startInstance(t, baseEnv(db, redisURL), prefix)
	importRoster(t, up.m)
	down.m.DB.Close() // 这个副本的数据库连接断了

	inner := textXML("cg_sup", "扣 张三(cg01) 迟到", 4561255354251345929, e2eClock.Now())
	if st, _ := deliver(t, down.srv.URL, inner); st == http.StatusOK {
		t.Fatalf("status = 200 with the database down; WeCom would not retry")
	}
	if n := countEntries(t, up.m); n != 0 {
		t.Fatalf("after the failed delivery the ledger has %d entries, want 0", n)
	}
	// 企业微信重试，这次落在健康的副本上：去重键已释放，记一条且只记一条。
	statuses, replies := deliverConcurrently(t, []*instance{up}, inner, 2)
	assertOneEntry(t, up.m, statuses, replies)
}

func countEntries(t *testing.T, m *app.Main) int {
	t.Helper()
	es, err := m.DB.Entries(context.Background(), model.EntryFilter{IncludeRevoked: true})
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	return len(es)
}
