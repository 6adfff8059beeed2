// Package handlers 是机器人的命令表：每条命令一行（名字、别名、用法、谁能用、处理函数），
// 每个功能一个文件给出自己的一节（command.go 的 sections），“帮助”文字也由这张表生成。
// 处理函数只做参数拆分和回复排版，只调用服务；业务规则在各功能的服务里（ledger、leave、redflag、settlement）。
package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// ledgerSection 是核心命令：扣、奖、撤销、查、规则、帮助。
func ledgerSection(d *Deps) section {
	return section{commands: []Command{
		{
			Names:   []string{"扣", "扣款", "扣分"},
			Usage:   "扣 <人>… <事项> [备注]",
			Summary: "记扣款，可一次写多人",
			Example: "扣 张三 迟到 长",
			Who:     recorders,
			Run:     func(c *bot.Context) (string, error) { return record(d, c, model.Deduction) },
		},
		{
			Names:   []string{"奖", "奖励"},
			Usage:   "奖 <人>… <事项> [备注]",
			Summary: "记奖励",
			Example: "奖 李四 信息采纳",
			Who:     recorders,
			Run:     func(c *bot.Context) (string, error) { return record(d, c, model.Reward) },
		},
		{
			Names:   []string{"撤销", "撤回", "取消"},
			Usage:   "撤销 [编号] [理由]",
			Summary: "撤销一条记录，不写编号即撤销自己最近记的一条",
			Example: "撤销 12 记错人了",
			Who:     recorders,
			Run:     func(c *bot.Context) (string, error) { return revoke(d, c) },
		},
		{
			Names:   []string{"查", "查询", "查看"},
			Usage:   "查 [人] [月份]",
			Summary: "查记录和合计，默认查自己本月；月份可写 本月、上月、10月、2026-10",
			Example: "查 张三 上月",
			Run:     func(c *bot.Context) (string, error) { return query(d, c) },
		},
		{
			Names:   []string{"规则", "事项", "细则"},
			Usage:   "规则",
			Summary: "列出扣款和奖励事项及金额",
			Run:     func(c *bot.Context) (string, error) { return listRules(d, c) },
		},
		{
			Names:   []string{"帮助", "help", "?", "菜单"},
			Usage:   "帮助",
			Summary: "显示本说明",
			// Run 为空：注册时换成整张命令表生成的帮助。
		},
	}}
}

func (d *Deps) catalog() *model.Catalog { return d.Ledger.Catalog }

// record 处理“扣/奖 <人>… <事项> [备注]”。
//
// 人和事项的分界（简单、可预期）：从左往右，第一个能在事项目录里查到的词（单独，或与下一个词连写，
// 如“迟到 长”；两个方向都算，以便提示用错了命令）就是事项，它之前的都是人，之后的是备注。
// 一个也查不到时，第一个在花名册里找不到的参数（不是第一个参数）被当作事项，
// 由台账服务给出“没有这个事项，您是不是要找…”。
func record(d *Deps, c *bot.Context, kind model.RuleKind) (string, error) {
	if len(c.Args) == 0 {
		return "", model.Errorf(model.EINVALID, "请写明人和事项，例如：%s", exampleFor(kind))
	}
	split, err := splitPeople(c.Ctx, d, c.Actor, kind, c.Args)
	if err != nil {
		return "", err
	}
	if split == 0 {
		return "", model.Errorf(model.EINVALID, "请先写人、再写事项，例如：%s", exampleFor(kind))
	}
	people, words := c.Args[:split], c.Args[split:]
	res, err := d.Ledger.Record(c.Ctx, c.Actor, c.Msg, kind, people, words)
	if err != nil {
		return "", err
	}
	return formatRecord(d, res), nil
}

// splitPeople 返回事项开始的位置（见 record 的说明）。
func splitPeople(ctx context.Context, d *Deps, actor model.Staff, kind model.RuleKind, args []string) (int, error) {
	for i := range args {
		if isRuleWord(d.catalog(), args, i) {
			return i, nil
		}
	}
	for i, a := range args {
		_, err := d.Ledger.Resolve(ctx, actor, a)
		switch {
		case err == nil:
			continue
		case model.ErrorCode(err) == model.ENOTFOUND:
			if i == 0 {
				return 0, err
			}
			return i, nil
		case model.IsRetryable(err):
			return 0, err
		default:
			// 重名、范围外等：交给台账服务统一报错。
			continue
		}
	}
	return len(args), nil
}

func isRuleWord(c *model.Catalog, args []string, i int) bool {
	for _, k := range []model.RuleKind{model.Deduction, model.Reward} {
		if i+1 < len(args) {
			if _, ok := c.Lookup(k, args[i]+args[i+1]); ok {
				return true
			}
		}
		if _, ok := c.Lookup(k, args[i]); ok {
			return true
		}
	}
	return false
}

func exampleFor(kind model.RuleKind) string {
	if kind == model.Reward {
		return "奖 李四 信息采纳"
	}
	return "扣 张三 迟到"
}

// formatRecord 排版记录结果，如“已记录 #12：张三（城关所）迟到 −10 元（到岗迟到或者早退）。张三本月合计 −30 元。”
func formatRecord(d *Deps, res ledger.Result) string {
	var sb strings.Builder
	word, full := names(d.catalog(), res.Rule.Code, res.Rule.Name)
	if res.Duplicate {
		sb.WriteString("这条消息已经处理过，没有重复记录。\n")
	}
	if len(res.Entries) == 1 {
		e := res.Entries[0]
		fmt.Fprintf(&sb, "已记录 #%d：%s（%s）%s %s%s。%s本月合计 %s。", e.ID, e.StaffName, e.Branch, word, ledger.Yuan(e.Amount), full, e.StaffName, ledger.Yuan(res.Totals[e.StaffID]))
	} else {
		fmt.Fprintf(&sb, "已记录 %d 条：%s %s%s", len(res.Entries), word, ledger.Yuan(res.Rule.Signed()), full)
		for _, e := range res.Entries {
			fmt.Fprintf(&sb, "\n#%d %s（%s），本月合计 %s", e.ID, e.StaffName, e.Branch, ledger.Yuan(res.Totals[e.StaffID]))
		}
	}
	if len(res.Entries) > 0 && res.Entries[0].Note != "" {
		fmt.Fprintf(&sb, "\n备注：%s", res.Entries[0].Note)
	}
	if res.Rule.Note != "" {
		fmt.Fprintf(&sb, "\n%s。", strings.TrimRight(res.Rule.Note, "。"))
	}
	sb.WriteString("\n已私信通知本人。")
	return sb.String()
}

// names 返回回复中的事项短词和括起来的全称（短词就是全称时全称为空），
// 如“迟到”和“（到岗迟到或者早退）”。规则已不在目录中时用记录时的全称。
func names(c *model.Catalog, code, name string) (word, full string) {
	if c != nil {
		if r, ok := c.Rule(code); ok && len(r.Words) > 0 && r.Words[0] != name {
			return r.Words[0], "（" + name + "）"
		}
	}
	return name, ""
}

// revoke 处理“撤销 [编号] [理由]”。
func revoke(d *Deps, c *bot.Context) (string, error) {
	var id int64
	args := c.Args
	if len(args) > 0 {
		s := strings.TrimPrefix(strings.TrimPrefix(args[0], "#"), "编号")
		if model.LooksNumeric(s) {
			// 写的是数：必须是有效的编号；太大、为负的都拒绝，不能当作理由去撤销最近一条。
			n, ok := model.ParseInt(s, 1, model.MaxID)
			if !ok {
				return "", model.Errorf(model.EINVALID, "编号“%s”不对，编号是正整数，例如：撤销 12", args[0])
			}
			id = n
			args = args[1:]
		}
	}
	reason := strings.Join(args, " ")
	e, total, err := d.Ledger.Revoke(c.Ctx, c.Actor, c.Msg, id, reason)
	if errors.Is(err, ledger.ErrAdjusted) {
		// 所在月份已结账：没有撤销，而是在本月记了一笔调整，这是正常结果，不是拒绝。
		return model.ErrorMessage(err), nil
	}
	if err != nil {
		return "", err
	}
	word, full := names(d.catalog(), e.RuleCode, e.RuleName)
	s := fmt.Sprintf("已撤销 #%d：%s（%s）%s %s%s。%s%s合计 %s。", e.ID, e.StaffName, e.Branch, word, ledger.Yuan(e.Amount), full, e.StaffName, monthWord(d, e.Month), ledger.Yuan(total))
	if reason != "" {
		s += "\n理由：" + reason
	}
	return s + "\n已私信通知本人。", nil
}

// query 处理“查 [人] [月份]”。参数像月份的是月份，其余的是人。
func query(d *Deps, c *bot.Context) (string, error) {
	var who string
	var month model.Month
	for _, a := range c.Args {
		if model.LooksLikeMonth(a) {
			if !month.IsZero() {
				return "", model.Errorf(model.EINVALID, "只能写一个月份，例如：查 张三 上月")
			}
			m, err := model.ParseMonth(a, d.Clock.Now(), d.Clock.Location())
			if err != nil {
				return "", err
			}
			month = m
			continue
		}
		if who != "" {
			return "", model.Errorf(model.EINVALID, "一次只能查一个人，例如：查 张三 上月")
		}
		who = a
	}
	if month.IsZero() {
		month = model.MonthOf(d.Clock.Now(), d.Clock.Location())
	}
	st, err := d.Ledger.Query(c.Ctx, c.Actor, who, month)
	if err != nil {
		return "", err
	}
	return formatStatement(d, st), nil
}

func formatStatement(d *Deps, st ledger.Statement) string {
	head := fmt.Sprintf("%s（%s）%s", st.Staff.Name, st.Staff.Branch, st.Month.Label())
	notes := ""
	if len(st.Notes) > 0 {
		notes = "\n" + strings.Join(st.Notes, "\n")
	}
	if len(st.Entries) == 0 {
		return head + "没有记录，合计 0 元。" + projected(st) + notes
	}
	var sb strings.Builder
	sb.WriteString(head + "：")
	for _, e := range st.Entries {
		fmt.Fprintf(&sb, "\n#%d %s %s %s", e.ID, e.CreatedAt.In(d.Clock.Location()).Format("1-2"), shortWord(d.catalog(), e), ledger.Yuan(e.Amount))
		if e.Note != "" {
			fmt.Fprintf(&sb, "（%s）", e.Note)
		}
		if e.Revoked() {
			sb.WriteString(" 已撤销")
		}
	}
	fmt.Fprintf(&sb, "\n合计 %s", ledger.Yuan(st.Total))
	if st.Revoked > 0 {
		fmt.Fprintf(&sb, "（已撤销的 %d 条不计）", st.Revoked)
	}
	sb.WriteString("。" + projected(st) + notes)
	return sb.String()
}

// projected 写出还没结账的月份发布结算时会另记的奖励，每行标“预计”，并给出预计合计；没有时为空。
func projected(st ledger.Statement) string {
	if len(st.Projected) == 0 {
		return ""
	}
	var sb strings.Builder
	total := st.Total
	for _, p := range st.Projected {
		fmt.Fprintf(&sb, "\n预计 %s %s（发布结算时记入）", p.Text, ledger.Yuan(p.Amount))
		total += p.Amount
	}
	fmt.Fprintf(&sb, "\n预计合计 %s。", ledger.Yuan(total))
	return sb.String()
}

// shortWord 是列表中的事项名：目录中的第一个短词，规则已不在目录中时用记录时的全称。
func shortWord(c *model.Catalog, e model.Entry) string {
	if c != nil {
		if r, ok := c.Rule(e.RuleCode); ok && len(r.Words) > 0 {
			return r.Words[0]
		}
	}
	return e.RuleName
}

func monthWord(d *Deps, m model.Month) string {
	if m == model.MonthOf(d.Clock.Now(), d.Clock.Location()) {
		return "本月"
	}
	return m.Label()
}

// listRules 列出目录：按扣款、奖励分组，每项写短词和金额；不能手工记录的项只点明由谁写入。
func listRules(d *Deps, _ *bot.Context) (string, error) {
	var sb strings.Builder
	for i, kind := range []model.RuleKind{model.Deduction, model.Reward} {
		if i > 0 {
			sb.WriteString("\n\n")
		}
		fmt.Fprintf(&sb, "%s事项（%s）：", kind.Label(), exampleFor(kind))
		var manual []string
		for _, r := range d.catalog().Rules() {
			if r.Kind != kind {
				continue
			}
			if r.Manual {
				if len(r.Words) > 0 {
					manual = append(manual, fmt.Sprintf("%s %d 元（%s）", r.Name, r.Amount, r.Note))
				}
				continue
			}
			words := r.Words
			if len(words) > 3 {
				words = words[:3]
			}
			fmt.Fprintf(&sb, "\n· %s %d 元：%s", strings.Join(words, "/"), r.Amount, r.Name)
			if r.Note != "" {
				fmt.Fprintf(&sb, "，%s", r.Note)
			}
		}
		for _, m := range manual {
			fmt.Fprintf(&sb, "\n· %s", m)
		}
	}
	sb.WriteString("\n\n流动红旗的月度、年度奖惩由评选结算自动记入。")
	return sb.String(), nil
}
