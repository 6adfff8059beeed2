package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
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
			Example: "确认红旗 上周",
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
			Example: "撤销红旗 上周 张三 测评数据造假",
			Who:     leadership,
			Run:     func(c *bot.Context) (string, error) { return cancelFlag(d, c) },
		},
	}, buttons: []Button{
		{Prefix: redflag.EventPrefix, Run: func(c *bot.Context) (string, error) { return flagButton(d, c) }},
	}}
}

// periodArg 在 args[0] 像期别（上周、11月第4周、2026-W45 等）时取出它。
func periodArg(d *Deps, args []string) (string, []string) {
	if len(args) > 0 {
		if _, _, err := d.Flags.Period(args[0]); err == nil {
			return args[0], args[1:]
		}
	}
	return "", args
}

func confirmFlag(d *Deps, c *bot.Context) (string, error) {
	period, _ := periodArg(d, c.Args)
	dec, err := d.Flags.ConfirmPeriod(c.Ctx, c.Actor, period)
	if err != nil {
		return "", err
	}
	return decidedReply(d, "已确认", dec), nil
}

func overrideFlag(d *Deps, c *bot.Context) (string, error) {
	period, rest := periodArg(d, c.Args)
	dec, err := d.Flags.OverridePeriod(c.Ctx, c.Actor, period, rest)
	if err != nil {
		return "", err
	}
	return decidedReply(d, "已改选", dec), nil
}

func decidedReply(d *Deps, how string, dec redflag.Decision) string {
	var names []string
	for _, f := range dec.Flags {
		names = append(names, f.Name)
	}
	s := how + " " + d.Flags.Said(dec.Round.Period) + " " + dec.Round.Kind.Label() + "：" + strings.Join(names, "、") + "。"
	if d.Flags.Announces() {
		return s + "结果将发到公布群。"
	}
	return s + "没有配置公布群（flags.announce），结果不公布，请另行通知。"
}

func cancelFlag(d *Deps, c *bot.Context) (string, error) {
	if len(c.Args) < 3 {
		return "", model.Errorf(model.EINVALID, "请写明期别、人（或网点）和理由，如“撤销红旗 上周 张三 测评数据造假”。")
	}
	res, err := d.Flags.CancelFlag(c.Ctx, c.Actor, c.Args[0], c.Args[1], c.Rest(2))
	if errors.Is(err, redflag.ErrAlreadyCancelled) {
		// 已撤销过：可能刚补记了所长的扣款，要提交，所以作为回复而不是拒绝。
		return model.ErrorMessage(err), nil
	}
	if err != nil {
		return "", err
	}
	f := res.Flag
	var sb strings.Builder
	fmt.Fprintf(&sb, "已撤销 %s %s 的%s（记录保留）。", d.Flags.Said(f.Period), f.Name, f.Kind.Label())
	var told []string
	if len(res.Announced) > 0 {
		told = append(told, "公布群（"+strings.Join(res.Announced, "、")+"）")
	}
	if res.ToldStaff {
		told = append(told, f.Name+"本人")
	}
	if p := res.HeadPenalty; p != nil {
		fmt.Fprintf(&sb, "\n所长 %s 记%s %s（#%d）。", p.StaffName, p.RuleName, ledger.Yuan(p.Amount), p.ID)
		told = append(told, "所长")
	}
	if len(told) > 0 {
		sb.WriteString("\n已通知" + strings.Join(told, "、") + "。")
	}
	if len(res.Announced) == 0 {
		sb.WriteString("\n没有配置公布群（flags.announce），撤销没有公布。")
	}
	sb.WriteString("\n扣回奖励等由月度结算处理。")
	return sb.String(), nil
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
	return decidedReply(d, "已确认", dec), nil
}
