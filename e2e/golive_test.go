package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/app"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/roster"
	"github.com/hongqi-dev/hongqi/store"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// reached 是假企业微信收到的全部内容：应用消息、群机器人、应用群聊（每条一行，带接收人）。
func reached(fake *wecomtest.Server) []string {
	var out []string
	for _, m := range fake.Messages() {
		content := m.Content
		if m.MsgType == "template_card" {
			content = string(m.Raw)
		}
		out = append(out, m.ToUser+"｜"+m.MsgType+"｜"+content)
	}
	for _, m := range fake.RobotMessages() {
		out = append(out, "robot｜"+m.Content)
	}
	for _, m := range fake.ChatMessages() {
		out = append(out, "appchat:"+m.ChatID+"｜"+m.Content)
	}
	return out
}

// tickAndSend 执行一轮定时任务，再把发件箱送几轮。
func tickAndSend(t *testing.T, m *app.Main) {
	t.Helper()
	ctx := context.Background()
	if err := m.Sched.Tick(ctx); err != nil {
		t.Fatalf("Tick: %v", err)
	}
	for range 4 {
		if _, err := m.Sender.RunOnce(ctx); err != nil {
			t.Fatalf("outbox: %v", err)
		}
	}
}

// TestFirstStartIsQuiet：一个中心 2026 年 12 月 2 日 10:00 第一次启动红旗（全新的数据库，导入了花名册，
// 配了评选小组和公布群）：上线之前就结束的 10 月、11 月、第 48 周、11 月下旬，一样也不做——假企业微信
// 什么也没收到。同一个库到 2027 年 1 月 1 日 09:05：12 月的结算草稿发给两位中心领导，10 月、11 月的
// 什么也没有（不自动发布、不发草稿）；上线记在数据库里，重启后不变。
func TestFirstStartIsQuiet(t *testing.T) {
	fake := wecomtest.NewServer(t)
	fake.AddRobot("robot-key-full")
	cfg := filepath.Join(t.TempDir(), "hongqi.yaml")
	yaml := "flags:\n  group: [admin, cg_sup]\n  announce:\n    - kind: robot\n      name: 全员群\n      key: robot-key-full\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fakeWeCom(fake, map[string]string{
		"HONGQI_CONFIG": cfg,
		"HONGQI_DB":     testenv.MySQL(t),
	})
	loc := shanghaiLoc(t)
	first := time.Date(2026, 12, 2, 10, 0, 0, 0, loc)
	clk := model.PinClock(first, nil)
	m1 := openWithClock(t, env, clk)
	if _, _, err := roster.Import(context.Background(), m1.DB, "testdata/golive-roster.csv", model.DateOf(clk.Now(), loc)); err != nil {
		t.Fatal(err)
	}
	if !m1.GoLive.Equal(first) {
		t.Fatalf("go-live = %v, want the first start %v", m1.GoLive, first)
	}
	tickAndSend(t, m1)
	clk.Advance(time.Hour)
	tickAndSend(t, m1)
	if got := reached(fake); len(got) != 0 {
		t.Fatalf("the first start sent %d messages, want none:\n%s", len(got), strings.Join(got, "\n"))
	}
	if ns, _ := m1.DB.Notices(context.Background(), ""); len(ns) != 0 {
		t.Fatalf("the first start queued %d notices, want none: %+v", len(ns), ns)
	}
	for _, mo := range []model.Month{{Year: 2026, Month: time.October}, {Year: 2026, Month: time.November}} {
		if closed, _ := m1.Settle.Closed(context.Background(), mo); closed {
			t.Errorf("%s was published on the first start", mo.Label())
		}
	}
	m1.Close()

	clk.Set(time.Date(2027, 1, 1, 9, 5, 0, 0, loc))
	m2 := openWithClock(t, env, clk)
	if !m2.GoLive.Equal(first) {
		t.Errorf("after a restart go-live = %v, want %v", m2.GoLive, first)
	}
	tickAndSend(t, m2)
	got := reached(fake)
	drafts := map[string]bool{}
	for _, line := range got {
		for _, old := range []string{"2026年10月", "2026年11月", "11月上旬", "11月中旬", "11月下旬", "第48周", "第47周"} {
			if strings.Contains(line, old) {
				t.Errorf("something for a period before go-live reached WeCom (%s):\n%s", old, line)
			}
		}
		if strings.Contains(line, "【草稿】2026年12月结算") {
			drafts[strings.SplitN(line, "｜", 2)[0]] = true
		}
	}
	if !drafts["admin"] || !drafts["zx_dir"] || len(drafts) != 2 {
		t.Errorf("December drafts went to %v, want admin and zx_dir:\n%s", drafts, strings.Join(got, "\n"))
	}
	for _, mo := range []model.Month{{Year: 2026, Month: time.October}, {Year: 2026, Month: time.November}, {Year: 2026, Month: time.December}} {
		if closed, _ := m2.Settle.Closed(context.Background(), mo); closed {
			t.Errorf("%s was published", mo.Label())
		}
	}
	t.Logf("2027-01-01 09:05 reached WeCom:\n%s", strings.Join(got, "\n"))
}

// TestUpgradeKeepsGoingLive：已经在用的中心升级到记上线时刻的版本（库里有数据、没有记过设定）：上线是库里最早
// 记下的时间，不是升级那一刻——升级前结束、还没发布的 11 月照样在 12 月 5 日自动发布。
func TestUpgradeKeepsGoingLive(t *testing.T) {
	ctx := context.Background()
	loc := shanghaiLoc(t)
	env := map[string]string{"HONGQI_DB": testenv.MySQL(t)}
	used := time.Date(2026, 11, 2, 9, 0, 0, 0, loc)
	db, err := store.Open(ctx, env["HONGQI_DB"], model.PinClock(used, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.UpsertRoster(ctx, testenv.Roster(t, "testdata/roster.csv")); err != nil {
		t.Fatal(err)
	}
	db.Close()

	clk := model.PinClock(time.Date(2026, 12, 3, 10, 0, 0, 0, loc), nil)
	m := openWithClock(t, env, clk)
	if !m.GoLive.Equal(used) {
		t.Fatalf("after the upgrade go-live = %v, want the database's first record %v", m.GoLive, used)
	}
	clk.Set(time.Date(2026, 12, 5, 9, 1, 0, 0, loc))
	if err := m.Sched.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if closed, _ := m.Settle.Closed(ctx, model.Month{Year: 2026, Month: time.November}); !closed {
		t.Error("November was not auto-published on 5 December after the upgrade")
	}
}
