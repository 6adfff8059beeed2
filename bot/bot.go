// Package bot 是与传输无关的命令路由：企业微信回调和终端对话都把消息交给 (*Bot).Process。
//
// 仿 tucnak/telebot 的写法：Handle 注册命令（可带中间件），Use 加全局中间件，
// OnError 设置唯一的错误出口。处理函数返回回复文字或错误；用户能看到的错误
// （model.Error）由错误出口变成回复，只有基础设施故障（EUNAVAILABLE、EINTERNAL）
// 才作为 error 从 Process 返回，让企业微信重试。
package bot

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// Context 是一次处理的上下文。
type Context struct {
	Ctx     context.Context
	Msg     model.Message
	Actor   model.Staff // 由 Auth 中间件填写
	Command string      // Parse 得到的命令；事件为空
	Args    []string    // Parse 得到的参数
	Now     time.Time
}

// HandlerFunc 处理一条消息，返回回复文字（可为空）或错误。
type HandlerFunc func(c *Context) (string, error)

// Middleware 包装处理函数。
type Middleware func(HandlerFunc) HandlerFunc

// Options 是 New 的参数。
type Options struct {
	// Staff 非空时自动启用 Auth 中间件：发送者必须在花名册中。
	Staff model.StaffStore
	// Deduper 非空时自动启用 Dedup 中间件：同一 Message.Key 只处理一次。
	Deduper model.Deduper
	// DedupTTL 是去重记忆时长，默认 10 分钟（企业微信 3 次重试都在这之内）。
	DedupTTL time.Duration
	Log      *slog.Logger
	Clock    *model.Clock // 全系统唯一的时钟（必填）
	// Help 返回帮助文字，用于“帮助”、未知命令和 enter_agent 事件；可用 SetHelp 后设。
	Help func() string
}

// Bot 是命令路由。注册（Handle、Use、HandleEvent、OnError、SetHelp）应在开始 Process 之前完成。
type Bot struct {
	log      *slog.Logger
	clock    *model.Clock
	global   []Middleware
	commands map[string]HandlerFunc
	events   []eventRoute
	onError  func(c *Context, err error) string
	mu       sync.RWMutex
	help     func() string
}

type eventRoute struct {
	prefix string
	h      HandlerFunc
}

// New 创建机器人。全局中间件按顺序为：Recover、Dedup（Options.Deduper 非空时）、
// Auth（Options.Staff 非空时），之后是 Use 添加的。
func New(o Options) *Bot {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.DedupTTL <= 0 {
		o.DedupTTL = 10 * time.Minute
	}
	b := &Bot{
		log:      o.Log,
		clock:    o.Clock,
		commands: map[string]HandlerFunc{},
		help:     o.Help,
	}
	b.onError = func(_ *Context, err error) string { return model.ErrorMessage(err) }
	b.global = append(b.global, Recover(o.Log))
	if o.Deduper != nil {
		b.global = append(b.global, Dedup(o.Deduper, o.DedupTTL, o.Log))
	}
	if o.Staff != nil {
		b.global = append(b.global, Auth(o.Staff))
	}
	return b
}

// Use 添加全局中间件，作用于所有命令和事件。
func (b *Bot) Use(mw ...Middleware) { b.global = append(b.global, mw...) }

// Handle 注册命令；names 是命令名及别名（如 扣、扣款），mw 只作用于这个命令。
func (b *Bot) Handle(names []string, h HandlerFunc, mw ...Middleware) {
	h = chain(h, mw)
	for _, n := range names {
		b.commands[commandKey(n)] = h
	}
}

// HandleEvent 注册模板卡片按钮事件：EventKey 以 prefix 开头的 template_card_event 交给 h。
// 多个前缀都匹配时取最长的。
func (b *Bot) HandleEvent(prefix string, h HandlerFunc, mw ...Middleware) {
	b.events = append(b.events, eventRoute{prefix: prefix, h: chain(h, mw)})
}

// OnError 设置错误出口：把处理中的错误变成给用户的回复。默认回复 model.ErrorMessage(err)。
func (b *Bot) OnError(f func(c *Context, err error) string) { b.onError = f }

// SetHelp 设置帮助文字的来源（handlers.Register 会调用）。
func (b *Bot) SetHelp(f func() string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.help = f
}

// Help 返回帮助文字；没有设置时给出一句提示。
func (b *Bot) Help() string {
	b.mu.RLock()
	f := b.help
	b.mu.RUnlock()
	if f == nil {
		return "发送“帮助”查看可用命令。"
	}
	return f()
}

// Process 处理一条消息或事件，返回回复文字。
//
// 用户层面的错误（输入有误、找不到人、无权操作等）都变成回复文字，err 为 nil。
// 只有基础设施故障（错误码 EUNAVAILABLE、EINTERNAL）返回非 nil 的 err，
// 此时 reply 是给用户看的说明（终端对话可以显示），企业微信回调应回非 200，让企业微信重试。
func (b *Bot) Process(ctx context.Context, m model.Message) (reply string, err error) {
	// 控制字符和双向控制符在入口去掉：之后存下的事由、备注、理由都是干净的文字。
	m.Text = model.CleanText(m.Text)
	c := &Context{Ctx: ctx, Msg: m, Now: b.clock.Now()}
	if m.Event == "" {
		c.Command, c.Args = Parse(m.Text)
	}
	h := chain(b.route, b.global)
	reply, err = h(c)
	if err == nil {
		return reply, nil
	}
	text := b.onError(c, err)
	if model.IsRetryable(err) {
		b.log.Error("处理消息失败", "key", m.Key, "from", m.From, "command", c.Command, "err", err)
		return text, err
	}
	b.log.Info("命令被拒绝", "key", m.Key, "from", m.From, "command", c.Command, "code", model.ErrorCode(err), "msg", model.ErrorMessage(err))
	return text, nil
}

// route 按命令或事件找到处理函数并执行。
func (b *Bot) route(c *Context) (string, error) {
	switch c.Msg.Event {
	case "":
	case "enter_agent":
		return b.Help(), nil
	case "template_card_event":
		best := -1
		for i, r := range b.events {
			if strings.HasPrefix(c.Msg.EventKey, r.prefix) && (best < 0 || len(r.prefix) > len(b.events[best].prefix)) {
				best = i
			}
		}
		if best < 0 {
			b.log.Info("没有处理该按钮的程序", "event_key", c.Msg.EventKey)
			return "", nil
		}
		return b.events[best].h(c)
	default:
		return "", nil
	}
	if c.Command == "" {
		return b.Help(), nil
	}
	if h, ok := b.commands[commandKey(c.Command)]; ok {
		return h(c)
	}
	return "没有“" + c.Command + "”这个命令。\n" + b.Help(), nil
}

func commandKey(name string) string { return strings.ToLower(name) }

// chain 把中间件套在 h 外面：mw[0] 在最外层。
func chain(h HandlerFunc, mw []Middleware) HandlerFunc {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
