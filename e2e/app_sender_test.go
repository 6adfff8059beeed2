package e2e

import (
	"context"
	"fmt"
	"github.com/hongqi-dev/hongqi/app"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

func openWithClock(t *testing.T, env map[string]string, clk *model.Clock) *app.Main {
	t.Helper()
	m, err := app.NewMain(func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("NewMain: %v", err)
	}
	m.Clock = clk
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func say(t *testing.T, m *app.Main, from, text string) string {
	t.Helper()
	reply, err := m.Bot.Process(context.Background(), model.Message{
		Key: fmt.Sprintf("chat:%s:%d", from, time.Now().UnixNano()), From: from, Text: text, CreateTime: m.Clock.Now(),
	})
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return reply
}

// 通知经发件箱、真实的 SDK 发到本地假企业微信：企业微信宕机、token 提前失效、
// 发送进程领取后崩溃再重启——每条记录的通知恰好送达一次。
func TestNoticesSurviveOutageTokenExpiryAndRestart(t *testing.T) {
	fake := wecomtest.NewServer(t)
	env := fakeWeCom(fake, map[string]string{
		"HONGQI_DB": testenv.MySQL(t),
	})
	clk := model.PinClock(time.Now(), nil)
	m1 := openWithClock(t, env, clk)
	importRoster(t, m1)

	const perPerson = 3
	people := []string{"cg01", "cg02", "dj01"}
	for i := 0; i < perPerson; i++ {
		for _, p := range people {
			say(t, m1, "admin", "扣 "+p+" 迟到")
		}
	}
	total := perPerson * len(people)
	ctx := context.Background()

	// 1. 企业微信宕机：一条也发不出去，全部留待重试。
	fake.Outage(true)
	if _, err := m1.Sender.RunOnce(ctx); err != nil {
		t.Fatalf("RunOnce during outage: %v", err)
	}
	if n := len(fake.Messages()); n != 0 {
		t.Fatalf("%d messages delivered during the outage", n)
	}

	// 2. 恢复，但 token 被提前作废（40014）：丢弃缓存的 token，重取，送出一批。
	fake.Outage(false)
	clk.Advance(time.Minute)
	m1.Sender.Batch = 4
	if _, err := m1.Sender.RunOnce(ctx); err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	fake.ExpireToken()
	if _, err := m1.Sender.RunOnce(ctx); err != nil {
		t.Fatalf("RunOnce after token expiry: %v", err)
	}
	if n := len(fake.Messages()); n != 8 {
		t.Fatalf("after two batches of 4, %d messages delivered, want 8", n)
	}

	// 3. 发送进程领取了剩下的通知后崩溃（没来得及发送也没来得及标记）。
	claimed, err := m1.DB.Claim(ctx, clk.Now(), clk.Now().Add(2*time.Minute), 10)
	if err != nil || len(claimed) != total-8 {
		t.Fatalf("crash simulation claimed %d (err %v), want %d", len(claimed), err, total-8)
	}
	m1.Close()

	// 4. 重启：新进程在租约过期后接手，全部送完。
	clk.Advance(3 * time.Minute)
	m2 := openWithClock(t, env, clk)
	for i := 0; i < 5; i++ {
		if _, err := m2.Sender.RunOnce(ctx); err != nil {
			t.Fatalf("RunOnce after restart: %v", err)
		}
	}

	msgs := fake.Messages()
	if len(msgs) != total {
		t.Fatalf("fake WeCom received %d messages, want exactly %d", len(msgs), total)
	}
	if fake.Duplicates() != 0 {
		t.Errorf("hongqi resent %d delivered notices (WeCom's duplicate check had to drop them)", fake.Duplicates())
	}
	seen := map[string]string{}
	re := regexp.MustCompile(`#(\d+)`)
	for _, msg := range msgs {
		id := re.FindStringSubmatch(msg.Content)
		if id == nil {
			t.Fatalf("notice without an entry number: %q", msg.Content)
		}
		if prev, dup := seen[id[1]]; dup {
			t.Errorf("entry #%s notified twice (to %s and %s)", id[1], prev, msg.ToUser)
		}
		seen[id[1]] = msg.ToUser
		if msg.MsgType != "markdown" || msg.EnableDuplicateCheck != 1 {
			t.Errorf("message type %s, duplicate check %d; want markdown with the duplicate check on", msg.MsgType, msg.EnableDuplicateCheck)
		}
	}
	if f := fake.TokenFetches(); f < 2 || f > 3 {
		t.Errorf("%d token fetches; want the token cached, refetched after the 40014 and once by the restarted process", f)
	}
	pending, err := m2.DB.Notices(ctx, model.NoticePending)
	if err != nil || len(pending) != 0 {
		t.Errorf("%d notices still pending (err %v)", len(pending), err)
	}
}
