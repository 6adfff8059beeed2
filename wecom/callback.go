package wecom

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strconv"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// Callback 的默认参数。
const (
	DefaultReplayWindow   = 5 * time.Minute
	DefaultMaxBody        = 64 << 10
	DefaultProcessTimeout = 4 * time.Second
)

// Processor 处理一条已验签、解密的消息，返回给发送者的回复（空串表示不回复）。
// 返回错误码为 EUNAVAILABLE 或 EINTERNAL 的错误时，回调答 503，企业微信稍后重试；
// 其他错误码的错误视为已处理，把错误的中文说明回复给发送者。
type Processor interface {
	Process(ctx context.Context, m model.Message) (reply string, err error)
}

// ProcessorFunc 让普通函数实现 Processor。
type ProcessorFunc func(ctx context.Context, m model.Message) (string, error)

// Process 调用 f。
func (f ProcessorFunc) Process(ctx context.Context, m model.Message) (string, error) {
	return f(ctx, m)
}

// Callback 是企业微信应用的回调 HTTP 处理器（挂在 /wecom/callback）：
// GET 做回调地址验证，POST 接收消息并以加密的被动回复作答。
// 验签失败、企业 ID 不符、时间戳超出重放窗口、请求过大或格式不对时答 4xx，
// 只记一行日志，不调用 Processor。
type Callback struct {
	Crypto    *Crypto
	Processor Processor
	// Clock 是全系统唯一的时钟（重放窗口、回复时间戳）；测试时注入停住的时钟。
	Clock *model.Clock
	// ReplayWindow 是请求 timestamp 与当前时间允许的最大偏差，默认 5 分钟。
	ReplayWindow time.Duration
	// MaxBody 是 POST 请求体的上限（字节），默认 64 KiB。
	MaxBody int64
	// ProcessTimeout 是调用 Processor 的期限，默认 4 秒（企业微信 5 秒后断开并重试）。到期时
	// 不论 Processor 是否返回都答 503：Processor 在期限后提交的结果，企业微信重试时会拿到。
	ProcessTimeout time.Duration
	Log            *slog.Logger
	// Mark 非空时加在每条被动回复的开头（演练数据库为“【演练】”）。
	Mark string
}

var _ http.Handler = (*Callback)(nil)

func (h *Callback) now() time.Time { return h.Clock.Now() }

func (h *Callback) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// ServeHTTP 实现 http.Handler。
func (h *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.serveVerify(w, r)
	case http.MethodPost:
		h.serveMessage(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		h.reject(w, r, http.StatusMethodNotAllowed, "method not allowed", nil)
	}
}

// reject 答一个错误状态并记一行日志（不含请求体和密钥）。
func (h *Callback) reject(w http.ResponseWriter, r *http.Request, status int, reason string, err error) {
	attrs := []any{
		slog.Int("status", status),
		slog.String("reason", reason),
		slog.String("method", r.Method),
		slog.String("remote", r.RemoteAddr),
	}
	if err != nil {
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	h.log().Warn("wecom callback rejected", attrs...)
	http.Error(w, http.StatusText(status), status)
}

// checkFresh 校验 timestamp 是数字且在重放窗口内。
func (h *Callback) checkFresh(ts string) (status int, reason string) {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return http.StatusBadRequest, "timestamp is not a number"
	}
	win := h.ReplayWindow
	if win <= 0 {
		win = DefaultReplayWindow
	}
	d := h.now().Sub(time.Unix(sec, 0))
	if d > win || d < -win {
		return http.StatusForbidden, "timestamp outside replay window"
	}
	return 0, ""
}

// statusFor 把解码错误映射到 HTTP 状态。
func statusFor(err error) (int, string) {
	switch {
	case errors.Is(err, ErrBadSignature):
		return http.StatusUnauthorized, "bad signature"
	case errors.Is(err, ErrWrongReceiver):
		return http.StatusForbidden, "wrong corp id"
	default:
		return http.StatusBadRequest, "malformed request"
	}
}

func (h *Callback) serveVerify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sig, ts, nonce, echo := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), q.Get("echostr")
	if sig == "" || ts == "" || nonce == "" || echo == "" {
		h.reject(w, r, http.StatusBadRequest, "missing msg_signature, timestamp, nonce or echostr", nil)
		return
	}
	if st, why := h.checkFresh(ts); st != 0 {
		h.reject(w, r, st, why, nil)
		return
	}
	plain, err := h.Crypto.VerifyURL(sig, ts, nonce, echo)
	if err != nil {
		st, why := statusFor(err)
		h.reject(w, r, st, why, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(plain)))
	_, _ = io.WriteString(w, plain)
	h.log().Info("wecom callback url verified")
}

func (h *Callback) serveMessage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sig, ts, nonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
	if sig == "" || ts == "" || nonce == "" {
		h.reject(w, r, http.StatusBadRequest, "missing msg_signature, timestamp or nonce", nil)
		return
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	if r.ContentLength > limit {
		h.reject(w, r, http.StatusRequestEntityTooLarge, "body too large", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.reject(w, r, http.StatusRequestEntityTooLarge, "body too large", nil)
			return
		}
		h.reject(w, r, http.StatusBadRequest, "cannot read body", err)
		return
	}
	if st, why := h.checkFresh(ts); st != 0 {
		h.reject(w, r, st, why, nil)
		return
	}
	m, err := h.Crypto.Decrypt(sig, ts, nonce, body)
	if err != nil {
		st, why := statusFor(err)
		h.reject(w, r, st, why, err)
		return
	}
	h.process(w, r, m)
}

// process 调用 Processor 并写出回复；Processor 的 panic 答 500。
func (h *Callback) process(w http.ResponseWriter, r *http.Request, m model.Message) {
	timeout := h.ProcessTimeout
	if timeout <= 0 {
		timeout = DefaultProcessTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	start := h.now()
	reply, panicked, err := h.callBy(ctx, m)
	log := h.log().With(slog.String("key", m.Key), slog.String("from", m.From))
	if panicked != nil {
		log.Error("wecom callback processor panicked", slog.Any("panic", panicked))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	if err != nil {
		switch {
		case model.IsRetryable(err):
			log.Error("wecom callback processing failed, asking WeCom to retry", slog.String("err", err.Error()), slog.Duration("took", h.Clock.Since(start)))
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		case model.ErrorCode(err) == model.EDUPLICATE:
			// 重复投递：先前已回复过，这里只确认收到。
		default:
			if reply == "" {
				reply = model.ErrorMessage(err)
			}
		}
	}
	if reply == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	out, err := h.Crypto.EncryptReply(m.From, h.Crypto.receiveID, h.Mark+reply, h.now(), randomNonce())
	if err != nil {
		log.Error("wecom callback cannot encrypt reply", slog.String("err", err.Error()))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}

// lateGrace 是期限到了之后再等 Processor 自己返回的时间（它收到 ctx 取消后通常立即返回）。
const lateGrace = 100 * time.Millisecond

// errLate 表示 Processor 过了期限还没有返回。
var errLate = model.Errorf(model.EUNAVAILABLE, "处理超时。")

// callBy 在另一个 goroutine 里调用 Processor，最迟在 ctx 到期后 lateGrace 返回：库在提交时卡住这类
// 不理会 ctx 的阻塞也不会让回调拖过企业微信的 5 秒。过期时答 503；Processor 之后若真的提交了，
// 企业微信的重试会拿到存下的回复。
func (h *Callback) callBy(ctx context.Context, m model.Message) (reply string, panicked any, err error) {
	type result struct {
		reply    string
		panicked any
		err      error
	}
	done := make(chan result, 1)
	go func() {
		r, p, e := h.call(ctx, m)
		done <- result{r, p, e}
	}()
	select {
	case r := <-done:
		return r.reply, r.panicked, r.err
	case <-ctx.Done():
	}
	t := time.NewTimer(lateGrace)
	defer t.Stop()
	select {
	case r := <-done:
		return r.reply, r.panicked, r.err
	case <-t.C:
		h.log().Warn("wecom callback processor did not return by the deadline, answering 503", slog.String("key", m.Key))
		return "", nil, errLate
	}
}

// call 调用 Processor，把 panic 转成返回值。
func (h *Callback) call(ctx context.Context, m model.Message) (reply string, panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	if h.Processor == nil {
		return "", nil, nil
	}
	reply, err = h.Processor.Process(ctx, m)
	return reply, nil, err
}

// randomNonce 生成被动回复用的十位数字随机串。
func randomNonce() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	if err != nil {
		// 系统随机源不可用（几乎不会发生）：nonce 只需不重复得太频繁，固定值也能被企业微信接受。
		return "1234567890"
	}
	return fmt.Sprint(n.Int64() + 1_000_000_000)
}
