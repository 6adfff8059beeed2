package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// 发布一个月：每位在册员工（含没有记录的人）的明细经发件箱、真实 SDK 送到假企业微信；发送进程送到一半被杀、重启后接着送——
// 每人恰好收到一份明细，再发布一次什么也不发。
func TestPublishedStatementsReachEveryoneOnceAcrossRestart(t *testing.T) {
	fake := wecomtest.NewServer(t)
	env := fakeWeCom(fake, map[string]string{
		"HONGQI_DB": testenv.MySQL(t),
	})
	loc := shanghaiLoc(t)
	clk := model.PinClock(time.Date(2026, 10, 12, 9, 0, 0, 0, loc), nil)
	m1 := openWithClock(t, env, clk)
	importRoster(t, m1)
	for _, text := range []string{"扣 cg01 迟到", "扣 cg02 卫生", "奖 dj01 信息采纳", "明星 cg02 10月"} {
		if reply := say(t, m1, "admin", text); strings.Contains(reply, "没有") || strings.Contains(reply, "不能") {
			t.Fatalf("%s → %s", text, reply)
		}
	}
	ctx := context.Background()
	if _, err := m1.Sender.RunOnce(ctx); err != nil { // 记录时的私信先送掉
		t.Fatal(err)
	}
	before := len(fake.Messages())

	clk.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, loc))
	reply := say(t, m1, "admin", "发布 2026-10")
	if !strings.Contains(reply, "发布") {
		t.Fatalf("发布 → %s", reply)
	}
	// 送出一条后进程被杀：又领取了几条，没来得及送。
	m1.Sender.Batch = 1
	if _, err := m1.Sender.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m1.DB.Claim(ctx, clk.Now(), clk.Now().Add(2*time.Minute), 2); err != nil {
		t.Fatal(err)
	}
	m1.Close()

	clk.Advance(3 * time.Minute)
	m2 := openWithClock(t, env, clk)
	for i := 0; i < 5; i++ {
		if _, err := m2.Sender.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if again := say(t, m2, "admin", "发布 2026-10"); !strings.Contains(again, "没有重复发送") {
		t.Errorf("second publish → %s", again)
	}
	for i := 0; i < 3; i++ {
		if _, err := m2.Sender.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}

	statements := map[string]int{}
	for _, msg := range fake.Messages()[before:] {
		if strings.Contains(msg.Content, "2026年10月") && strings.Contains(msg.Content, "合计") && !strings.Contains(msg.ToUser, "|") {
			statements[msg.ToUser]++
		}
	}
	for _, who := range []string{"cg01", "cg02", "dj01", "cg_sup"} { // cg_sup 没有记录，也收到“合计 0 元”
		if statements[who] != 1 {
			t.Errorf("%s received %d statements, want exactly 1 (all: %v)", who, statements[who], statements)
		}
	}
	if fake.Duplicates() != 0 {
		t.Errorf("%d resends had to be dropped by WeCom's duplicate check", fake.Duplicates())
	}
	if pending, _ := m2.DB.Notices(ctx, model.NoticePending); len(pending) != 0 {
		t.Errorf("%d notices still pending", len(pending))
	}
}
