package handlers

import (
	"strconv"
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
)

// flagSection 是流动红旗评选的命令（确认红旗、改选、撤销红旗）和确认按钮（EventKey 以 "flag:" 开头）。
// 确认、改选只有评选小组成员能做：由评选服务检查（小组名单在它的配置里）。
func flagSection(d *Deps) section {
	return section{title: "流动红旗", topic: "红旗", commands: []Command{
		{
			Names:   []string{"确认红旗"},
			Usage:   "确认红旗 [期别]",
			Summary: "评选小组确认提名；同时有几期待定时写期别",
			Example: "确认红旗 2026-W45",
			Show:    func(s model.Staff) bool { return d.Flags.IsMember(s.UserID) },
			Run:     func(c *bot.Context) (string, error) { return confirmFlag(d, c) },
		},
		{
			Names:   []string{"改选"},
			Usage:   "改选 [期别] <人>… [理由]",
			Summary: "评选小组改选；旬红旗写网点名",
			Example: "改选 李四 王五 张三本周有投诉",
			Show:    func(s model.Staff) bool { return d.Flags.IsMember(s.UserID) },
			Run:     func(c *bot.Context) (string, error) { return overrideFlag(d, c) },
		},
		{
			Names:   []string{"撤销红旗"},
			Usage:   "撤销红旗 <期别> <人或网点> <理由>",
			Summary: "红旗依据的信息不实时撤销，记录保留",
			Example: "撤销红旗 2026-W45 张三 测评数据造假",
			Who:     leadership,
			Run:     func(c *bot.Context) (string, error) { return cancelFlag(d, c) },
		},
	}, buttons: []Button{
		{Prefix: redflag.EventPrefix, Run: func(c *bot.Context) (string, error) { return flagButton(d, c) }},
	}}
}

// periodArg 在 args[0] 像期别时取出它。
func periodArg(args []string) (string, []string) {
	if len(args) > 0 {
		if _, _, err := redflag.ParsePeriod(args[0]); err == nil {
			return args[0], args[1:]
		}
	}
	return "", args
}

func confirmFlag(d *Deps, c *bot.Context) (string, error) {
	period, _ := periodArg(c.Args)
	dec, err := d.Flags.ConfirmPeriod(c.Ctx, c.Actor, period)
	if err != nil {
		return "", err
	}
	return decidedReply("已确认", dec), nil
}

func overrideFlag(d *Deps, c *bot.Context) (string, error) {
	period, rest := periodArg(c.Args)
	dec, err := d.Flags.OverridePeriod(c.Ctx, c.Actor, period, rest)
	if err != nil {
		return "", err
	}
	return decidedReply("已改选", dec), nil
}

func decidedReply(how string, dec redflag.Decision) string {
	var names []string
	for _, f := range dec.Flags {
		names = append(names, f.Name)
	}
	return how + " " + dec.Round.Label + " " + dec.Round.Kind.Label() + "：" + strings.Join(names, "、") + "。结果将发到公布群。"
}

func cancelFlag(d *Deps, c *bot.Context) (string, error) {
	if len(c.Args) < 3 {
		return "", model.Errorf(model.EINVALID, "请写明期别、人（或网点）和理由，如“撤销红旗 2026-W45 张三 测评数据造假”。")
	}
	f, err := d.Flags.CancelFlag(c.Ctx, c.Actor, c.Args[0], c.Args[1], c.Rest(2))
	if err != nil {
		return "", err
	}
	return "已撤销 " + f.Period + " " + f.Name + " 的红旗（记录保留），已通知公布群。扣回奖励等由月度结算处理。", nil
}

// flagButton 处理提名卡片上的按钮："flag:confirm:<评选编号>"。
func flagButton(d *Deps, c *bot.Context) (string, error) {
	rest := strings.TrimPrefix(c.Msg.EventKey, redflag.EventPrefix)
	action, idText, _ := strings.Cut(rest, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if action != "confirm" || err != nil {
		return "", model.Errorf(model.EINVALID, "这个按钮已失效，请回复“确认红旗”。")
	}
	dec, err := d.Flags.Confirm(c.Ctx, c.Actor, id)
	if err != nil {
		return "", err
	}
	return decidedReply("已确认", dec), nil
}
