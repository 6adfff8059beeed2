// Package bot 是与传输无关的命令路由：企业微信回调和终端对话都把消息交给 (*Bot).Process。
//
// 仿 tucnak/telebot 的写法：Handle 注册命令（可带中间件），Use 加全局中间件，
// OnError 设置唯一的错误出口。处理函数返回回复文字或错误；用户能看到的错误
// （model.Error）由错误出口变成回复，只有基础设施故障（EUNAVAILABLE、EINTERNAL）
// 才作为 error 从 Process 返回，让企业微信重试。
//
// 写命令（Handle、HandleEvent 注册的，默认）在 Options.Units 的一个事务里处理：消息登记、
// 命令的写入和回复一起提交，同一消息的重试得到同一回复；没提交的消息重试时从头处理。
// 只读命令（HandleRead）不登记消息、不开事务。
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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
	// Tails[i] 是从第 i 个参数起的原文（见 Parsed.Tails），用 Rest 取。
	Tails []string
	// Understood 非空时，回复前面加一行“按“<Understood>”理解：”，告诉发送人这条消息是怎样读的。
	// 命令和后面的字粘在一起（“扣李四迟到”）时由机器人填写；处理函数自己拆开粘连的词时也可以填写
	// （如“扣 李四 迟到”）。
	Understood string
	// Guess 只在兜底回复里有：消息开头像命令 Guess，但后面的内容看不懂（如“请假条”）。
	Guess string
	// commandTail 是从命令起的原文，拆开粘连的命令时用。
	commandTail string
}

// Rest 返回从第 i 个参数起的原文（标点照用户写的，如“10:20，门口没人。”）；没有时为空。
// 备注、事由、理由等自由文字用它，不用 strings.Join(Args[i:], " ")。
func (c *Context) Rest(i int) string {
	if i < 0 || i >= len(c.Args) {
		return ""
	}
	if len(c.Tails) == len(c.Args) {
		return c.Tails[i]
	}
	return strings.Join(c.Args[i:], " ")
}

// Fallback 给出不是命令的消息的回复：进入应用（enter_agent）、空消息、问候、未知命令
// （c.Command 是写的词；c.Guess 非空时开头像命令 Guess，后面看不懂）。
type Fallback func(c *Context) string

// NoticeQueue 是回复续发用的发件箱（model.Outbox 的一部分）：Key 已存在时什么也不做。
type NoticeQueue interface {
	Enqueue(ctx context.Context, n model.Notice) error
}

// HandlerFunc 处理一条消息，返回回复文字（可为空）或错误。
type HandlerFunc func(c *Context) (string, error)

// Middleware 包装处理函数。
type Middleware func(HandlerFunc) HandlerFunc

// Options 是 New 的参数。
type Options struct {
	// Staff 非空时自动启用 Auth 中间件：发送者必须在花名册中。
	Staff model.StaffStore
	// Units 非空时，写命令在 Units.Once 的事务里处理（同一 Message.Key 只处理一次，重试得到
	// 存下的回复），只读命令的 ctx 经 Units.Fresh。为空时（部分测试）直接处理。
	Units model.Units
	Log   *slog.Logger
	Clock *model.Clock // 全系统唯一的时钟（必填）
	// Fallback 回复不是命令的消息（进入应用、问候、未知命令）；可用 SetFallback 后设。
	Fallback Fallback
	// Outbox 非空时，超过企业微信上限（model.MaxMessageBytes）的回复分段：第一段作为回复，
	// 其余按顺序作为应用消息私信发给发送人（通知 Key 为 "reply:<消息 Key>:<段号>"，重试不重发）。
	// 为空时只回复第一段，并说明内容太长、没有显示完。
	Outbox NoticeQueue
	// OnReply 非空时，每条回复在分段之前交给它（写日志、测试检查回复长度）。
	OnReply func(c *Context, reply string)
	// Cards 非空时，按钮事件带的 response_code 随消息一起记下（见 model/card.go）：发送卡片时的 code
	// 用不了时，用它把卡片换成结果。
	Cards model.CardCodeStore
}

// Bot 是命令路由。注册（Handle、Use、HandleEvent、OnError、SetFallback）应在开始 Process 之前完成。
type Bot struct {
	log      *slog.Logger
	clock    *model.Clock
	units    model.Units
	global   []Middleware
	commands map[string]route
	events   []eventRoute
	onError  func(c *Context, err error) string
	mu       sync.RWMutex
	fallback Fallback
	outbox   NoticeQueue
	onReply  func(c *Context, reply string)
	cards    model.CardCodeStore
}

// route 是一条命令的处理函数；write 表示它可能写数据，要在事务里处理。
type route struct {
	h     HandlerFunc
	write bool
}

type eventRoute struct {
	prefix string
	h      HandlerFunc
}

// New 创建机器人。每条消息先经 Recover（最外层，在事务之外），写命令再进 Units 的事务；
// 全局中间件按顺序为 Auth（Options.Staff 非空时）和 Use 添加的，都在事务之内。
func New(o Options) *Bot {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	b := &Bot{
		log:      o.Log,
		clock:    o.Clock,
		units:    o.Units,
		commands: map[string]route{},
		fallback: o.Fallback,
		outbox:   o.Outbox,
		onReply:  o.OnReply,
		cards:    o.Cards,
	}
	b.onError = func(_ *Context, err error) string { return model.ErrorMessage(err) }
	if o.Staff != nil {
		b.global = append(b.global, Auth(o.Staff))
	}
	return b
}

// Use 添加全局中间件，作用于所有命令和事件。
func (b *Bot) Use(mw ...Middleware) { b.global = append(b.global, mw...) }

// Handle 注册写命令；names 是命令名及别名（如 扣、扣款），mw 只作用于这个命令。
// 写命令在一个事务里处理，同一消息只处理一次（见 Options.Units）。
func (b *Bot) Handle(names []string, h HandlerFunc, mw ...Middleware) {
	b.handle(names, route{h: chain(h, mw), write: true})
}

// HandleRead 注册只读命令（查、规则、帮助、排行……）：不登记消息、不开事务。
// 处理函数不能写任何数据。
func (b *Bot) HandleRead(names []string, h HandlerFunc, mw ...Middleware) {
	b.handle(names, route{h: chain(h, mw)})
}

func (b *Bot) handle(names []string, r route) {
	for _, n := range names {
		b.commands[commandKey(n)] = r
	}
}

// HandleEvent 注册模板卡片按钮事件：EventKey 以 prefix 开头的 template_card_event 交给 h。
// 多个前缀都匹配时取最长的。按钮事件都当作写命令处理。
func (b *Bot) HandleEvent(prefix string, h HandlerFunc, mw ...Middleware) {
	b.events = append(b.events, eventRoute{prefix: prefix, h: chain(h, mw)})
}

// OnError 设置错误出口：把处理中的错误变成给用户的回复。默认回复 model.ErrorMessage(err)。
func (b *Bot) OnError(f func(c *Context, err error) string) { b.onError = f }

// SetFallback 设置不是命令的消息的回复（handlers.Register 会调用）。
func (b *Bot) SetFallback(f Fallback) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fallback = f
}

// reply 给出不是命令的消息的回复；没有设置 Fallback 时说明发“帮助”。
func (b *Bot) reply(c *Context) string {
	b.mu.RLock()
	f := b.fallback
	b.mu.RUnlock()
	if f != nil {
		return f(c)
	}
	if c.Command != "" {
		return "没有“" + c.Command + "”这个命令，发“帮助”查看可用的命令。"
	}
	return "发“帮助”查看可用的命令。"
}

// Process 处理一条消息或事件，返回回复文字。
//
// 用户层面的错误（输入有误、找不到人、无权操作等）都变成回复文字，err 为 nil。
// 只有基础设施故障（错误码 EUNAVAILABLE、EINTERNAL）返回非 nil 的 err，
// 此时 reply 是给用户看的说明（终端对话可以显示），企业微信回调应回非 200，让企业微信重试。
//
// 回复不超过企业微信的上限（model.MaxMessageBytes）：更长的分段，见 Options.Outbox。
func (b *Bot) Process(ctx context.Context, m model.Message) (reply string, err error) {
	// 控制字符和双向控制符在入口去掉：之后存下的事由、备注、理由都是干净的文字。
	m.Text = model.CleanText(m.Text)
	c := &Context{Ctx: ctx, Msg: m, Now: b.clock.Now()}
	if m.Event == "" {
		p := Split(m.Text)
		c.Command, c.Args, c.Tails, c.commandTail = p.Command, p.Args, p.Tails, p.commandTail
	}
	h := chain(b.answer, b.global)
	run := func(c *Context) (string, error) {
		switch {
		case b.units == nil || m.Key == "":
		case b.writes(c):
			return b.once(c, h)
		default:
			c.Ctx = b.units.Fresh(c.Ctx)
		}
		return h(c)
	}
	// Recover 在事务之外：panic 时事务已回滚，回复 PanicReply。
	reply, err = Recover(b.log)(run)(c)
	if err == nil {
		return reply, nil
	}
	text := fit(b.onError(c, err))
	if model.IsRetryable(err) {
		b.log.Error("处理消息失败", "key", m.Key, "from", m.From, "command", c.Command, "err", err)
		return text, err
	}
	b.log.Info("命令被拒绝", "key", m.Key, "from", m.From, "command", c.Command, "code", model.ErrorCode(err), "msg", model.ErrorMessage(err))
	return text, nil
}

// once 在 Units 的事务里处理写命令：回复（成功的回复和拒绝的说明）随消息存下；被拒绝的命令
// 的写入撤回（answer 里 Discard）；基础设施错误整体回滚。
func (b *Bot) once(c *Context, h HandlerFunc) (string, error) {
	return b.units.Once(c.Ctx, c.Msg, func(ctx context.Context) (string, error) {
		c.Ctx = ctx
		reply, err := h(c)
		if err == nil {
			err = b.keepCode(c)
		}
		return reply, err
	})
}

// keepCode 在消息的事务里记下按钮事件带的 response_code（命令被拒绝时也记：拒绝的写入已经撤回，
// 这是之后的写入）。没有 Cards、不是按钮事件或没有 code 时什么也不做。
func (b *Bot) keepCode(c *Context) error {
	m := c.Msg
	if b.cards == nil || m.Event != "template_card_event" || m.ResponseCode == "" || m.TaskID == "" {
		return nil
	}
	err := b.cards.SaveCardCode(c.Ctx, model.CardCode{TaskID: m.TaskID, Code: m.ResponseCode, Users: []string{m.From}, Click: true})
	if model.ErrorCode(err) == model.EINVALID {
		b.log.Warn("按钮事件的 response_code 没有记下", "key", m.Key, "err", err)
		return nil
	}
	return err
}

// discard 撤回被拒绝的命令在消息事务里做过的写入（不在事务里时什么也不做）。
func (b *Bot) discard(c *Context) error {
	if b.units == nil {
		return nil
	}
	return b.units.Discard(c.Ctx)
}

// writes 表示这条消息交给的处理函数是否写数据（与 route 找处理函数的办法一致）：
// 写命令、按钮事件是；只读命令、进入应用、不认识的事件、不是命令的消息不是。
func (b *Bot) writes(c *Context) bool {
	switch c.Msg.Event {
	case "":
	case "template_card_event":
		for _, r := range b.events {
			if strings.HasPrefix(c.Msg.EventKey, r.prefix) {
				return true
			}
		}
		return false
	default:
		return false
	}
	if c.Command == "" {
		return false
	}
	if r, ok := b.commands[commandKey(c.Command)]; ok {
		return r.write
	}
	_, r, ok := b.prefix(c.Command)
	return ok && r.write
}

// answer 是全局中间件里面的一层：找到处理函数执行，用户错误变成回复，回复按企业微信的上限分段。
// 分段在写命令的事务之内：续发和回复一起提交；入队失败时（基础设施错误）整体回滚，企业微信的重试会再来。
func (b *Bot) answer(c *Context) (string, error) {
	reply, err := b.route(c)
	switch {
	case err == nil:
	case model.IsRetryable(err):
		return reply, err
	default:
		// 被拒绝：撤回它做过的写入；拒绝的说明（和太长时续发的几段）照常随消息提交。
		if derr := b.discard(c); derr != nil {
			return "", derr
		}
		b.log.Info("命令被拒绝", "key", c.Msg.Key, "from", c.Msg.From, "command", c.Command, "code", model.ErrorCode(err), "msg", model.ErrorMessage(err))
		reply = b.onError(c, err)
	}
	if b.onReply != nil && reply != "" {
		b.onReply(c, reply)
	}
	return b.send(c, reply)
}

// 分段的标记：第一段末尾说明还有几段，其余每段开头写“（续 2/3）”。预留 markBytes 字节给标记。
const (
	markBytes = 64
	moreMark  = "\n……（未完，其余 %d 段随后私信发给您）"
	partMark  = "（续 %d/%d）\n"
	cutMark   = "\n……（内容太长，只显示了前一部分）"
)

// send 返回不超过企业微信上限的回复：超过时第一段作为回复，其余按顺序入队私信发给发送人。
// 分段只由回复文字决定，续发的通知 Key 是 "reply:<消息 Key>:<段号>"：同一条消息的重试得到同样的第一段，
// 续发的通知已在发件箱里的不再入队。入队失败是基础设施错误，让企业微信重试。
func (b *Bot) send(c *Context, reply string) (string, error) {
	if len(reply) <= model.MaxMessageBytes {
		return reply, nil
	}
	parts := model.SplitText(reply, model.MaxMessageBytes-markBytes)
	b.log.Warn("回复超过企业微信上限，分段发送", "key", c.Msg.Key, "command", c.Command, "bytes", len(reply), "parts", len(parts))
	if b.outbox == nil || c.Msg.Key == "" || c.Msg.From == "" {
		return fit(reply), nil
	}
	for i, p := range parts[1:] {
		n := i + 2
		var after string // 第 3 段起排在前一段之后，几个副本同时发送时也按段号到达
		if n > 2 {
			after = fmt.Sprintf("reply:%s:%d", c.Msg.Key, n-1)
		}
		err := b.outbox.Enqueue(c.Ctx, model.Notice{
			After: after,
			Key:   fmt.Sprintf("reply:%s:%d", c.Msg.Key, n),
			To:    model.ToUsers(c.Msg.From),
			Body:  fmt.Sprintf(partMark, n, len(parts)) + p,
			Plain: true,
		})
		if err != nil {
			return "", model.Wrap(model.EUNAVAILABLE, err, "回复太长，后面几段暂时发不出去，请稍后再发一次。")
		}
	}
	return parts[0] + fmt.Sprintf(moreMark, len(parts)-1), nil
}

// fit 把 reply 截到企业微信的上限以内（在换行处），说明没有显示完；不入队续发。
func fit(reply string) string {
	if len(reply) <= model.MaxMessageBytes {
		return reply
	}
	return model.SplitText(reply, model.MaxMessageBytes-markBytes)[0] + cutMark
}

// route 按命令或事件找到处理函数并执行。
func (b *Bot) route(c *Context) (string, error) {
	switch c.Msg.Event {
	case "":
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
	case "enter_agent":
		return b.reply(c), nil
	default:
		return "", nil
	}
	if c.Command == "" {
		return b.reply(c), nil
	}
	if r, ok := b.commands[commandKey(c.Command)]; ok {
		return run(c, r.h, false)
	}
	name, r, ok := b.prefix(c.Command)
	if !ok {
		return b.reply(c), nil
	}
	// 命令和后面的字粘在一起（“扣李四迟到”“帮助请假”）：按最长的命令名拆开再试；
	// 后面的内容看不懂（输入有误）时，仍当作没有这个命令，只说最接近的命令怎么写。
	typed, args, tails := c.Command, c.Args, c.Tails
	k := utf8.RuneCountInString(name)
	rest := string([]rune(typed)[k:])
	c.Command = name
	c.Args = append([]string{rest}, args...)
	c.Tails = nil
	if len(tails) == len(args) {
		c.Tails = append([]string{skipRunes(c.commandTail, k)}, tails...)
	}
	reply, err := run(c, r.h, true)
	if model.ErrorCode(err) == model.EINVALID {
		if derr := b.discard(c); derr != nil {
			return "", derr
		}
		c.Command, c.Args, c.Tails, c.Guess, c.Understood = typed, args, tails, name, ""
		return b.reply(c), nil
	}
	return reply, err
}

// prefix 找出 word 开头最长的命令名（比 word 短）。
func (b *Bot) prefix(word string) (string, route, bool) {
	key := commandKey(word)
	best := ""
	for name := range b.commands {
		if len(name) < len(key) && strings.HasPrefix(key, name) && len(name) > len(best) {
			best = name
		}
	}
	if best == "" {
		return "", route{}, false
	}
	// 命令名按小写登记；用写的原样（字数相同）。
	return string([]rune(word)[:utf8.RuneCountInString(best)]), b.commands[best], true
}

// run 执行处理函数；split 表示命令是从粘连的词里拆出来的。c.Understood 非空时（拆开了粘连的词），
// 回复或错误说明前面加“按“…”理解：”。
func run(c *Context, h HandlerFunc, split bool) (string, error) {
	reply, err := h(c)
	if split && c.Understood == "" {
		c.Understood = strings.TrimSpace(c.Command + " " + strings.Join(c.Args, " "))
	}
	if c.Understood == "" {
		return reply, err
	}
	prefix := "按“" + c.Understood + "”理解：\n"
	switch {
	case err == nil:
		if reply == "" {
			return "", nil
		}
		return prefix + reply, nil
	case model.IsRetryable(err):
		return reply, err
	}
	return "", &model.Error{Code: model.ErrorCode(err), Message: prefix + model.ErrorMessage(err), Err: err}
}

// skipRunes 返回 s 去掉前 n 个字符后的部分（去掉开头的空白）。
func skipRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return strings.TrimSpace(s[i:])
		}
		n--
	}
	return ""
}

func commandKey(name string) string { return strings.ToLower(name) }

// chain 把中间件套在 h 外面：mw[0] 在最外层。
func chain(h HandlerFunc, mw []Middleware) HandlerFunc {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
