package handlers

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag"
)

// inputSection 是评分依据的录入命令（测评、抽查、表扬、投诉、投诉无效、检查）和“排行”。
func inputSection(d *Deps) section {
	run := func(f func(*Deps, *bot.Context) (string, error)) bot.HandlerFunc {
		return func(c *bot.Context) (string, error) { return f(d, c) }
	}
	sec := section{title: "红旗评分", topic: "红旗", note: inputUndoNote, commands: []Command{
		{
			Names: []string{"测评"}, Usage: "测评 <人> 满意 <次数> 基本满意 <次数> 不满意 <次数> [日期]",
			Summary: "录入测评仪没记上的一天的满意度测评，默认今天；三项都要写，没有的写 0；同一天再发会覆盖", Who: recorders,
			Example: "测评 张三 满意 38 基本满意 2 不满意 0 昨天", Run: run(meterDay),
		},
		{
			Names: []string{"抽查"}, Usage: "抽查 <人> <分数> [备注]",
			Summary: "记一次视频监控抽查得分（0–100）", Who: recorders,
			Example: "抽查 张三 92 着装规范", Run: run(spotCheck),
		},
		{
			Names: []string{"表扬"}, Usage: "表扬 <人> [内容]", Summary: "记一次客户表扬", Who: recorders,
			Example: "表扬 张三 耐心解答社保问题",
			Run:     run(func(d *Deps, c *bot.Context) (string, error) { return feedback(d, c, model.FeedbackPraise) }),
		},
		{
			Names: []string{"投诉"}, Usage: "投诉 <人> [内容]", Summary: "记一次客户投诉", Who: recorders,
			Example: "投诉 张三 态度生硬",
			Run:     run(func(d *Deps, c *bot.Context) (string, error) { return feedback(d, c, model.FeedbackComplaint) }),
		},
		{
			Names: []string{"投诉无效"}, Usage: "投诉无效 <编号> [理由]",
			Summary: "核实投诉不成立：记录保留，不再计分", Who: recorders,
			Example: "投诉无效 5 经查看录像服务规范", Run: run(invalidComplaint),
		},
		{
			Names: []string{"检查"}, Usage: "检查 <网点> <项目> <分数> [备注]",
			Summary: "农村网点检查打分（0–100），项目：" + d.Inputs.ItemNames(), Who: leadership,
			Example: "检查 河西所 卫生 90", Run: run(inspect),
		},
	}}
	if d.Flags != nil { // 排行要看这一期评出了谁：由评选服务给出
		sec.commands = append(sec.commands, Command{
			Names: []string{"排行", "排名"}, Usage: "排行 [本周|上周|本旬|上旬|本月]",
			Summary: "看流动红旗排行和每人各项得分，默认本周", Example: "排行 上周", ReadOnly: true, Run: run(showRanking),
		})
	}
	return sec
}

const dupReply = "这条消息已经处理过，没有重复记录。"

// inputUndoNote 是“帮助 红旗”里评分依据一节末尾的说明。
const inputUndoNote = "录错了：撤销 <类别> <编号> [理由]，类别是 测评、抽查、表扬、投诉 或 检查，编号在录入时的回复里，例如：撤销 抽查 12 记错人了。原记录保留，注明已撤销，不再计分。"

// undoHint 是录入回复末尾怎样撤销的一句。
func undoHint(kind model.InputKind, id int64) string {
	return fmt.Sprintf("录错了请发“撤销 %s %d”。", kind.Label(), id)
}

var (
	reCount = regexp.MustCompile(`^(基本满意|基本|不满意|满意)(\d+)次?$`)
)

// parseDay 解析“今天/昨天/前天”、2026-11-02、11月2日、11-02（model.ParseDayChecked）：只写月日时取不晚于今天的那一年。
// 写的是日期、但这一天不存在时（2月30日）返回 EINVALID，说明哪里不对。
func parseDay(s string, today model.Date) (model.Date, bool, error) {
	return model.ParseDayChecked(s, model.DayRef{Today: today, Past: true})
}

func meterDay(d *Deps, c *bot.Context) (string, error) {
	const usage = "测评 张三 满意 38 基本满意 2 不满意 0 [昨天]"
	if len(c.Args) < 3 {
		return "", model.Errorf(model.EINVALID, "请写人和次数，例如：%s", usage)
	}
	today := d.Inputs.Today()
	var mc redflag.MeterCounts
	// “基本”是测评仪和人们口头上对“基本满意”的简称。
	counts := map[string]**int{"满意": &mc.Satisfied, "基本满意": &mc.Basic, "基本": &mc.Basic, "不满意": &mc.Unsatisfied}
	set := func(p **int, n int) { *p = &n }
	args := c.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if m := reCount.FindStringSubmatch(a); m != nil {
			n, ok := model.ParseCount(m[2], 0, model.MaxMeterCount)
			if !ok {
				return "", model.Errorf(model.EINVALID, "“%s”的次数应为 0 到 %d 的整数，这次没有记录。", a, model.MaxMeterCount)
			}
			set(counts[m[1]], n)
			continue
		}
		if p, ok := counts[a]; ok {
			if i+1 >= len(args) {
				return "", model.Errorf(model.EINVALID, "“%s”后面要写次数，例如：%s", a, usage)
			}
			n, ok := model.ParseCount(strings.TrimSuffix(args[i+1], "次"), 0, model.MaxMeterCount)
			if !ok {
				return "", model.Errorf(model.EINVALID, "“%s %s”的次数应为 0 到 %d 的整数，这次没有记录。", a, args[i+1], model.MaxMeterCount)
			}
			set(p, n)
			i++
			continue
		}
		day, ok, err := parseDay(a, today)
		if err != nil {
			return "", err
		}
		if ok {
			mc.Day = day
			continue
		}
		return "", model.Errorf(model.EINVALID, "“%s”看不懂。请这样写：%s", a, usage)
	}
	if mc.Satisfied == nil && mc.Basic == nil && mc.Unsatisfied == nil {
		return "", model.Errorf(model.EINVALID, "没有写次数，例如：%s", usage)
	}
	res, err := d.Inputs.RecordMeterDay(c.Ctx, c.Actor, c.Msg, c.Args[0], mc)
	if model.ErrorCode(err) == model.EDUPLICATE {
		return dupReply, nil
	}
	if err != nil {
		return "", err
	}
	got := res.Day
	s := fmt.Sprintf("已记录 %s %s 的测评（编号 %d）：%s。", res.Staff.Name, got.Day.Label(), got.ID, meterCounts(got))
	if p := res.Replaced; p != nil {
		s += fmt.Sprintf("\n这一天先前录入的%s已被替换。", meterCounts(*p))
	}
	return s + "\n同一天再发一次会替换；测评仪导入了这一天的数据时以测评仪为准。" + undoHint(model.InputMeter, got.ID), nil
}

// meterCounts 是一天的测评计数：“满意 38、基本满意 2、不满意 0（共 40 次）”。
func meterCounts(d model.MeterDay) string {
	return fmt.Sprintf("满意 %d、基本满意 %d、不满意 %d（共 %d 次）", d.Satisfied, d.Basic, d.Unsatisfied, d.Total())
}

// scoreArg 解析“92”或“92分”（0 到 model.MaxScore）；写得不对时说明怎么写。
func scoreArg(arg, usage string) (int, error) {
	n, ok := model.ParseCount(strings.TrimSuffix(arg, "分"), 0, model.MaxScore)
	if !ok {
		return 0, model.Errorf(model.EINVALID, "分数“%s”应为 0 到 %d 的整数，例如：%s", arg, model.MaxScore, usage)
	}
	return n, nil
}

func spotCheck(d *Deps, c *bot.Context) (string, error) {
	const usage = "抽查 张三 92 [备注]"
	if len(c.Args) < 2 {
		return "", model.Errorf(model.EINVALID, "请写人和分数，例如：%s", usage)
	}
	n, err := scoreArg(c.Args[1], usage)
	if err != nil {
		return "", err
	}
	got, err := d.Inputs.RecordSpotCheck(c.Ctx, c.Actor, c.Msg, c.Args[0], n, c.Rest(2))
	if model.ErrorCode(err) == model.EDUPLICATE {
		return dupReply, nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("已记录 %s 抽查 %d 分（编号 %d）。", got.StaffName, got.Score, got.ID) + undoHint(model.InputSpot, got.ID), nil
}

func feedback(d *Deps, c *bot.Context, kind model.FeedbackKind) (string, error) {
	usage := kind.Label() + " 张三 [内容]"
	if len(c.Args) < 1 {
		return "", model.Errorf(model.EINVALID, "请写是谁，例如：%s", usage)
	}
	got, err := d.Inputs.RecordFeedback(c.Ctx, c.Actor, c.Msg, c.Args[0], kind, c.Rest(1))
	if model.ErrorCode(err) == model.EDUPLICATE {
		return dupReply, nil
	}
	if err != nil {
		return "", err
	}
	if kind == model.FeedbackComplaint {
		return fmt.Sprintf("已记录对 %s 的投诉（编号 %d）。核实不成立时发“投诉无效 %d 理由”；", got.StaffName, got.ID, got.ID) + undoHint(model.InputComplaint, got.ID), nil
	}
	return fmt.Sprintf("已记录对 %s 的表扬（编号 %d）。", got.StaffName, got.ID) + undoHint(model.InputPraise, got.ID), nil
}

func invalidComplaint(d *Deps, c *bot.Context) (string, error) {
	const usage = "投诉无效 5 经查看录像服务规范"
	// 编号的写法与“撤销”相同（model.ParseSerial：5、#5、5号、编号：5）；读不出的编号拒绝，不去猜。
	id, used, err := model.ParseSerial(c.Args, usage)
	if err != nil {
		return "", model.Errorf(model.EINVALID, "投诉编号“%s”应为正整数，例如：%s", c.Args[0], usage)
	}
	if id == 0 {
		return "", model.Errorf(model.EINVALID, "请写投诉编号（记投诉时的回复里有），例如：%s", usage)
	}
	got, err := d.Inputs.InvalidateComplaint(c.Ctx, c.Actor, c.Msg, id, c.Rest(used))
	if model.ErrorCode(err) == model.EDUPLICATE {
		return dupReply, nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("对 %s 的投诉（编号 %d）已认定无效：记录保留，不再计入评分。", got.StaffName, got.ID), nil
}

func inspect(d *Deps, c *bot.Context) (string, error) {
	const usage = "检查 河西所 卫生 90 [备注]"
	if len(c.Args) < 3 {
		return "", model.Errorf(model.EINVALID, "请写网点、项目和分数，例如：%s", usage)
	}
	n, err := scoreArg(c.Args[2], usage)
	if err != nil {
		return "", err
	}
	branch := c.Args[0]
	got, it, err := d.Inputs.RecordInspection(c.Ctx, c.Actor, c.Msg, branch, c.Args[1], n, c.Rest(3))
	if model.ErrorCode(err) == model.EDUPLICATE {
		return dupReply, nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("已记录 %s %s %d 分（编号 %d），计入%s。", branch, it.Name, got.Score, got.ID, model.DekadOf(c.Now, d.Clock.Location()).Spoken()) +
		undoHint(model.InputInspection, got.ID), nil
}

// revokeInput 处理“撤销 <类别> <编号> [理由]”（类别是 测评、抽查、表扬、投诉、检查）：args 是类别之后的参数。
func revokeInput(d *Deps, c *bot.Context, kind model.InputKind) (string, error) {
	usage := fmt.Sprintf("撤销 %s 12 记错人了", kind.Label())
	id, used, err := model.ParseSerial(c.Args[1:], usage)
	if err != nil {
		return "", err
	}
	if id == 0 {
		return "", model.Errorf(model.EINVALID, "请写%s的编号（录入时的回复里有），例如：%s", kind.Label(), usage)
	}
	reason := c.Rest(1 + used)
	r, err := d.Inputs.Revoke(c.Ctx, c.Actor, c.Msg, kind, id, reason)
	if err != nil {
		return "", err
	}
	in := r.Input
	var what string
	switch kind {
	case model.InputMeter:
		what = fmt.Sprintf("%s %s 的测评 %s", in.StaffName, in.Meter.Day.Label(), meterCounts(in.Meter))
	case model.InputSpot:
		what = fmt.Sprintf("%s 抽查 %d 分", in.StaffName, in.Score)
	case model.InputInspection:
		item := in.Item
		if it, ok := d.Inputs.Item(in.Item); ok {
			item = it.Name
		}
		what = fmt.Sprintf("%s %s %d 分", in.Branch, item, in.Score)
	default:
		what = fmt.Sprintf("对 %s 的%s", in.StaffName, kind.Label())
	}
	var sb strings.Builder
	if r.Duplicate {
		sb.WriteString("这条消息已经处理过，没有重复撤销。\n")
	}
	fmt.Fprintf(&sb, "已撤销%s %d：%s（%s %s 录入）。原记录保留，注明已撤销，不再计分。", kind.Label(), id, what,
		in.CreatedAt.In(d.Clock.Location()).Format("1月2日"), actorName(in))
	if reason != "" {
		sb.WriteString("\n理由：" + reason)
	}
	return sb.String(), nil
}

// actorName 是录入人的称呼；测评的录入只记了工号。
func actorName(in model.InputRecord) string {
	if in.ActorName != "" {
		return in.ActorName
	}
	return in.ActorID
}

func showRanking(d *Deps, c *bot.Context) (string, error) {
	which := "本周"
	if len(c.Args) > 0 {
		which = c.Args[0]
	}
	loc := d.Clock.Location()
	var st redflag.Standing
	var err error
	tab, mine := "", c.Actor.UserID
	switch which {
	case "本周", "这周", "周":
		st, err = d.Flags.WeeklyStanding(c.Ctx, model.WeekOf(c.Now, loc))
	case "上周":
		tab = "?p=lastweek"
		st, err = d.Flags.WeeklyStanding(c.Ctx, model.WeekOf(c.Now, loc).Add(-1))
	case "本旬", "这旬", "旬":
		tab, mine = "?p=dekad", c.Actor.Branch
		st, err = d.Flags.DekadStanding(c.Ctx, model.DekadOf(c.Now, loc))
	case "上旬":
		tab, mine = "?p=lastdekad", c.Actor.Branch
		st, err = d.Flags.DekadStanding(c.Ctx, model.DekadOf(c.Now, loc).Add(-1))
	case "本月", "这个月", "月":
		text, err := d.Flags.MonthText(c.Ctx)
		if err != nil {
			return "", err
		}
		return text + pageLine(d.Web, "/app/board"), nil
	default:
		return "", model.Errorf(model.EINVALID, "“%s”看不懂，请写 本周、上周、本旬、上旬 或 本月，例如：排行 上周", which)
	}
	if err != nil {
		return "", err
	}
	return d.Flags.StandingText(st, mine) + pageLine(d.Web, "/app/board"+tab), nil
}
