// Package outbox 是通知发件箱的发送进程：从数据库领取到期的通知，交给 Notifier 送出，
// 按结果标记已送达、稍后重试或放弃。通知先在记账的同一事务里入队，再由这里投递，
// 所以企业微信故障、进程重启、令牌提前失效都不会丢通知；领取带租约，多个副本同时运行时
// 每条通知只交给一个发送进程。
//
// 租约与发送时长的关系：一批领下来的通知是逐条送的，前面的送得慢（企业微信慢、超时），后面的
// 可能等过了领取时的租约。所以每条在送之前先续租（Renew，只在没被别人重新领取时成功，
// 否则跳过这条），送的过程中每隔租约的三分之一再续一次：不论一次调用多慢，正在送的通知都不会
// 被别的副本重新领取、同时再送一遍。进程被杀（kill -9）时续租停止，租约（默认 2 分钟）过后
// 通知被重新领取、重发一次；企业微信的重复消息检查（enable_duplicate_check，30 分钟窗口）
// 丢弃这次重发，所以租约必须远短于这个窗口。
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// 默认参数。
const (
	DefaultBatch       = 20
	DefaultLease       = 2 * time.Minute
	DefaultMaxAttempts = 20
	DefaultPerMinute   = 25 // 企业微信限每应用每成员每分钟 30 条，超出的被静默丢弃
	// DefaultRobotPerMinute 是每个群机器人每分钟送出的条数：企业微信限 20 条，留两条余量。
	DefaultRobotPerMinute = 18
	// storeTimeout 是送出之后记录结果的时限：即使进程正在退出也要把结果写回，免得重发。
	storeTimeout = 10 * time.Second
	maxErrorText = 500
)

// Worker 是发送进程。Clock 必填；其余零值字段取默认值：Log 为 slog.Default()，
// Batch 20，Lease 2 分钟，MaxAttempts 20，Backoff 从 5 秒起翻倍、最长 10 分钟，PerMinute 25。
// 一个 Worker 可以反复调用 RunOnce，但不要复制。
type Worker struct {
	Store    model.Outbox
	Notifier model.Notifier
	Clock    *model.Clock // 全系统唯一的时钟
	Log      *slog.Logger
	// Batch 是每次领取的条数。
	Batch int
	// Lease 是租约：进程中途退出时，租约过期后通知可被别的发送进程重新领取、重发。
	// 每条通知送之前和送的过程中都会续租，所以它不必长于送一批的时间；
	// 但要远短于企业微信重复消息检查的窗口（30 分钟），重发才会被企业微信丢弃。
	Lease time.Duration
	// MaxAttempts 是放弃前的最多尝试次数（含因限速顺延的次数）。
	MaxAttempts int
	// Backoff 返回第 attempt 次失败后的等待时间（attempt 从 1 起）。
	Backoff func(attempt int) time.Duration
	// PerMinute 是每个接收人（成员或应用群聊）每分钟最多送出的条数；超出的顺延，不丢弃。只在本进程内计数。
	PerMinute int
	// RobotPerMinute 是每个群机器人（To.Robot）每分钟最多送出的条数，默认 18。
	RobotPerMinute int

	mu        sync.Mutex
	sends     map[target][]time.Time // 发送目标 → 最近一分钟内的送出时间（升序）
	lastPrune time.Time
}

// DefaultBackoff 从 5 秒起每次翻倍，最长 10 分钟。
func DefaultBackoff(attempt int) time.Duration {
	const first, limit = 5 * time.Second, 10 * time.Minute
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 12 {
		return limit
	}
	return min(first<<(attempt-1), limit)
}

func (w *Worker) now() time.Time { return w.Clock.Now() }

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

func (w *Worker) backoff(attempt int) time.Duration {
	if w.Backoff != nil {
		return w.Backoff(attempt)
	}
	return DefaultBackoff(attempt)
}

// errStopped 表示 ctx 结束，批次中途停下；已领取未处理的通知在租约过期后由别人接手。
var errStopped = errors.New("outbox: 发送进程停止")

// RunOnce 领取一批到期的通知并逐条送出，返回送达的条数。
// 送达 → 按 Notifier.Status() 完成；永久错误或尝试次数已到 MaxAttempts → 标记放弃；
// 其他错误 → 按 Backoff 稍后重试；超出接收人每分钟限额 → 顺延，不算失败。
// ctx 结束时停止，返回 ctx 的错误；存储出错时停止并返回该错误。
func (w *Worker) RunOnce(ctx context.Context) (sent int, err error) {
	sent, _, err = w.runOnce(ctx)
	return sent, err
}

func (w *Worker) runOnce(ctx context.Context) (sent, claimed int, err error) {
	if w.Store == nil || w.Notifier == nil {
		return 0, 0, model.Errorf(model.EINTERNAL, "发送进程缺少发件箱或发送方式。")
	}
	now := w.now()
	batch := orDefault(w.Batch, DefaultBatch)
	lease := orDefault(w.Lease, DefaultLease)
	notices, err := w.Store.Claim(ctx, now, now.Add(lease), batch)
	if err != nil {
		return 0, 0, err
	}
	// 送达的通知攒着，一批送完（或领取时的租约用掉三分之一，此后每条送之前都要续租）时用一条语句一起标记：
	// 标记之前租约还剩三分之二以上，别的发送进程领不走它们。进程在这之间被杀的，租约过期后重发一次，
	// 由企业微信的重复消息检查丢弃（与“送出之后、记下结果之前被杀”相同）。
	var done []int64
	flush := func() error {
		if len(done) == 0 {
			return nil
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		err := w.Store.CompleteAll(sctx, done, w.Notifier.Status(), w.now())
		if err != nil {
			w.log().Error("通知已送出，但没能记下结果；租约过期后可能重发", "notices", len(done), "err", err)
		}
		done = done[:0]
		return err
	}
	for i, n := range notices {
		if ctx.Err() == nil {
			if w.now().Sub(now) >= lease/3 {
				err = flush()
			}
			var ok bool
			if err == nil {
				ok, err = w.deliver(ctx, n, now)
			}
			if ok {
				sent++
				done = append(done, n.ID)
			}
			if err == nil {
				continue
			}
		}
		if ferr := flush(); err == nil {
			err = ferr
		}
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		// 停下：还没碰过的通知放回待发，让别的发送进程马上能领；
		// 正在送的那条结果不明，留给租约过期后重领。
		w.release(notices[i+1:])
		if errors.Is(err, errStopped) {
			err = ctx.Err()
		}
		return sent, len(notices), err
	}
	return sent, len(notices), flush()
}

// deliver 送出一条通知并记录结果。ok 表示已送达（由调用方和同一批的其他通知一起标记完成）；
// err 非空表示应停止本批。
func (w *Worker) deliver(ctx context.Context, n model.Notice, claimedAt time.Time) (ok bool, err error) {
	log := w.log().With("notice", n.ID, "key", n.Key)
	now := w.now()
	if until, limited := w.reserve(n.To, now); limited {
		log.Info("接收人本分钟通知已达上限，顺延", "until", until)
		return false, w.retry(n, until, "接收人每分钟通知已达上限，顺延到下一分钟")
	}
	// 先续租：前面几条送得慢时，这条的领取租约可能已过期、已被别的发送进程重新领取，那就不送。
	// 领取时的租约还剩三分之二以上时不必续（省一次写库）：送的过程中每隔三分之一租约还会续。
	lease := orDefault(w.Lease, DefaultLease)
	if now.Sub(claimedAt) >= lease/3 {
		held, err := w.Store.Renew(ctx, n.ID, n.Attempts, now.Add(lease))
		if err != nil {
			return false, err
		}
		if !held {
			log.Info("这条通知的租约已过期、已由别的发送进程领取，不再送")
			return false, nil
		}
	}
	stop := w.keepLease(ctx, n, lease)
	sendErr := w.Notifier.Send(ctx, n)
	stop()
	if sendErr != nil && ctx.Err() != nil {
		log.Info("发送进程停止，这条通知留待租约过期后重发", "err", sendErr)
		return false, errStopped
	}
	now = w.now()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	maxAttempts := orDefault(w.MaxAttempts, DefaultMaxAttempts)
	switch {
	case sendErr == nil:
		return true, nil
	case model.IsPermanent(sendErr) || n.Attempts >= maxAttempts:
		log.Error("通知发送失败，已放弃，需要人工处理", "attempts", n.Attempts, "err", sendErr)
		if err := w.Store.Complete(sctx, n.ID, model.NoticeFailed, now, errText(sendErr)); err != nil {
			log.Error("没能把通知标记为放弃", "err", err)
			return false, err
		}
		return false, nil
	default:
		next := now.Add(w.backoff(n.Attempts))
		log.Warn("通知发送失败，稍后重试", "attempts", n.Attempts, "next", next, "err", sendErr)
		return false, w.retry(n, next, errText(sendErr))
	}
}

// keepLease 在送 n 的过程中每隔 lease/3 续一次租，直到返回的 stop 被调用（或 ctx 结束）。
// 续租失败只记日志：库不可用时别的发送进程也领不走它。
func (w *Worker) keepLease(ctx context.Context, n model.Notice, lease time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(max(lease/3, time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			rctx, cancel := context.WithTimeout(ctx, storeTimeout)
			held, err := w.Store.Renew(rctx, n.ID, n.Attempts, w.now().Add(lease))
			cancel()
			switch {
			case err != nil:
				w.log().Warn("发送中续租失败", "notice", n.ID, "err", err)
			case !held:
				w.log().Error("发送中的通知被别的发送进程领走了（续租来不及），可能重发", "notice", n.ID)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

func (w *Worker) retry(n model.Notice, next time.Time, lastErr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := w.Store.Retry(ctx, n.ID, next, lastErr); err != nil {
		w.log().Error("没能把通知放回待发；租约过期后会重新领取", "notice", n.ID, "err", err)
		return err
	}
	return nil
}

// release 让领取了但还没处理的通知立即可被别人领取：把租约改到现在（只改仍归自己的；
// 已被别人重新领取的不动，免得把别人正在送的放回待发）。
func (w *Worker) release(ns []model.Notice) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	now := w.now()
	for _, n := range ns {
		if _, err := w.Store.Renew(ctx, n.ID, n.Attempts, now); err != nil {
			w.log().Error("没能放开领取的通知；租约过期后会重新领取", "notice", n.ID, "err", err)
			return
		}
	}
}

func errText(err error) string {
	s := err.Error()
	if len(s) > maxErrorText {
		s = strings.ToValidUTF8(s[:maxErrorText], "") + "…"
	}
	return s
}

// target 是限速的单位：一个成员、一个应用群聊或一个群机器人。
type target struct {
	kind string // "user"、"chat" 或 "robot"
	id   string
}

// targets 返回通知去处中的每个发送目标（成员 userid 不区分大小写）。
func targets(to model.Recipient) []target {
	switch {
	case to.Robot != "":
		return []target{{"robot", to.Robot}}
	case to.Chat != "":
		return []target{{"chat", to.Chat}}
	}
	out := make([]target, 0, len(to.Users))
	seen := map[string]bool{}
	for _, u := range to.Users {
		u = strings.ToLower(strings.TrimSpace(u))
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, target{"user", u})
		}
	}
	return out
}

// reserve 检查去处中每个发送目标最近一分钟的送出数；都有余量时记下这次送出并返回 false，
// 否则返回最早可以再送的时间和 true（什么也不记）。
func (w *Worker) reserve(to model.Recipient, now time.Time) (until time.Time, limited bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sends == nil {
		w.sends = map[target][]time.Time{}
	}
	windowStart := now.Add(-time.Minute)
	if now.Sub(w.lastPrune) > time.Minute {
		for u, ts := range w.sends {
			if len(ts) == 0 || !ts[len(ts)-1].After(windowStart) {
				delete(w.sends, u)
			}
		}
		w.lastPrune = now
	}
	ts := targets(to)
	for _, u := range ts {
		sent := w.sends[u]
		i := 0
		for i < len(sent) && !sent[i].After(windowStart) {
			i++
		}
		sent = sent[i:]
		w.sends[u] = sent
		limit := w.limitFor(u)
		if len(sent) >= limit {
			// 窗口里第 len-limit+1 条过了一分钟，就又有一个空位。
			if t := sent[len(sent)-limit].Add(time.Minute); t.After(until) {
				until = t
			}
			limited = true
		}
	}
	if limited {
		return until, true
	}
	for _, u := range ts {
		w.sends[u] = append(w.sends[u], now)
	}
	return time.Time{}, false
}

// limitFor 返回发送目标每分钟的限额：群机器人 RobotPerMinute，成员和应用群聊 PerMinute。
func (w *Worker) limitFor(t target) int {
	if t.kind == "robot" {
		return orDefault(w.RobotPerMinute, DefaultRobotPerMinute)
	}
	return orDefault(w.PerMinute, DefaultPerMinute)
}

// Run 每隔 every 运行一次 RunOnce，直到 ctx 结束；领满一批时不等待，接着领下一批。
// 出错只记日志，下一轮再试。
func (w *Worker) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sent, claimed, err := w.runOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			w.log().Error("发送通知出错，稍后再试", "err", err)
		} else if sent > 0 {
			w.log().Debug("已发送通知", "sent", sent)
		}
		if err == nil && claimed >= orDefault(w.Batch, DefaultBatch) {
			t.Reset(0)
		} else {
			t.Reset(every)
		}
	}
}
