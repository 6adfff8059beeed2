package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// TestMonthPostReachesTheGroupOnce：发布一个月后，公布群（群机器人）收到一条月度结果和一张各网点合计图：
// 各网点合计、服务明星和红旗奖励的名字、扣款和奖励的笔数，不点名扣款的人。两个副本上两位中心领导同时“发布”，
// 再发布一次，到期的自动发布也来一次——群里仍只收到一次。
func TestMonthPostReachesTheGroupOnce(t *testing.T) {
	fake := wecomtest.NewServer(t)
	env := flagEnv(t, fake)
	_, prefix := testenv.Redis(t)
	loc := shanghaiLoc(t)
	clk := model.PinClock(time.Date(2026, 10, 12, 9, 0, 0, 0, loc), nil)
	a := startAppReplica(t, env, prefix, clk)
	b := startAppReplica(t, env, prefix, clk)
	importRoster(t, a.m)
	for _, text := range []string{"扣 张三(cg01) 迟到", "扣 李四 卫生", "扣 张三(dj01) 迟到", "奖 张三(dj01) 信息采纳", "明星 李四 10月"} {
		if reply := a.say(t, clk, "admin", text); strings.Contains(reply, "没有") || strings.Contains(reply, "不能") {
			t.Fatalf("%s → %s", text, reply)
		}
	}
	drainApp(t, a, b)
	if n := len(fake.RobotMessages()); n != 0 {
		t.Fatalf("the group got %d messages before publishing", n)
	}

	clk.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, loc))
	var wg sync.WaitGroup
	replies := make([]string, 2)
	for i, r := range []*appReplica{a, b} {
		wg.Add(1)
		go func(i int, r *appReplica) {
			defer wg.Done()
			replies[i] = r.say(t, clk, "admin", "发布 10月")
		}(i, r)
	}
	wg.Wait()
	published := 0
	for _, r := range replies {
		if strings.Contains(r, "已发布") {
			published++
		}
	}
	if published != 1 {
		t.Fatalf("two simultaneous 发布: %q, want exactly one published", replies)
	}
	if again := b.say(t, clk, "admin", "发布 10月"); !strings.Contains(again, "没有重复发送") {
		t.Errorf("second publish → %s", again)
	}
	if _, done, err := a.m.Settle.AutoPublish(context.Background(), model.Month{Year: 2026, Month: time.October}); done || err != nil {
		t.Errorf("auto-publish after publishing: done %v, %v", done, err)
	}
	drainApp(t, a, b)
	drainApp(t, b, a)

	got := fake.RobotMessages()
	if len(got) != 2 || got[0].MsgType != "markdown" || got[1].MsgType != "image" {
		t.Fatalf("the group robot received %d messages, want one result and one picture", len(got))
	}
	text := got[0].Content
	t.Logf("群里收到的月度结果（%d 字节）：\n%s", len(text), text)
	for _, want := range []string{"**2026年10月考核结果**", "城关所 ", "东街所 ", "政务服务明星：李四（城关所）", "本月记扣款 3 笔、奖励 2 笔", "回复“查 10月”"} {
		if !strings.Contains(text, want) {
			t.Errorf("the month result lacks %q", want)
		}
	}
	if strings.Contains(text, "张三") || strings.Contains(text, "迟到") || len(text) > 2048 {
		t.Errorf("the month result names a deduction (settle.announce_names is off) or is too long (%d bytes)", len(text))
	}
	checkPicture(t, got[1].Data, 2)
}
