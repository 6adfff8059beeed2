package ledger

import (
	"fmt"
	"strings"

	"github.com/hongqi-dev/hongqi/model"
)

// Yuan 把带方向的金额写成“−10 元”“+50 元”“0 元”（负号用 U+2212，手机上更醒目）。
func Yuan(n int64) string {
	switch {
	case n < 0:
		return fmt.Sprintf("−%d 元", -n)
	case n > 0:
		return fmt.Sprintf("+%d 元", n)
	}
	return "0 元"
}

// md 把用户文字（备注、理由、姓名、事项名）转成 markdown 里的字面文字，见 model.MarkdownText。
func md(s string) string { return model.MarkdownText(s) }

// entryNotice 生成一条记录的私信通知；"{id}" 由存储替换为记录编号。
func entryNotice(e model.Entry, r model.Rule, monthTotal int64, hint string) model.Notice {
	title := e.Kind.Label() + "通知"
	var b strings.Builder
	fmt.Fprintf(&b, "> 事项：%s\n", md(e.RuleName))
	color := "warning"
	if e.Amount > 0 {
		color = "info"
	}
	fmt.Fprintf(&b, "> 金额：<font color=\"%s\">%s</font>\n", color, Yuan(e.Amount))
	if r.Note != "" {
		fmt.Fprintf(&b, "> 说明：%s\n", md(r.Note))
	}
	fmt.Fprintf(&b, "> 记录人：%s\n", md(e.ActorName))
	if e.Note != "" {
		fmt.Fprintf(&b, "> 备注：%s\n", md(e.Note))
	}
	fmt.Fprintf(&b, "> 编号：#{id}\n")
	fmt.Fprintf(&b, "> %s合计：%s\n\n", e.Month.Label(), Yuan(monthTotal))
	b.WriteString(hint)
	return model.Notice{Key: "entry:{id}", To: model.ToUsers(e.StaffID), Title: title, Body: b.String()}
}

// revokeNotice 生成撤销的私信通知。
func revokeNotice(e model.Entry, rev model.Revocation, m model.Month, monthTotal int64) model.Notice {
	title := "撤销通知"
	var b strings.Builder
	fmt.Fprintf(&b, "> 已撤销记录 #{id}：%s %s\n", md(e.RuleName), Yuan(e.Amount))
	fmt.Fprintf(&b, "> 撤销人：%s\n", md(rev.ActorName))
	if rev.Reason != "" {
		fmt.Fprintf(&b, "> 理由：%s\n", md(rev.Reason))
	}
	fmt.Fprintf(&b, "> %s合计：%s\n\n", m.Label(), Yuan(monthTotal))
	b.WriteString("原记录仍可查到，标为已撤销。回复“查”核对。")
	return model.Notice{Key: "revoke:{id}", To: model.ToUsers(e.StaffID), Title: title, Body: b.String()}
}

// adjustNotice 是结账后更正的通知：原记录所在月份已结账，本月记一笔金额相反的调整。
func adjustNotice(orig, adj model.Entry, monthTotal int64, hint string) model.Notice {
	title := "调整通知"
	var b strings.Builder
	fmt.Fprintf(&b, "> %s的记录 #%d（%s %s）有误，该月已结账，原记录不改。\n", orig.Month.Label(), orig.ID, md(orig.RuleName), Yuan(orig.Amount))
	fmt.Fprintf(&b, "> 本月调整：%s（编号 #{id}）\n", Yuan(adj.Amount))
	fmt.Fprintf(&b, "> 调整人：%s\n", md(adj.ActorName))
	fmt.Fprintf(&b, "> %s合计：%s\n\n", adj.Month.Label(), Yuan(monthTotal))
	b.WriteString(hint)
	return model.Notice{Key: "entry:{id}", To: model.ToUsers(adj.StaffID), Title: title, Body: b.String()}
}
