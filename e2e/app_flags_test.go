package e2e

import (
	"bytes"
	"context"
	"fmt"
	"github.com/hongqi-dev/hongqi/app"
	"image"
	"image/color"
	_ "image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// appReplica 是一个完整装配的 hongqi（与 hongqi serve 相同的 Main），带 HTTP 回调。
type appReplica struct {
	m   *app.Main
	url string
}

// flagEnv 写出评选小组和群机器人的配置文件，返回两副本共用的环境变量。
func flagEnv(t *testing.T, fake *wecomtest.Server) map[string]string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "hongqi.yaml")
	yaml := "flags:\n  group: [admin, cg_sup]\n  announce:\n    - kind: robot\n      name: 全员群\n      key: robot-key-full\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	fake.AddRobot("robot-key-full")
	redisURL, _ := testenv.Redis(t)
	return fakeWeCom(fake, map[string]string{
		"HONGQI_CONFIG": cfg,
		"HONGQI_DB":     testenv.MySQL(t),
		"HONGQI_REDIS":  redisURL,
	})
}

func startAppReplica(t *testing.T, env map[string]string, prefix string, clk *model.Clock) *appReplica {
	t.Helper()
	m, err := app.NewMain(func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("NewMain: %v", err)
	}
	m.Clock = clk
	m.RedisPrefix = prefix
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	h, err := m.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, h)
	return &appReplica{m: m, url: srv}
}

var msgSeq struct {
	sync.Mutex
	n int64
}

// post 把一条文本消息或事件按企业微信的方式签名加密后 POST 给副本，返回解密后的回复。
func (r *appReplica) post(t *testing.T, inner string, at time.Time) string {
	t.Helper()
	q, body := wecomtest.SignedRequest(testToken, testAESKey, wecomtest.CorpID, inner, at, "1597212914")
	resp, err := http.Post(r.url+"/wecom/callback?"+q.Encode(), "application/xml", strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("callback answered %d: %s", resp.StatusCode, raw)
	}
	if len(raw) == 0 {
		return ""
	}
	reply, err := wecomtest.DecryptReply(testToken, testAESKey, wecomtest.CorpID, raw)
	if err != nil {
		t.Fatalf("decrypt reply: %v", err)
	}
	return reply
}

func (r *appReplica) say(t *testing.T, clk *model.Clock, from, text string) string {
	t.Helper()
	msgSeq.Lock()
	msgSeq.n++
	id := msgSeq.n
	msgSeq.Unlock()
	return r.post(t, wecomtest.TextMessage(wecomtest.CorpID, from, text, 9000000+id, "1000002", clk.Now()), clk.Now())
}

func drainApp(t *testing.T, rs ...*appReplica) {
	t.Helper()
	for i := 0; i < 4; i++ {
		for _, r := range rs {
			if _, err := r.m.Sender.RunOnce(context.Background()); err != nil {
				t.Fatalf("outbox: %v", err)
			}
		}
	}
}

// 流动红旗全流程，全部是生产装配（Main）：一周的测评和抽查经签名回调进入两个副本；
// 周一 08:00 两个副本的定时任务同时到点，只提名一次；评选小组成员点卡片按钮确认；
// 假企业微信恰好收到一条公布。排行由真实的 rank.Service 按数据库里的输入算出。
func TestWeeklyFlagFullStack(t *testing.T) {
	fake := wecomtest.NewServer(t)
	env := flagEnv(t, fake)
	_, prefix := testenv.Redis(t)
	clk := model.PinClock(time.Date(2026, 11, 2, 9, 0, 0, 0, shanghaiLoc(t)), nil) // W45 的周一
	a := startAppReplica(t, env, prefix, clk)
	b := startAppReplica(t, env, prefix, clk)
	importRoster(t, a.m)

	// 一周的输入（周一到周五），交替送到两个副本。
	for day := 0; day < 5; day++ {
		r := []*appReplica{a, b}[day%2]
		for _, text := range []string{
			"测评 张三(cg01) 满意 9 基本满意 1 不满意 0",
			"测评 李四 满意 6 基本满意 2 不满意 2",
		} {
			if reply := r.say(t, clk, "cg_sup", text); !strings.Contains(reply, "已记") && !strings.Contains(reply, "测评") {
				t.Fatalf("%s → %q", text, reply)
			}
		}
		clk.Advance(24 * time.Hour)
	}
	a.say(t, clk, "cg_sup", "抽查 张三(cg01) 95")
	b.say(t, clk, "cg_sup", "抽查 李四 80")

	// 手算：张三 满意 45、基本满意 5，满意率 (90+5)/100 = 95.00；抽查 95；反映 50。
	//   综合 = (60×95.00 + 30×95 + 10×50)/100 = 90.50
	// 李四 满意 30、基本满意 10、不满意 10，满意率 (60+10)/100 = 70.00；抽查 80；反映 50。
	//   综合 = (60×70 + 30×80 + 10×50)/100 = 71.00
	// 东街所的张三(dj01) 没有测评，不合格。
	if reply := a.say(t, clk, "cg01", "排行 本周"); !strings.Contains(reply, "90.50") || !strings.Contains(reply, "71.00") {
		t.Fatalf("排行 本周 = %q, want 90.50 and 71.00", reply)
	}

	// 周一 08:01：两个副本的定时任务同时到点。
	clk.Set(time.Date(2026, 11, 9, 8, 1, 0, 0, shanghaiLoc(t)))
	var wg sync.WaitGroup
	for _, r := range []*appReplica{a, b} {
		wg.Add(1)
		go func(r *appReplica) {
			defer wg.Done()
			if err := r.m.Sched.Tick(context.Background()); err != nil {
				t.Errorf("Tick: %v", err)
			}
		}(r)
	}
	wg.Wait()
	for _, r := range []*appReplica{a, b} { // 再到点一次也不重复
		if err := r.m.Sched.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	drainApp(t, a, b)

	round, err := a.m.DB.Round(context.Background(), model.FlagWeekly, "2026-W45")
	if err != nil {
		t.Fatalf("no round for 2026-W45: %v", err)
	}
	if len(round.Proposed) < 2 || round.Proposed[0].Subject != "cg01" || round.Proposed[1].Subject != "cg02" {
		t.Fatalf("proposed %+v, want cg01 then cg02", round.Proposed)
	}
	cards := 0
	for _, msg := range fake.Messages() {
		if msg.MsgType == "template_card" {
			cards++
			if !strings.Contains(msg.ToUser, "admin") {
				t.Errorf("card sent to %q, want the evaluation group", msg.ToUser)
			}
		}
	}
	if cards != 1 {
		t.Fatalf("%d proposal cards reached WeCom, want exactly 1", cards)
	}

	// 评选小组成员点“确认”按钮：template_card_event 经签名回调送到另一个副本。
	key := fmt.Sprintf("flag:confirm:%d", round.ID)
	b.post(t, wecomtest.TemplateCardEvent(wecomtest.CorpID, "admin", key, fmt.Sprintf("flag-%d", round.ID), "1000002", clk.Now()), clk.Now())
	drainApp(t, a, b)

	// 评选小组两个人的提名卡片都换成结果（一次 update_template_card，用发送卡片时的 response_code）。
	if ups := fake.CardUpdates(); len(ups) != 1 || ups[0].TaskID != fmt.Sprintf("flag-%d", round.ID) ||
		ups[0].ReplaceName != "已确认（赵管理）" || !slices.Contains(ups[0].UserIDs, "admin") || !slices.Contains(ups[0].UserIDs, "cg_sup") {
		t.Errorf("card updates = %+v, want one 已确认（赵管理） for admin and cg_sup", ups)
	}

	ann := fake.RobotMessages()
	if len(ann) != 2 || ann[0].MsgType != "markdown" || ann[1].MsgType != "image" {
		t.Fatalf("the group robot received %d messages, want exactly 1 announcement and 1 picture", len(ann))
	}
	if !strings.Contains(ann[0].Content, "张三") || !strings.Contains(ann[0].Content, "李四") {
		t.Errorf("announcement does not name the winners: %s", ann[0].Content)
	}
	// 排行图：两位获旗者和东街所的张三（不合格，不在图上）之外没有别人：两行。
	checkPicture(t, ann[1].Data, 2)
	flags, err := a.m.DB.Flags(context.Background(), model.FlagFilter{Kind: model.FlagWeekly, Period: "2026-W45"})
	if err != nil || len(flags) != 2 {
		t.Fatalf("flags = %+v, %v; want two", flags, err)
	}
	for _, f := range flags {
		if f.Month.String() != "2026-11" {
			t.Errorf("flag %s counts in %s, want 2026-11", f.StaffID, f.Month)
		}
	}
}

func shanghaiLoc(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// checkPicture 解开群里收到的图片：PNG、宽 750 像素、高度容得下 rows 行、不是空白图（颜色丰富，写了字）。
func checkPicture(t *testing.T, data []byte, rows int) image.Image {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || format != "png" {
		t.Fatalf("the picture does not decode as PNG: %s %v", format, err)
	}
	b := img.Bounds()
	if b.Dx() != 750 || b.Dy() < 200+rows*70 || len(data) > 2<<20 {
		t.Errorf("picture %d×%d, %d bytes; want 750 wide, room for %d rows, ≤ 2 MB", b.Dx(), b.Dy(), len(data), rows)
	}
	colors := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colors[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0}]++
		}
	}
	if len(colors) < 20 {
		t.Errorf("the picture looks blank: %d colours", len(colors))
	}
	return img
}
