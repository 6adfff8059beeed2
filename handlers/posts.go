package handlers

import (
	"fmt"
	"strings"

	"github.com/hongqi-dev/hongqi/bot"
	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// leaveSection 是岗位与请假的命令（岗位、请假、销假、批准、驳回、缺岗）和审批卡片的按钮
// （EventKey 以 "leave:" 开头的 template_card_event）。
func leaveSection(d *Deps) section {
	return section{title: "岗位与请假", topic: "请假", commands: []Command{
		{
			Names: []string{"岗位", "窗口", "AB岗"}, Usage: "岗位 [窗口|人]",
			Summary:  "查看窗口的 A 岗、B 岗和今天谁在岗，或某人所在的窗口；不写则看自己的",
			Example:  "岗位 城关社保窗口",
			ReadOnly: true,
			Run:      func(c *bot.Context) (string, error) { return showPosts(d, c) },
		},
		{
			Names: []string{"请假"}, Usage: "请假 <天数 或 日期范围> <事由>",
			Summary: "提交请假：1 天以内由中心主任或副主任审批，超过 1 天由分管领导审批",
			Example: "请假 11月28日-11月30日 探亲",
			Run:     func(c *bot.Context) (string, error) { return requestLeave(d, c) },
		},
		{
			Names: []string{"销假"}, Usage: "销假",
			Summary: "提前回岗：正在休的假到昨天结束；还没开始或没批的请假撤回",
			Run:     func(c *bot.Context) (string, error) { return endLeave(d, c) },
		},
		{
			Names: []string{"批准", "同意"}, Usage: "批准 <请假编号>",
			Summary: "批准请假（也可点审批卡片上的按钮）", Example: "批准 3", Who: approvers,
			Run: func(c *bot.Context) (string, error) { return decideCommand(d, c, true) },
		},
		{
			Names: []string{"驳回", "不批"}, Usage: "驳回 <请假编号> [理由]",
			Summary: "驳回请假", Example: "驳回 3 月底业务忙", Who: approvers,
			Run: func(c *bot.Context) (string, error) { return decideCommand(d, c, false) },
		},
		{
			Names: []string{"缺岗", "空岗"}, Usage: "缺岗 <窗口> [再次] [备注]",
			Summary: "检查发现窗口无人：A 岗、B 岗各扣“不按规定在窗口坐班”，当天请假的人不扣；同一天第二次要写“再次”",
			Example: "缺岗 城关社保窗口 10:20 抽查无人", Who: recorders,
			Run: func(c *bot.Context) (string, error) { return absent(d, c) },
		},
	}, buttons: []Button{
		{Prefix: "leave:", Run: func(c *bot.Context) (string, error) { return leaveButton(d, c) }},
	}}
}

// leaveButton 处理审批卡片上的按钮：EventKey 为 leave:approve:<编号> 或 leave:reject:<编号>。
func leaveButton(d *Deps, c *bot.Context) (string, error) {
	parts := strings.Split(c.Msg.EventKey, ":")
	if len(parts) != 3 || (parts[1] != "approve" && parts[1] != "reject") {
		return "", model.Errorf(model.EINVALID, "这个按钮无法识别，请回复“批准 编号”或“驳回 编号 理由”。")
	}
	if !approvers.Allow(c.Actor) {
		return "", model.Errorf(model.EFORBIDDEN, "只有%s可以审批请假。", approvers.Label)
	}
	id, ok := model.ParseInt(parts[2], 1, model.MaxID)
	if !ok {
		return "", model.Errorf(model.EINVALID, "这个按钮无法识别，请回复“批准 编号”或“驳回 编号 理由”。")
	}
	return decide(d, c, id, parts[1] == "approve", "")
}

// decideCommand 是“批准 <编号>”“驳回 <编号> [理由]”：编号的写法见 model.ParseSerial（3、#3、3号、编号：3），
// 之后的原文是理由。没写编号或读不出编号时不审批。
func decideCommand(d *Deps, c *bot.Context, approve bool) (string, error) {
	verb := "驳回"
	if approve {
		verb = "批准"
	}
	id, used, err := model.ParseSerial(c.Args, verb+" 3")
	if err != nil {
		return "", err
	}
	if id == 0 {
		return "", model.Errorf(model.EINVALID, "请写请假编号，例如：%s 3（编号在审批卡片和提交请假的回复里）。", verb)
	}
	return decide(d, c, id, approve, c.Rest(used))
}

// decide 审批请假 id：note 是理由（原文）。
func decide(d *Deps, c *bot.Context, id int64, approve bool, note string) (string, error) {
	res, err := d.Leave.Decide(c.Ctx, c.Actor, c.Msg, id, approve, note)
	if err != nil {
		return "", err
	}
	l := res.Leave
	var sb strings.Builder
	if res.Duplicate {
		sb.WriteString("这条消息已经处理过。\n")
	}
	done := "驳回"
	if l.Status == model.LeaveApproved {
		done = "批准"
	}
	fmt.Fprintf(&sb, "已%s请假 #%d：%s %s（%s）%s。", done, l.ID, l.StaffName, l.Span(), model.DaysLabel(l.HalfDays), l.Reason)
	if l.DecideNote != "" {
		fmt.Fprintf(&sb, "\n理由：%s", l.DecideNote)
	}
	told := []string{l.StaffName}
	if len(res.StandIns) > 0 {
		told = append(told, "B岗 "+staffNames(res.StandIns))
	}
	fmt.Fprintf(&sb, "\n已通知%s。", strings.Join(told, "和"))
	return sb.String(), nil
}

func staffNames(ss []model.Staff) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return strings.Join(names, "、")
}

func requestLeave(d *Deps, c *bot.Context) (string, error) {
	l, dup, err := d.Leave.Request(c.Ctx, c.Actor, c.Msg, c.Args, c.Tails)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if dup {
		sb.WriteString("这条消息已经处理过，没有重复提交。\n")
	}
	fmt.Fprintf(&sb, "已提交请假 #%d：%s（%s）%s。", l.ID, l.Span(), model.DaysLabel(l.HalfDays), l.Reason)
	who := l.Route.Label()
	if as, err := d.Leave.Approvers(c.Ctx, l); err == nil {
		who = staffNames(as)
	}
	switch {
	case l.HalfDays > 2:
		fmt.Fprintf(&sb, "\n超过 1 天，由%s审批", l.Route.Label())
	case l.Route == model.RouteLeader:
		// 中心主任本人的请假：主任、副主任都不在请假人之上（model.RouteFor）。
		fmt.Fprintf(&sb, "\n1 天以内；您的请假由%s审批", l.Route.Label())
	default:
		fmt.Fprintf(&sb, "\n1 天以内，由%s审批", l.Route.Label())
	}
	fmt.Fprintf(&sb, "，已通知%s。审批结果会私信告诉您。", who)
	return sb.String(), nil
}

func endLeave(d *Deps, c *bot.Context) (string, error) {
	l, err := d.Leave.End(c.Ctx, c.Actor, c.Msg)
	if err != nil {
		return "", err
	}
	if l.Status == model.LeaveApproved {
		return fmt.Sprintf("已销假：请假 #%d 实际休到 %s，今天起回岗。已通知 B 岗和审批人。", l.ID, l.End.Label()), nil
	}
	return fmt.Sprintf("已撤回请假 #%d（%s %s）。", l.ID, l.Span(), l.Reason), nil
}

func showPosts(d *Deps, c *bot.Context) (string, error) {
	today := d.Leave.Today()
	if len(c.Args) > 1 {
		return "", model.Errorf(model.EINVALID, "一次只能查一个窗口或一个人，例如：岗位 城关社保窗口")
	}
	if len(c.Args) == 0 {
		duties, err := d.Leave.DutiesOf(c.Ctx, c.Actor.UserID, today)
		if err != nil {
			return "", err
		}
		if len(duties) > 0 {
			return formatDuties(c.Actor.Name, c.Actor.UserID, duties), nil
		}
		all, err := d.Leave.Windows(c.Ctx)
		if err != nil {
			return "", err
		}
		if len(all) == 0 {
			return "还没有导入岗位表（hongqi post import 文件）。", nil
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "您不在任何窗口的 A/B 岗上。全部 %d 个窗口（今天 %s 在岗）：", len(all), today.Label())
		for _, p := range all {
			du, err := d.Leave.Duty(c.Ctx, p.Window, today)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&sb, "\n· %s：%s", p.Window, actingLine(du))
		}
		sb.WriteString("\n发“岗位 窗口名”查看详情。")
		return sb.String(), nil
	}
	l, err := d.Leave.Lookup(c.Ctx, c.Args[0], today)
	switch {
	case err != nil:
		return "", err
	case l.Window != nil:
		return formatDuty(*l.Window), nil
	case len(l.Duties) == 0:
		return fmt.Sprintf("%s（%s）不在任何窗口的 A/B 岗上。", l.Person.Name, l.Person.Branch), nil
	}
	return formatDuties(l.Person.Name, l.Person.UserID, l.Duties), nil
}

func positionLabel(p string) string {
	if p == "A" {
		return "A岗（主办）"
	}
	return "B岗（协办）"
}

func holderText(h leave.Holder) string {
	s := h.Staff.Name
	if h.Leave != nil {
		s += fmt.Sprintf("（请假中 %s，#%d）", h.Leave.Span(), h.Leave.ID)
	}
	return s
}

// actingLine 说明当天谁在岗：A 在岗；A 请假由 B 顶岗；都请假时窗口无人。
func actingLine(du leave.Duty) string {
	acting := du.Acting()
	switch {
	case len(acting) == 0:
		return "A 岗、B 岗都在请假，窗口无人，请中心安排人员"
	case acting[0].Position == "A":
		return "A岗 " + acting[0].Staff.Name + " 在岗"
	}
	names := make([]string, len(acting))
	for i, h := range acting {
		names[i] = h.Staff.Name
	}
	return fmt.Sprintf("A岗 %s 请假，由 B岗 %s 顶岗", du.Holders[0].Staff.Name, strings.Join(names, "、"))
}

func formatDuty(du leave.Duty) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s（今天 %s）", du.Post.Window, du.Day.Label())
	var bs []string
	for _, h := range du.Holders {
		if h.Position == "A" {
			fmt.Fprintf(&sb, "\nA岗（主办）：%s", holderText(h))
		} else {
			bs = append(bs, holderText(h))
		}
	}
	fmt.Fprintf(&sb, "\nB岗（协办）：%s", strings.Join(bs, "、"))
	fmt.Fprintf(&sb, "\n今天：%s。", actingLine(du))
	return sb.String()
}

func formatDuties(name, userID string, duties []leave.Duty) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s的岗位（今天 %s）：", name, duties[0].Day.Label())
	for _, du := range duties {
		pos := du.Post.Holds(userID)
		fmt.Fprintf(&sb, "\n· %s %s；今天%s", du.Post.Window, positionLabel(pos), actingLine(du))
	}
	return sb.String() + "。"
}

func absent(d *Deps, c *bot.Context) (string, error) {
	if len(c.Args) == 0 {
		return "", model.Errorf(model.EINVALID, "请写窗口名，例如：缺岗 城关社保窗口。发“岗位”查看全部窗口。")
	}
	// “缺岗 窗口 再次 [备注]”：同一天第二次发现窗口无人，确认再扣一次。
	again := len(c.Args) > 1 && c.Args[1] == "再次"
	note := c.Rest(1)
	if again {
		note = c.Rest(2)
	}
	a, err := d.Leave.Absent(c.Ctx, c.Actor, c.Msg, c.Args[0], note, again)
	if err != nil {
		return "", err
	}
	pos := map[string]string{}
	for _, h := range a.Duty.Holders {
		pos[h.Staff.UserID] = h.Position
	}
	var sb strings.Builder
	if a.Result.Duplicate {
		sb.WriteString("这条消息已经处理过，没有重复记录。\n")
	}
	fmt.Fprintf(&sb, "已记录缺岗：%s，%s %s。", a.Duty.Post.Window, a.Result.Rule.Name, ledger.Yuan(a.Result.Rule.Signed()))
	var charged []string
	for _, e := range a.Result.Entries {
		charged = append(charged, e.StaffName)
		fmt.Fprintf(&sb, "\n扣 #%d %s（%s岗），本月合计 %s", e.ID, e.StaffName, pos[e.StaffID], ledger.Yuan(a.Result.Totals[e.StaffID]))
	}
	for _, h := range a.Excused {
		fmt.Fprintf(&sb, "\n%s（%s岗）今天请假（#%d），不扣。", h.Staff.Name, h.Position, h.Leave.ID)
	}
	fmt.Fprintf(&sb, "\n被扣款：%s。已私信通知本人。", strings.Join(charged, "、"))
	return sb.String(), nil
}
