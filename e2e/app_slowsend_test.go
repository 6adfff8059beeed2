package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/app"
	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/outbox"
	"github.com/hongqi-dev/hongqi/wecom"
	"github.com/hongqi-dev/hongqi/wecom/wecomtest"
)

// slowSendEnv 开两个副本（同一个库，同一个假企业微信），时钟走真实时间：租约按它过期。
func slowSendEnv(t *testing.T) (*wecomtest.Server, *app.Main, *app.Main) {
	t.Helper()
	fake := wecomtest.NewServer(t)
	env := fakeWeCom(fake, map[string]string{
		"HONGQI_DB": testenv.MySQL(t),
	})
	clk := model.SystemClock(nil)
	a := openWithClock(t, env, clk)
	importRoster(t, a)
	b := openWithClock(t, env, clk)
	return fake, a, b
}

// runWorkers 让各副本的发送进程跑到 done 返回真（最多 30 秒）。
func runWorkers(t *testing.T, done func() bool, ms ...*app.Main) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		go func() { defer wg.Done(); m.Sender.Run(ctx, 20*time.Millisecond) }()
	}
	deadline := time.Now().Add(30 * time.Second)
	for !done() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
}

// TestSlowWeComCallIsNotSentTwice 企业微信每次答复都比租约慢（消息其实已送达）：两个副本的发送进程
// 同时在跑，正在送的通知一直续租，另一个副本领不走，每条通知只调用一次发送接口，
// 不需要企业微信的重复检查来兜底。
func TestSlowWeComCallIsNotSentTwice(t *testing.T) {
	fake, a, b := slowSendEnv(t)
	const n = 4
	for range n {
		say(t, a, "admin", "扣 cg01 迟到")
	}
	lease := 300 * time.Millisecond
	fake.DelaySends(3 * lease) // 每次调用都比租约长
	for _, m := range []*app.Main{a, b} {
		m.Sender.Lease, m.Sender.Batch = lease, n
	}
	runWorkers(t, func() bool {
		sent, err := a.DB.Notices(context.Background(), model.NoticeSent)
		return err == nil && len(sent) == n
	}, a, b)
	if got := len(fake.Messages()); got != n {
		t.Errorf("送达 %d 条，应为 %d", got, n)
	}
	if d, calls := fake.Duplicates(), fake.SendCalls(); d != 0 || calls != n {
		t.Errorf("发送接口被调用 %d 次（其中 %d 次被企业微信的重复检查丢弃），应恰好 %d 次：正在送的通知被另一个副本重新领取了", calls, d, n)
	}
}

// dying 在底层发送开始后就不再返回（直到测试结束）：模拟发送中途进程被 kill -9——请求已经发出，
// 之后不续租、不记结果。
type dying struct {
	model.Notifier
	started chan struct{}
	dead    chan struct{} // 测试结束时关闭
	once    sync.Once
}

func (d *dying) Send(ctx context.Context, n model.Notice) error {
	go func() { _ = d.Notifier.Send(context.WithoutCancel(ctx), n) }()
	d.once.Do(func() { close(d.started) })
	<-d.dead
	return context.Canceled
}

// TestKilledMidSendIsResentOnceWithinTheDuplicateWindow 发送进程在调用企业微信的途中被杀：租约过后
// 另一个副本重新领取、重发一次，企业微信的重复检查（同一内容 30 分钟内）丢弃这次重发。
// 接收人只收到一条；租约远短于重复检查的窗口，重发一定落在窗口里。
func TestKilledMidSendIsResentOnceWithinTheDuplicateWindow(t *testing.T) {
	fake, a, b := slowSendEnv(t)
	say(t, a, "admin", "扣 cg01 迟到")
	lease := 300 * time.Millisecond
	fake.DelaySends(time.Second)
	a.Sender.Lease, b.Sender.Lease = lease, lease
	d := &dying{Notifier: a.Sender.Notifier, started: make(chan struct{}), dead: make(chan struct{})}
	t.Cleanup(func() { close(d.dead) })
	a.Sender.Notifier = d
	actx, kill := context.WithCancel(context.Background())
	go a.Sender.Run(actx, 20*time.Millisecond)
	<-d.started
	kill()
	runWorkers(t, func() bool {
		sent, err := b.DB.Notices(context.Background(), model.NoticeSent)
		return err == nil && len(sent) == 1
	}, b)
	if got := len(fake.Messages()); got != 1 {
		t.Errorf("接收人收到 %d 条，应为 1 条", got)
	}
	if calls, dup := fake.SendCalls(), fake.Duplicates(); calls != 2 || dup != 1 {
		t.Errorf("发送接口被调用 %d 次、重复检查丢弃 %d 次；应为被杀前 1 次、重发 1 次且被丢弃", calls, dup)
	}
	if sent, _ := b.DB.Notices(context.Background(), model.NoticeSent); len(sent) == 1 && sent[0].Attempts != 2 {
		t.Errorf("通知尝试了 %d 次，应为 2 次（被杀那次和重发）", sent[0].Attempts)
	}
	if window := wecom.DuplicateCheckInterval * time.Second; outbox.DefaultLease*5 > window {
		t.Errorf("默认租约 %v 不够短于企业微信重复检查的窗口 %v：被杀后重发可能落在窗口外", outbox.DefaultLease, window)
	}
}
