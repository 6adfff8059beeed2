package handlers

import (
	"fmt"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/settlement/xlsx"
)

// exportSection 是“导出”命令（中心领导）：表格由结算服务生成并经它的发件箱发出。
func exportSection(d *Deps) section {
	return section{title: "导出", topic: "结算", commands: []Command{{
		Names:   []string{"导出"},
		Usage:   "导出 [月份]",
		Summary: "导出某月结算为 Excel 表格：每人汇总、每条明细、红旗，以文件私信发给您",
		Example: "导出 上月",
		Who:     leadership,
		Run:     func(c *bot.Context) (string, error) { return export(d, c) },
	}}}
}

func export(d *Deps, c *bot.Context) (string, error) {
	if len(c.Args) > 1 {
		return "", model.Errorf(model.EINVALID, "只能写一个月份，例如：导出 上月")
	}
	var arg string
	if len(c.Args) == 1 {
		arg = c.Args[0]
	}
	m, err := monthArg(d, c, arg)
	if err != nil {
		return "", err
	}
	ex, err := d.Settle.Export(c.Ctx, c.Actor, c.Msg, m) // 不写月份时与“结算”同一个月
	if err != nil {
		return "", err
	}
	m = ex.Draft.Result.Month
	state := "草稿，未发布"
	if ex.Draft.Published != nil {
		state = "已发布"
	}
	return fmt.Sprintf("已生成%s（%s）：%s，合计 %s。稍后以文件“%s”发给您。",
		xlsx.Title(m), state, ex.Draft.Result.Counts().Text(), ledger.Yuan(ex.Draft.Result.Summary.Total), ex.FileName), nil
}
