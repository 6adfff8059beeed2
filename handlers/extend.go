package handlers

import (
	"fmt"
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/model"
)

// Command 是一条命令，供核心之外的功能（流动红旗、岗位与请假等）用 Extend 加入机器人。
type Command struct {
	Names   []string     // 第一个是正式名，其余是别名
	Usage   string       // 用法，如“抽查 <人> <分数> [备注]”
	Summary string       // 一句话说明
	Example string       // 示例
	Roles   []model.Role // 可使用的角色；nil 表示所有在册人员
	Run     bot.HandlerFunc
}

// Extend 把一组命令注册到机器人上（按 Roles 加上角色检查），并把它们作为标题为 title 的一节
// 加在帮助文字之后。应在 Register 之后调用。
func Extend(b *bot.Bot, title string, cmds []Command) {
	for _, c := range cmds {
		var mw []bot.Middleware
		if c.Roles != nil {
			mw = append(mw, bot.Require(c.Roles...))
		}
		b.Handle(c.Names, c.Run, mw...)
	}
	// 帮助文字是静态的：取下当前全文，接上新的一节。
	text := b.Help() + "\n\n" + helpSection(title, cmds)
	b.SetHelp(func() string { return text })
}

func helpSection(title string, cmds []Command) string {
	var sb strings.Builder
	sb.WriteString("【" + title + "】\n")
	for _, c := range cmds {
		fmt.Fprintf(&sb, "\n%s\n  %s", c.Usage, c.Summary)
		if c.Roles != nil {
			fmt.Fprintf(&sb, "（%s）", bot.RolesLabel(c.Roles))
		}
		if c.Example != "" {
			fmt.Fprintf(&sb, "\n  例：%s", c.Example)
		}
		sb.WriteString("\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}
