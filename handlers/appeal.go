package handlers

import (
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// appealSection 是申诉：“申诉 <编号> <理由>”（本人），“申诉 维持|撤销 <申诉编号> [理由]”（所长、中心领导），
// 以及申诉卡片上的按钮（EventKey 以 "appeal:" 开头）。谁能裁决由台账服务按 model.MayDecideAppeal 判断。
func appealSection(d *Deps) section {
	return section{title: "申诉", topic: "申诉", commands: []Command{
		{
			Names: []string{"申诉"}, Usage: "申诉 <记录编号> <理由>",
			Summary: "对自己的一条记录提出异议（记录通知后 " + model.DurationLabel(d.Ledger.AppealWindow()) + "内），交记录人的上级处理；所长和中心领导回复“申诉 维持 申诉编号 [理由]”或“申诉 撤销 申诉编号 [理由]”处理",
			Example: "申诉 12 当时在窗口办理业务",
			Run:     func(c *bot.Context) (string, error) { return appeal(d, c) },
		},
	}, buttons: []Button{
		{Prefix: ledger.AppealEventPrefix, Run: func(c *bot.Context) (string, error) { return appealButton(d, c) }},
	}}
}

// serialArg 读 args 开头的编号（写法见 model.ParseSerial：12、#12、12号、编号：12），返回编号和用掉的参数个数；
// 没写编号或读不出时按 usage 提示，what 是编号的名称（如“记录编号”）。
func serialArg(args []string, what, usage string) (int64, int, error) {
	id, used, err := model.ParseSerial(args, usage)
	if err != nil {
		return 0, 0, err
	}
	if id == 0 {
		return 0, 0, model.Errorf(model.EINVALID, "请写%s，例如：%s", what, usage)
	}
	return id, used, nil
}

// appeal 处理“申诉 <记录编号> <理由>”和“申诉 维持|撤销 <申诉编号> [理由]”。
func appeal(d *Deps, c *bot.Context) (string, error) {
	args := c.Args
	if len(args) == 0 {
		return "", model.Errorf(model.EINVALID, "请写记录编号和理由，例如：申诉 12 当时在窗口办理业务。发“查”可以看到编号。")
	}
	switch args[0] {
	case "维持", "撤销":
		id, used, err := serialArg(args[1:], "申诉编号", "申诉 "+args[0]+" 3 核实无误")
		if err != nil {
			return "", err
		}
		return decideAppeal(d, c, id, args[0] == "撤销", c.Rest(1+used))
	}
	id, used, err := serialArg(args, "记录编号（发“查”可以看到）", "申诉 12 当时在窗口办理业务")
	if err != nil {
		return "", err
	}
	res, err := d.Ledger.Appeal(c.Ctx, c.Actor, c.Msg, id, c.Rest(used))
	if err != nil {
		return "", err
	}
	return res.Reply(), nil
}

// appealButton 处理申诉卡片上的按钮：appeal:revoke:<申诉编号> 或 appeal:keep:<申诉编号>。
func appealButton(d *Deps, c *bot.Context) (string, error) {
	parts := strings.Split(c.Msg.EventKey, ":")
	if len(parts) != 3 || (parts[1] != "revoke" && parts[1] != "keep") {
		return "", model.Errorf(model.EINVALID, "这个按钮无法识别，请回复“申诉 维持 编号”或“申诉 撤销 编号”。")
	}
	id, ok := model.ParseInt(parts[2], 1, model.MaxID)
	if !ok {
		return "", model.Errorf(model.EINVALID, "这个按钮无法识别，请回复“申诉 维持 编号”或“申诉 撤销 编号”。")
	}
	return decideAppeal(d, c, id, parts[1] == "revoke", "")
}

func decideAppeal(d *Deps, c *bot.Context, id int64, revoke bool, note string) (string, error) {
	res, err := d.Ledger.DecideAppeal(c.Ctx, c.Actor, c.Msg, id, revoke, note)
	if err != nil {
		return "", err
	}
	return res.Reply(), nil
}
