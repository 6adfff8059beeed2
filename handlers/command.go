package handlers

import (
	"context"
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
	"github.com/hongqi-dev/hongqi/settlement"
)

// Deps 是命令用到的服务（只有服务，没有存储）。Ledger 和 Clock 必填；其余为空时，那个功能的一节
// 命令不注册（测试只装配用到的功能，app 装配全部）。
type Deps struct {
	Ledger *ledger.Service     // 扣、奖、撤销、查、规则
	Leave  *leave.Service      // 岗位与请假
	Flags  *redflag.Service    // 流动红旗评选
	Inputs *redflag.Inputs     // 红旗评分依据（“排行”要 Flags）
	Settle *settlement.Service // 月度结算、导出、年度结算
	Clock  *model.Clock        // 全系统唯一的时钟，也给出考核时区
	// WebLink 为操作人生成网页的一次性登录链接（web.Server.LoginLink）；为空时没有“网页”命令。
	WebLink func(ctx context.Context, actor model.Staff) (string, error)
	// Web 是网页的地址（config.PublicURL）；非空时“排行”“结算”的长回复末尾附上网页的链接。
	Web string
}

// Who 是命令的使用范围：谁能用（花名册上的人的谓词）和怎么称呼这些人（写在帮助里，拒绝时也这么说）。
// 零值表示所有在册人员。
type Who struct {
	Allow func(model.Staff) bool
	Label string
}

// 使用范围，各写一次；谓词在 model.Staff 上。
var (
	recorders  = Who{model.Staff.CanRecord, "主管、所长和中心领导"}
	leadership = Who{model.Staff.IsLeadership, "中心领导"}
	approvers  = Who{model.Staff.IsApprover, "中心主任、副主任和分管领导"}
)

// Command 是命令表的一行。
type Command struct {
	Names   []string // 第一个是正式名，其余是别名
	Usage   string   // 用法，如“扣 <人>… <事项> [备注]”
	Summary string   // 一句话说明；菜单里只用第一小句（到第一个“，；：（”为止）
	Example string   // 示例
	Who     Who      // 谁能用；零值为所有在册人员
	// Show 非空时，帮助里只有它为真的人看得到这条命令（如只有评选小组用的命令）；能不能用仍由 Who 和服务决定。
	Show func(model.Staff) bool
	// ReadOnly 表示命令不写任何数据：不登记消息、不开事务（bot.HandleRead）。默认是写命令：
	// 在一个事务里处理，同一消息只处理一次，重试得到存下的回复。
	ReadOnly bool
	Run      bot.HandlerFunc
}

// visibleTo 表示 s 在帮助里是否看得到这条命令：s 能用（Who），且 Show 允许。
func (c Command) visibleTo(s model.Staff) bool {
	return (c.Who.Allow == nil || c.Who.Allow(s)) && (c.Show == nil || c.Show(s))
}

// brief 是菜单里的一小句说明：Summary 到第一个“，”“；”“：”“（”为止。
func (c Command) brief() string {
	if i := strings.IndexAny(c.Summary, "，；：（"); i > 0 {
		return c.Summary[:i]
	}
	return c.Summary
}

// Button 是卡片按钮的处理：EventKey 以 Prefix 开头的 template_card_event 交给 Run。
type Button struct {
	Prefix string
	Run    bot.HandlerFunc
}

// section 是一个功能在命令表里的一节：帮助里的标题和主题、命令和按钮。
// 几节可以同属一个主题（“帮助 红旗”是评选和评分两节，“帮助 结算”是月度、导出和年度三节）。
type section struct {
	title    string
	topic    string // “帮助 <主题>”的主题词
	note     string // 这一节帮助末尾的说明（可为空）
	commands []Command
	buttons  []Button
}

// topicWords 是“帮助 <词>”里各主题的别称。
var topicWords = map[string]string{
	"记录": "记录", "台账": "记录", "扣款": "记录", "奖励": "记录",
	"请假": "请假", "岗位": "请假", "缺岗": "请假",
	"红旗": "红旗", "评选": "红旗", "评分": "红旗", "流动红旗": "红旗",
	"结算": "结算", "年度": "结算", "导出": "结算",
	"网页": "网页",
	"申诉": "申诉", "异议": "申诉",
}

// sections 是唯一的命令表：每个功能的文件给出自己的一节，这里的顺序就是帮助里的顺序。
// Deps 里没有的服务，它那一节不在表里。
func sections(d *Deps) []section {
	out := []section{ledgerSection(d), appealSection(d)}
	if d.Leave != nil {
		out = append(out, leaveSection(d))
	}
	if d.Flags != nil {
		out = append(out, flagSection(d))
	}
	if d.Inputs != nil {
		out = append(out, inputSection(d))
	}
	if d.Settle != nil {
		out = append(out, settleSection(d), exportSection(d), annualSection(d))
	}
	if d.WebLink != nil {
		out = append(out, webSection(d))
	}
	return out
}

// Register 把命令表注册到机器人上：每条命令按 Who 加上 bot.Require、按 ReadOnly 注册为只读或写命令，
// 按钮（都是写命令）按前缀注册；
// “帮助”、问候、未知命令和进入应用的回复由同一张表生成（见 help.go）。
func Register(b *bot.Bot, d Deps) {
	register(b, sections(&d))
}

// register 注册 secs 中的命令和按钮，并设置帮助和兜底回复。
func register(b *bot.Bot, secs []section) {
	h := &helper{secs: secs}
	for _, s := range secs {
		for _, c := range s.commands {
			run := c.Run
			if run == nil { // “帮助”
				run = h.help
			}
			var mw []bot.Middleware
			if c.Who.Allow != nil {
				mw = append(mw, bot.Require(c.Who.Allow, c.Who.Label))
			}
			if c.ReadOnly {
				b.HandleRead(c.Names, run, mw...)
			} else {
				b.Handle(c.Names, run, mw...)
			}
		}
		for _, btn := range s.buttons {
			b.HandleEvent(btn.Prefix, btn.Run)
		}
	}
	b.SetFallback(h.fallback)
}
