// Package handlers 是机器人的命令表：每条命令一行（名字、别名、用法、谁能用、处理函数），
// 每个功能一个文件给出自己的一节（command.go 的 sections），“帮助”文字也由这张表生成。
// 处理函数只做参数拆分和回复排版，只调用服务；业务规则在各功能的服务里（ledger、leave、redflag、settlement）。
package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// ledgerSection 是核心命令：扣、奖、撤销、查、规则、帮助。
func ledgerSection(d *Deps) section {
	return section{title: "记录与查询", topic: "记录", commands: []Command{
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
			Summary: "撤销一条扣款或奖励（不写编号时先告诉您最近记的是哪一条，确认后再撤）；评分依据写类别和编号，如 撤销 抽查 12",
			Example: "撤销 12 记错人了",
			Who:     recorders,
			Run:     func(c *bot.Context) (string, error) { return revoke(d, c) },
		},
		{
			Names:    []string{"查", "查询", "查看"},
			Usage:    "查 [人] [月份]",
			Summary:  "查记录和合计，默认查自己本月；月份可写 本月、上月、10月、2026-10",
			Example:  "查 张三 上月",
			ReadOnly: true,
			Run:      func(c *bot.Context) (string, error) { return query(d, c) },
		},
		{
			Names:    []string{"规则", "事项", "细则"},
			Usage:    "规则",
			Summary:  "列出扣款和奖励事项及金额",
			ReadOnly: true,
			Run:      func(c *bot.Context) (string, error) { return listRules(d, c) },
		},
		{
			Names:    []string{"帮助", "help", "?", "菜单"},
			Usage:    "帮助",
			Summary:  "显示本说明",
			ReadOnly: true,
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
//
// 人和事项粘在一起（“李四迟到”“张三迟到长”“张三李四卫生”）时，按花名册上的姓名和事项目录拆开，
// 回复前面说明是怎样读的（“按“扣 李四 迟到”理解”）。备注照原文保存（标点不丢）。
func record(d *Deps, c *bot.Context, kind model.RuleKind) (string, error) {
	if len(c.Args) == 0 {
		return "", model.Errorf(model.EINVALID, "请写明人和事项，例如：%s", exampleFor(kind))
	}
	args, tails, err := unglue(c.Ctx, d, c.Actor, c.Args, c.Tails)
	if err != nil {
		return "", err
	}
	split, err := splitPeople(c.Ctx, d, c.Actor, kind, args)
	if err != nil {
		return "", err
	}
	if split == 0 {
		return "", model.Errorf(model.EINVALID, "请先写人、再写事项，例如：%s", exampleFor(kind))
	}
	people, words := args[:split], args[split:]
	// 事项占几个词由目录决定（“迟到 长”是两个）；其后的备注用原文。
	if _, used, err := d.catalog().Match(kind, words); err == nil && used < len(words) && len(tails) == len(args) {
		words = append(append([]string(nil), words[:used]...), tails[split+used])
	}
	if !slices.Equal(args, c.Args) {
		c.Understood = strings.TrimSpace(c.Command + " " + strings.Join(append(append([]string(nil), people...), words...), " "))
	}
	res, err := d.Ledger.Record(c.Ctx, c.Actor, c.Msg, kind, people, words)
	if err != nil {
		return "", err
	}
	return formatRecord(d, res), nil
}

// unglue 拆开人和事项之间粘在一起的词：事项之前的参数里，既不是事项、也找不到这个人的，
// 试着拆成“姓名…事项[备注]”（姓名、工号来自花名册，事项词来自目录）；拆不开的原样保留，
// 由台账服务报“没有找到”。返回新的参数和对应的原文（tails 与 args 对不上时为空）。
func unglue(ctx context.Context, d *Deps, actor model.Staff, args, tails []string) ([]string, []string, error) {
	var names []string
	var outArgs, outTails []string
	aligned := len(tails) == len(args)
	for i := 0; i < len(args); i++ {
		a := args[i]
		tail := ""
		if aligned {
			tail = tails[i]
		}
		if isRuleWord(d.catalog(), args, i) {
			outArgs, outTails = append(outArgs, args[i:]...), append(outTails, tailsFrom(tails, i, aligned, len(args))...)
			break
		}
		_, err := d.Ledger.Resolve(ctx, actor, a)
		switch model.ErrorCode(err) {
		case model.ENOTFOUND:
		case model.EUNAVAILABLE, model.EINTERNAL:
			return nil, nil, err
		default: // 找到了（或重名、范围外：交给台账服务报）
			outArgs, outTails = append(outArgs, a), append(outTails, tail)
			continue
		}
		if names == nil {
			if names, err = d.Ledger.Names(ctx); err != nil {
				return nil, nil, err
			}
		}
		parts := splitGlued(d.catalog(), names, a, i > 0)
		if parts == nil {
			outArgs, outTails = append(outArgs, args[i:]...), append(outTails, tailsFrom(tails, i, aligned, len(args))...)
			break
		}
		skip := 0
		for _, p := range parts {
			outArgs, outTails = append(outArgs, p), append(outTails, skipChars(tail, skip))
			skip += utf8.RuneCountInString(p)
		}
		// 拆出了事项：后面的都是备注。
		outArgs, outTails = append(outArgs, args[i+1:]...), append(outTails, tailsFrom(tails, i+1, aligned, len(args))...)
		break
	}
	if !aligned {
		outTails = nil
	}
	return outArgs, outTails, nil
}

// tailsFrom 返回 tails[i:]（对不上时返回 n-i 个空串，调用方最后丢弃）。
func tailsFrom(tails []string, i int, aligned bool, n int) []string {
	if aligned {
		return tails[i:]
	}
	return make([]string, n-i)
}

// splitGlued 把粘在一起的 word 拆成 姓名…、事项词[、备注]：从头依次取花名册上的姓名或工号（names，长的在前），
// 直到剩下的以事项词开头。ruleFirst 为 true 时（前面的参数已经是人）开头就可以是事项词（“迟到门口没人”）。
// 拆不开时返回 nil。
func splitGlued(cat *model.Catalog, names []string, word string, ruleFirst bool) []string {
	if ruleFirst {
		if n := cat.WordPrefix(word); n > 0 {
			return ruleAndNote(word, n)
		}
	}
	// “张三(zs01)迟到长”：括号写的工号连同前面的姓名是一个人。
	if i := strings.Index(word, ")"); i > 0 && i < len(word)-1 && strings.Contains(word[:i], "(") {
		rest := word[i+1:]
		if n := cat.WordPrefix(rest); n > 0 {
			return append([]string{word[:i+1]}, ruleAndNote(rest, n)...)
		}
		if more := splitGlued(cat, names, rest, false); more != nil {
			return append([]string{word[:i+1]}, more...)
		}
	}
	r := []rune(word)
	for _, name := range names {
		nr := []rune(name)
		if len(nr) >= len(r) || !strings.EqualFold(string(r[:len(nr)]), name) {
			continue
		}
		rest := string(r[len(nr):])
		if n := cat.WordPrefix(rest); n > 0 {
			return append([]string{string(r[:len(nr)])}, ruleAndNote(rest, n)...)
		}
		if more := splitGlued(cat, names, rest, false); more != nil {
			return append([]string{string(r[:len(nr)])}, more...)
		}
	}
	return nil
}

// ruleAndNote 把以 n 个字的事项词开头的 s 拆成事项词和其后的备注（没有备注时只有事项词）。
func ruleAndNote(s string, n int) []string {
	r := []rune(s)
	if n >= len(r) {
		return []string{s}
	}
	return []string{string(r[:n]), string(r[n:])}
}

// skipChars 返回 s 去掉前 n 个非空白字符后的部分（去掉开头的空白）。
func skipChars(s string, n int) string {
	for i, r := range s {
		if n == 0 {
			return strings.TrimSpace(s[i:])
		}
		if !unicode.IsSpace(r) {
			n--
		}
	}
	return ""
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

// revoke 处理“撤销 [编号] [理由]”；“撤销 抽查 12”这样先写评分依据类别的交给 revokeInput。
// 编号的写法见 model.ParseSerial（12、#12、12号、编号：12、No.12……）。没有写编号（“撤销”或“撤销 记错人了”）
// 时不猜：先告诉对方他最近记的是哪一条、怎样确认，什么也不撤销。写了却读不出编号（“撤销 12a”“撤销 十二”）
// 时拒绝，也不去撤最近一条。
func revoke(d *Deps, c *bot.Context) (string, error) {
	if len(c.Args) > 0 && d.Inputs != nil {
		if kind, ok := model.ParseInputKind(c.Args[0]); ok {
			return revokeInput(d, c, kind)
		}
	}
	id, used, err := model.ParseSerial(c.Args, "撤销 12 记错人了")
	if err != nil {
		return "", err
	}
	reason := c.Rest(used) // 理由照原文（标点不丢）
	if id == 0 {
		return revokePreview(d, c, reason)
	}
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

// revokePreview 是没有写编号的“撤销”：说明会撤销哪一条（本人最近记的、未撤销的一条）和确认的写法。
func revokePreview(d *Deps, c *bot.Context, reason string) (string, error) {
	e, err := d.Ledger.LastRecorded(c.Ctx, c.Actor)
	if err != nil {
		return "", err
	}
	word, _ := names(d.catalog(), e.RuleCode, e.RuleName)
	confirm := fmt.Sprintf("撤销 %d", e.ID)
	if reason != "" {
		confirm += " " + reason
	} else {
		confirm += "”，也可以带上理由：“撤销 " + strconv.FormatInt(e.ID, 10) + " 记错人了"
	}
	return fmt.Sprintf("没有写编号，这次没有撤销。\n您最近记的一条是 #%d：%s（%s）%s %s（%s）。\n确认撤销这一条请发“%s”。要撤销别的记录，请写它的编号（发“查 姓名”可以看到）。",
		e.ID, e.StaffName, e.Branch, word, ledger.Yuan(e.Amount), e.CreatedAt.In(d.Clock.Location()).Format("1月2日 15:04"), confirm), nil
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
		fmt.Fprintf(&sb, "\n#%d %s %s %s", e.ID, e.CreatedAt.In(d.Clock.Location()).Format("1月2日"), shortWord(d.catalog(), e), ledger.Yuan(e.Amount))
		if e.Note != "" {
			fmt.Fprintf(&sb, "（%s）", e.Note)
		}
		if st := e.StatusLabel(); st != "" {
			sb.WriteString(" " + st)
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
