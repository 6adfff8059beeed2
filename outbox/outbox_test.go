package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hongqi-dev/hongqi/internal/testenv"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/store"
	"github.com/hongqi-dev/hongqi/wecom"
)

var (
	t0    = time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
	// testClock 是存储的时钟（通知的入队时间）；发送进程的时钟由各测试自己拨。
	testClock = model.PinClock(t0, nil)
)

// openOutbox 在一个全新的 MariaDB 库上打开发件箱。
func openOutbox(t *testing.T) model.Outbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, testenv.MySQL(t), testClock, quiet)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func enqueue(t *testing.T, ob model.Outbox, key string, to model.Recipient, next time.Time) {
	t.Helper()
	n := model.Notice{Key: key, To: to, Plain: true, Title: "扣款通知", Body: "正文 " + key, NextAt: next}
	if err := ob.Enqueue(context.Background(), n); err != nil {
		t.Fatalf("Enqueue(%s): %v", key, err)
	}
}

// byKey 按 Key 取全部通知。
func byKey(t *testing.T, ob model.Outbox) map[string]model.Notice {
	t.Helper()
	ns, err := ob.Notices(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]model.Notice{}
	for _, n := range ns {
		out[n.Key] = n
	}
	return out
}

type permanentErr struct{ msg string }

func (e permanentErr) Error() string   { return e.msg }
func (e permanentErr) Permanent() bool { return true }

// scripted 是按剧本返回结果的 Notifier：plan[key] 依次给出每次调用的错误，用完后成功。
// block 为真时 Send 一直等到 ctx 结束（模拟发送中途进程退出）。
type scripted struct {
	mu      sync.Mutex
	plan    map[string][]error
	calls   map[string]int
	ok      map[string]int
	status  model.NoticeStatus
	block   bool
	started chan string
}

func newScripted(plan map[string][]error) *scripted {
	if plan == nil {
		plan = map[string][]error{}
	}
	return &scripted{plan: plan, calls: map[string]int{}, ok: map[string]int{}, status: model.NoticeSent}
}

func (s *scripted) Send(ctx context.Context, n model.Notice) error {
	s.mu.Lock()
	s.calls[n.Key]++
	var err error
	if p := s.plan[n.Key]; len(p) > 0 {
		err, s.plan[n.Key] = p[0], p[1:]
	}
	block := s.block
	s.mu.Unlock()
	if block {
		s.started <- n.Key
		<-ctx.Done()
		return ctx.Err()
	}
	if err == nil {
		s.mu.Lock()
		s.ok[n.Key]++
		s.mu.Unlock()
	}
	return err
}

func (s *scripted) Status() model.NoticeStatus { return s.status }

func (s *scripted) okCount(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ok[key]
}

func runOnce(t *testing.T, w *Worker, wantSent int) {
	t.Helper()
	sent, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if sent != wantSent {
		t.Fatalf("RunOnce 送出 %d 条，应为 %d", sent, wantSent)
	}
}

func TestRunOnceOutcomes(t *testing.T) {
	temp := errors.New("企业微信繁忙 errcode=-1")
	tests := []struct {
		name        string
		plan        []error
		maxAttempts int
		// rounds 是各轮运行时刻（相对 t0）和该轮应送达的条数。
		rounds       []round
		wantStatus   model.NoticeStatus
		wantAttempts int
		wantCalls    int
		wantLastErr  string
	}{
		{
			name:         "success",
			rounds:       []round{{0, 1}, {time.Hour, 0}},
			wantStatus:   model.NoticeSent,
			wantAttempts: 1, wantCalls: 1,
		},
		{
			name: "temporary failure retried after backoff then sent",
			plan: []error{temp, temp},
			// 第 1 次失败后等 5 秒，第 2 次失败后等 10 秒。
			rounds:       []round{{0, 0}, {4 * time.Second, 0}, {5 * time.Second, 0}, {14 * time.Second, 0}, {15 * time.Second, 1}},
			wantStatus:   model.NoticeSent,
			wantAttempts: 3, wantCalls: 3,
		},
		{
			name:         "permanent failure gives up at once",
			plan:         []error{permanentErr{"81013 接收人全部无效"}},
			rounds:       []round{{0, 0}, {time.Hour, 0}},
			wantStatus:   model.NoticeFailed,
			wantAttempts: 1, wantCalls: 1,
			wantLastErr: "81013",
		},
		{
			name:         "gives up after max attempts",
			plan:         []error{temp, temp, temp, temp},
			maxAttempts:  3,
			rounds:       []round{{0, 0}, {time.Minute, 0}, {2 * time.Minute, 0}, {time.Hour, 0}},
			wantStatus:   model.NoticeFailed,
			wantAttempts: 3, wantCalls: 3,
			wantLastErr: "errcode=-1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ob := openOutbox(t)
			enqueue(t, ob, "entry:1", model.ToUsers("zhangsan"), t0)
			nf := newScripted(map[string][]error{"entry:1": tt.plan})
			clk := model.PinClock(time.Time{}, nil)
			w := &Worker{Store: ob, Notifier: nf, Clock: clk, Log: quiet, MaxAttempts: tt.maxAttempts}
			for _, r := range tt.rounds {
				clk.Set(t0.Add(r.at))
				runOnce(t, w, r.sent)
			}
			n := byKey(t, ob)["entry:1"]
			if n.Status != tt.wantStatus || n.Attempts != tt.wantAttempts || nf.calls["entry:1"] != tt.wantCalls {
				t.Errorf("状态 %s、尝试 %d 次、调用 %d 次；应为 %s、%d、%d",
					n.Status, n.Attempts, nf.calls["entry:1"], tt.wantStatus, tt.wantAttempts, tt.wantCalls)
			}
			if !strings.Contains(n.LastError, tt.wantLastErr) {
				t.Errorf("LastError = %q，应含 %q", n.LastError, tt.wantLastErr)
			}
			if tt.wantStatus != model.NoticeFailed && n.SentAt == nil {
				t.Errorf("送达后 SentAt 为空")
			}
		})
	}
}

type round struct {
	at   time.Duration
	sent int
}

func TestDefaultBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 5 * time.Second}, {1, 5 * time.Second}, {2, 10 * time.Second}, {3, 20 * time.Second},
		{7, 320 * time.Second}, {8, 10 * time.Minute}, {100, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.attempt), func(t *testing.T) {
			if got := DefaultBackoff(tt.attempt); got != tt.want {
				t.Errorf("DefaultBackoff(%d) = %v, want %v", tt.attempt, got, tt.want)
			}
		})
	}
}

func TestTwoWorkersSendEachNoticeOnce(t *testing.T) {
	t.Parallel()
	ob := openOutbox(t)
	const total = 60
	for i := range total {
		enqueue(t, ob, fmt.Sprintf("entry:%d", i), model.ToUsers(fmt.Sprintf("u%d", i)), t0)
	}
	nf := newScripted(nil)
	clk := model.PinClock(t0.Add(time.Second), nil)
	var wg sync.WaitGroup
	for range 2 {
		w := &Worker{Store: ob, Notifier: nf, Clock: clk, Log: quiet, Batch: 4}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				sent, err := w.RunOnce(context.Background())
				if err != nil {
					t.Errorf("RunOnce: %v", err)
					return
				}
				if sent == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range total {
		key := fmt.Sprintf("entry:%d", i)
		if c := nf.okCount(key); c != 1 {
			t.Errorf("%s 送出 %d 次，应为 1 次", key, c)
		}
	}
	ns, err := ob.Notices(context.Background(), model.NoticeSent)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != total {
		t.Errorf("已送达 %d 条，应为 %d", len(ns), total)
	}
}

func TestCrashMidBatchNothingLostOrDoubled(t *testing.T) {
	t.Parallel()
	ob := openOutbox(t)
	for _, k := range []string{"entry:1", "entry:2", "entry:3"} {
		enqueue(t, ob, k, model.ToUsers("zhangsan"), t0)
	}
	clk := model.PinClock(t0, nil)
	lease := time.Minute

	// 第一个发送进程领了一批，送第一条时被停掉。
	crashed := newScripted(nil)
	crashed.block, crashed.started = true, make(chan string, 1)
	w1 := &Worker{Store: ob, Notifier: crashed, Clock: clk, Log: quiet, Lease: lease}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := w1.RunOnce(ctx)
		done <- err
	}()
	inflight := <-crashed.started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("被停掉的 RunOnce 返回 %v，应为 context.Canceled", err)
	}
	if n := byKey(t, ob)[inflight]; n.Status != model.NoticeSending {
		t.Fatalf("正在送的 %s 状态 %s，应仍为 sending（租约未过期）", inflight, n.Status)
	}

	// 新的发送进程：没碰过的两条马上能送，正在送的那条等租约过期。
	nf := newScripted(nil)
	w2 := &Worker{Store: ob, Notifier: nf, Clock: clk, Log: quiet, Lease: lease}
	runOnce(t, w2, 2)
	if nf.okCount(inflight) != 0 {
		t.Fatalf("租约未过期就重发了 %s", inflight)
	}
	clk.Set(t0.Add(lease + time.Second))
	runOnce(t, w2, 1)
	clk.Set(t0.Add(24 * time.Hour))
	runOnce(t, w2, 0)

	for k, n := range byKey(t, ob) {
		if n.Status != model.NoticeSent || nf.okCount(k) != 1 {
			t.Errorf("%s 状态 %s、送出 %d 次；应为 sent、1 次", k, n.Status, nf.okCount(k))
		}
	}
}

func TestPerRecipientRateLimitDefers(t *testing.T) {
	t.Parallel()
	ob := openOutbox(t)
	for i := range 3 {
		enqueue(t, ob, fmt.Sprintf("zs:%d", i), model.ToUsers("zhangsan"), t0)
	}
	enqueue(t, ob, "both", model.ToUsers("lisi", "zhangsan"), t0) // 张三已满，整条顺延
	enqueue(t, ob, "zs:3", model.ToUsers("zhangsan"), t0)
	enqueue(t, ob, "ls:0", model.ToUsers("lisi"), t0) // 李四不受张三影响
	nf := newScripted(nil)
	clk := model.PinClock(t0, nil)
	w := &Worker{Store: ob, Notifier: nf, Clock: clk, Log: quiet, PerMinute: 3}

	runOnce(t, w, 4)
	got := byKey(t, ob)
	for _, k := range []string{"both", "zs:3"} {
		n := got[k]
		if n.Status != model.NoticePending || !n.NextAt.Equal(t0.Add(time.Minute)) || nf.calls[k] != 0 {
			t.Errorf("%s 状态 %s、下次 %v、已调用 %d 次；应顺延到 %v 且未发送", k, n.Status, n.NextAt, nf.calls[k], t0.Add(time.Minute))
		}
	}
	clk.Set(t0.Add(30 * time.Second))
	runOnce(t, w, 0)
	clk.Set(t0.Add(time.Minute))
	runOnce(t, w, 2)
	for k, n := range byKey(t, ob) {
		if n.Status != model.NoticeSent || nf.okCount(k) != 1 {
			t.Errorf("%s 状态 %s、送出 %d 次；应为 sent、1 次", k, n.Status, nf.okCount(k))
		}
	}
}

func TestRunDrainsFullBatchesWithoutWaiting(t *testing.T) {
	t.Parallel()
	ob := openOutbox(t)
	for i := range 5 {
		enqueue(t, ob, fmt.Sprintf("entry:%d", i), model.ToUsers(fmt.Sprintf("u%d", i)), t0.Add(-time.Second))
	}
	nf := newScripted(nil)
	w := &Worker{Store: ob, Notifier: nf, Clock: model.PinClock(t0, nil), Log: quiet, Batch: 2}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		w.Run(ctx, time.Hour) // 一小时一轮：只有领满即续领才能很快送完
		close(stopped)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ns, err := ob.Notices(context.Background(), model.NoticeSent)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 秒内只送达 %d 条，应为 5", len(ns))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("ctx 结束后 Run 没有返回")
	}
}

func TestLogNotifier(t *testing.T) {
	t.Parallel()
	ob := openOutbox(t)
	enqueue(t, ob, "entry:7", model.ToUsers("zhangsan"), t0)
	var buf bytes.Buffer
	w := &Worker{Store: ob, Notifier: wecom.LogNotifier{Log: slog.New(slog.NewTextHandler(&buf, nil))}, Clock: model.PinClock(t0, nil), Log: quiet}
	runOnce(t, w, 1)
	if n := byKey(t, ob)["entry:7"]; n.Status != model.NoticeLogged {
		t.Errorf("状态 %s，应为 logged", n.Status)
	}
	line := buf.String()
	if strings.Count(line, "\n") != 1 {
		t.Fatalf("应写一行日志：\n%s", line)
	}
	for _, want := range []string{"to=zhangsan", "扣款通知", "正文 entry:7"} {
		if !strings.Contains(line, want) {
			t.Errorf("日志缺少 %q：%s", want, line)
		}
	}
}

func TestRobotTargetLimitedTo18PerMinute(t *testing.T) {
	t.Parallel()
	ob := openOutbox(t)
	for i := range 20 {
		enqueue(t, ob, fmt.Sprintf("robot:%02d", i), model.ToRobot("all"), t0)
	}
	for i := range 20 {
		enqueue(t, ob, fmt.Sprintf("chat:%02d", i), model.ToChat("hongqi-all"), t0) // 群聊按成员的限额，不受机器人影响
	}
	nf := newScripted(nil)
	clk := model.PinClock(t0, nil)
	w := &Worker{Store: ob, Notifier: nf, Clock: clk, Log: quiet, Batch: 50}

	runOnce(t, w, 38)
	got := byKey(t, ob)
	for _, k := range []string{"robot:18", "robot:19"} {
		if n := got[k]; n.Status != model.NoticePending || !n.NextAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("%s 状态 %s、下次 %v；第 19、20 条应顺延到下一分钟", k, n.Status, n.NextAt)
		}
	}
	if n := got["chat:19"]; n.Status != model.NoticeSent {
		t.Errorf("群聊第 20 条状态 %s，应已送出（限额 %d）", n.Status, DefaultPerMinute)
	}
	clk.Set(t0.Add(time.Minute))
	runOnce(t, w, 2)
	for k, n := range byKey(t, ob) {
		if n.Status != model.NoticeSent || nf.okCount(k) != 1 {
			t.Errorf("%s 状态 %s、送出 %d 次；应为 sent、1 次（不丢、不重）", k, n.Status, nf.okCount(k))
		}
	}
}

func TestLogNotifierDoesNotDumpFiles(t *testing.T) {
	var buf bytes.Buffer
	n := wecom.LogNotifier{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	data := []byte(strings.Repeat("QUJD", 5000))
	if err := n.Send(context.Background(), model.Notice{Key: "export:1", To: model.ToUsers("gly"), File: &model.File{Name: "结算.xlsx", Kind: model.FileDocument, Data: data}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "QUJDQUJD") || !strings.Contains(buf.String(), "20000 字节") {
		t.Errorf("log line = %s", buf.String())
	}
}

// slowNotifier 送每条都要 took（拨动共享的时钟，模拟企业微信很慢）；送第 at 条时先让 during 跑一遍
// （另一个副本的发送进程此刻来领取）。送出的记在 into 上。
type slowNotifier struct {
	into   *scripted
	clk    *model.Clock
	took   time.Duration
	at     int
	during func()
	n      int
}

func (s *slowNotifier) Send(ctx context.Context, n model.Notice) error {
	s.n++
	s.clk.Advance(s.took)
	if s.n == s.at {
		s.during()
	}
	return s.into.Send(ctx, n)
}

func (s *slowNotifier) Status() model.NoticeStatus { return model.NoticeSent }

// TestSlowBatchIsNotSentTwice 企业微信很慢，一批送到一半时领取的租约就过期了，另一个副本来领取：
// 它只拿走还没开始送的那几条，正送着的那条（送之前续过租）不拿；先领的这个副本之后发现那几条
// 已被别人领走，不再送。每条只送一次。
func TestSlowBatchIsNotSentTwice(t *testing.T) {
	t.Parallel()
	ob := openOutbox(t)
	for i := 1; i <= 5; i++ {
		enqueue(t, ob, fmt.Sprintf("n%d", i), model.ToUsers(fmt.Sprintf("u%d", i)), t0)
	}
	clk := model.PinClock(t0.Add(time.Second), nil)
	lease := time.Minute
	sent := newScripted(nil)
	other := &Worker{Store: ob, Notifier: sent, Clock: clk, Log: quiet, Lease: lease}
	var otherSent int
	slow := &slowNotifier{into: sent, clk: clk, took: 50 * time.Second, at: 3, during: func() {
		// 第 3 条送到一半：时钟已过领取时的租约（50 秒 × 3 > 1 分钟）。
		n, err := other.RunOnce(context.Background())
		if err != nil {
			t.Errorf("另一个副本 RunOnce: %v", err)
		}
		otherSent = n
	}}
	first := &Worker{Store: ob, Notifier: slow, Clock: clk, Log: quiet, Lease: lease, Batch: 5}
	n, err := first.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || otherSent != 2 {
		t.Errorf("先领的副本送出 %d 条、另一个送出 %d 条，应为 3 和 2", n, otherSent)
	}
	for i := 1; i <= 5; i++ {
		key := fmt.Sprintf("n%d", i)
		if c := sent.okCount(key); c != 1 {
			t.Errorf("%s 送出 %d 次，应为 1 次", key, c)
		}
	}
	for k, nt := range byKey(t, ob) {
		if nt.Status != model.NoticeSent {
			t.Errorf("%s 状态 %s，应为 sent", k, nt.Status)
		}
	}
}
