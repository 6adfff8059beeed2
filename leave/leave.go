// Package leave 是 A/B 岗与请假：窗口的 A 岗（主办）和 B 岗（协办）、请假的提交与按时长分级审批、
// A 请假时 B 顶岗、销假，以及检查发现窗口无人时的缺岗扣款。
//
// 它只依赖 model 中的接口；缺岗扣款经 ledger.Service.Record 写入，记录、通知、去重与普通扣款一样。
package leave

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// 默认限制。
const (
	DefaultMaxBackDays = 7  // 请假开始日期最多早于今天几天（补请假）
	DefaultMaxDays     = 30 // 一张请假单最多几天
)

// Service 是岗位与请假服务。字段在创建后不再修改，可并发使用。
type Service struct {
	Staff  model.StaffStore
	Posts  model.PostStore
	Leaves model.LeaveStore
	Ledger *ledger.Service // 缺岗扣款经它写入
	Clock  *model.Clock    // 全系统唯一的时钟，也给出考核时区
	// MaxBackDays 是请假开始日期最多早于今天的天数，0 表示 DefaultMaxBackDays。
	MaxBackDays int
	// MaxDays 是一张请假单最多的天数，0 表示 DefaultMaxDays。
	MaxDays int
}

// HookLedger 让台账服务的“虚假请假”扣款关联请假单（LinkFalseLeave）、“查”列出当月请假（MonthNote）。
// 装配时调用一次，在开始处理消息之前。
func (s *Service) HookLedger() {
	s.Ledger.Link("false_leave", s.LinkFalseLeave)
	s.Ledger.AddNote(s.MonthNote)
}

func (s *Service) loc() *time.Location { return s.Clock.Location() }

func (s *Service) now() time.Time { return s.Clock.Now() }

// Today 返回考核时区的今天。
func (s *Service) Today() model.Date { return model.DateOf(s.now(), s.loc()) }

func (s *Service) maxBack() int {
	if s.MaxBackDays > 0 {
		return s.MaxBackDays
	}
	return DefaultMaxBackDays
}

func (s *Service) maxDays() int {
	if s.MaxDays > 0 {
		return s.MaxDays
	}
	return DefaultMaxDays
}

// Holder 是窗口上的一个人及其当天的请假。
type Holder struct {
	Staff    model.Staff
	Position string       // "A" 或 "B"
	Leave    *model.Leave // 当天已批准的请假；nil 表示在岗
}

// Duty 是某窗口某天的在岗情况。
type Duty struct {
	Post    model.Post
	Day     model.Date
	Holders []Holder // A 在前，B 按顺序
}

// Acting 返回当天实际担任主办的人：A 在岗时是 A；A 请假时是不在请假中的 B（可能为空，即窗口无人）。
func (d Duty) Acting() []Holder {
	if len(d.Holders) > 0 && d.Holders[0].Leave == nil {
		return d.Holders[:1]
	}
	var out []Holder
	for _, h := range d.Holders[1:] {
		if h.Leave == nil {
			out = append(out, h)
		}
	}
	return out
}

// Duty 返回窗口 window 在 day 的在岗情况。窗口不存在时返回 ENOTFOUND，附上最接近的窗口名。
func (s *Service) Duty(ctx context.Context, window string, day model.Date) (Duty, error) {
	p, err := s.Post(ctx, window)
	if err != nil {
		return Duty{}, err
	}
	return s.duty(ctx, p, day)
}

// Post 按窗口名取岗位；不存在时 ENOTFOUND 的说明里列出最接近的窗口。
func (s *Service) Post(ctx context.Context, window string) (model.Post, error) {
	p, err := s.Posts.Post(ctx, window)
	if model.ErrorCode(err) != model.ENOTFOUND {
		return p, err
	}
	all, lerr := s.Posts.Posts(ctx)
	if lerr != nil {
		return model.Post{}, lerr
	}
	names := make([]string, len(all))
	for i, p := range all {
		names[i] = p.Window
	}
	return model.Post{}, model.UnknownWindow(window, model.Closest(window, names, 3))
}

func (s *Service) duty(ctx context.Context, p model.Post, day model.Date) (Duty, error) {
	d := Duty{Post: p, Day: day}
	ids := append([]string{p.A}, p.B...)
	for i, id := range ids {
		st, err := s.Staff.Staff(ctx, id)
		switch model.ErrorCode(err) {
		case "":
		case model.ENOTFOUND:
			st = model.Staff{UserID: id, Name: id}
		default:
			return Duty{}, err
		}
		h := Holder{Staff: st, Position: "B"}
		if i == 0 {
			h.Position = "A"
		}
		l, err := s.leaveOn(ctx, st.UserID, day)
		if err != nil {
			return Duty{}, err
		}
		h.Leave = l
		d.Holders = append(d.Holders, h)
	}
	return d, nil
}

// Windows 返回全部窗口的岗位，按窗口名排序。
func (s *Service) Windows(ctx context.Context) ([]model.Post, error) { return s.Posts.Posts(ctx) }

// Lookup 是“岗位 <窗口或人>”的答复：Window 非空时是该窗口当天的在岗情况；否则 Person 是找到的人，
// Duties 是此人所在各窗口当天的在岗情况（可能为空：不在任何窗口的 A/B 岗上）。
type Lookup struct {
	Window *Duty
	Person model.Staff
	Duties []Duty
}

// Lookup 按窗口名或人（姓名、工号或 姓名(工号)，不限管理范围，经台账服务的 Find）查 day 的在岗情况。
// 既不是窗口也找不到人时，说明里先是找人的答复（最接近的姓名、重名时的 姓名(工号)·网点），再是最接近的窗口。
func (s *Service) Lookup(ctx context.Context, arg string, day model.Date) (Lookup, error) {
	du, err := s.Duty(ctx, arg, day)
	if err == nil {
		return Lookup{Window: &du}, nil
	}
	if model.ErrorCode(err) != model.ENOTFOUND {
		return Lookup{}, err
	}
	st, ferr := s.Ledger.Find(ctx, arg)
	switch model.ErrorCode(ferr) {
	case "":
	case model.ENOTFOUND:
		return Lookup{}, model.Errorf(model.ENOTFOUND, "%s\n%s", model.ErrorMessage(ferr), model.ErrorMessage(err))
	default:
		return Lookup{}, ferr
	}
	if !st.Active {
		return Lookup{}, model.Errorf(model.EINVALID, "%s（%s）已不在花名册中，不在任何窗口的 A/B 岗上。", st.Name, st.Branch)
	}
	duties, err := s.DutiesOf(ctx, st.UserID, day)
	if err != nil {
		return Lookup{}, err
	}
	return Lookup{Person: st, Duties: duties}, nil
}

// leaveOn 返回此人 day 当天已批准的请假，没有返回 nil。
func (s *Service) leaveOn(ctx context.Context, userID string, day model.Date) (*model.Leave, error) {
	ls, err := s.Leaves.Leaves(ctx, model.LeaveFilter{StaffID: userID, Statuses: []model.LeaveStatus{model.LeaveApproved}, From: day, To: day})
	if err != nil || len(ls) == 0 {
		return nil, err
	}
	return &ls[0], nil
}

// DutiesOf 返回 userID 所在各窗口当天的在岗情况。
func (s *Service) DutiesOf(ctx context.Context, userID string, day model.Date) ([]Duty, error) {
	ps, err := s.Posts.PostsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []Duty
	for _, p := range ps {
		d, err := s.duty(ctx, p, day)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Request 提交一张请假单：args 是“<天数 或 日期范围> <事由>”（tails[i] 是从第 i 个参数起的原文，可为空，
// 见 ParseSpanText）。按时长交给审批人（1 天以内：中心主任或副主任；超过 1 天：分管领导），以一张带
// “批准”“驳回”按钮的卡片送达。同一条消息重复到达时返回原请假单，dup 为 true。
func (s *Service) Request(ctx context.Context, actor model.Staff, msg model.Message, args, tails []string) (l model.Leave, dup bool, err error) {
	today := s.Today()
	span, err := ParseSpanText(args, tails, today)
	if err != nil {
		return model.Leave{}, false, err
	}
	if span.Reason == "" {
		return model.Leave{}, false, model.Errorf(model.EINVALID, "请写明事由，例如：请假 1 天 家中有事。这次没有提交。")
	}
	if err := model.CheckNote("事由", span.Reason, 0); err != nil {
		return model.Leave{}, false, err
	}
	if span.Start.Before(today.AddDays(-s.maxBack())) {
		return model.Leave{}, false, model.Errorf(model.EINVALID, "请假从 %s 开始，已超过 %d 天，不能再补请。请联系中心办公室处理。这次没有提交。", span.Start.Label(), s.maxBack())
	}
	if days := span.Start.DaysUntil(span.End) + 1; days > s.maxDays() {
		return model.Leave{}, false, model.Errorf(model.EINVALID, "一次请假最多 %d 天，这次是 %d 天。请分开提交，或联系中心办公室。这次没有提交。", s.maxDays(), days)
	}
	route := model.RouteFor(span.HalfDays, actor.Role)
	approvers, err := s.approvers(ctx, route, actor)
	if err != nil {
		return model.Leave{}, false, err
	}
	l = model.Leave{
		StaffID: actor.UserID, StaffName: actor.Name, Branch: actor.Branch,
		Start: span.Start, End: span.End, HalfDays: span.HalfDays, Half: span.Half, Reason: span.Reason,
		Route: route, Status: model.LeavePending,
	}
	ids := make([]string, len(approvers))
	for i, a := range approvers {
		ids[i] = a.UserID
	}
	notices := []model.Notice{askNotice(l, model.ToUsers(ids...))}
	out, err := s.Leaves.CreateLeave(ctx, msg, l, notices)
	if model.ErrorCode(err) == model.EDUPLICATE {
		return out, true, nil
	}
	if err != nil {
		return model.Leave{}, false, err
	}
	return out, false, nil
}

// approvers 返回可以审批 requester 这条路线上的请假的在册人员（model.May：路线上的角色，不是请假人本人，
// 不在请假人之下）；一个也没有时返回 EINVALID。
func (s *Service) approvers(ctx context.Context, route model.LeaveRoute, requester model.Staff) ([]model.Staff, error) {
	all, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	var out []model.Staff
	for _, st := range all {
		if st.Active && model.May(st, route.Action(), requester) == nil {
			out = append(out, st)
		}
	}
	if len(out) == 0 {
		return nil, model.Errorf(model.EINVALID, "花名册里没有可以审批这张请假单的%s，这次没有提交。请联系管理员在花名册中设置角色。", route.Label())
	}
	return out, nil
}

// Approvers 返回审批请假单 l 的人（不含请假人自己）。
func (s *Service) Approvers(ctx context.Context, l model.Leave) ([]model.Staff, error) {
	requester, err := s.requester(ctx, l)
	if err != nil {
		return nil, err
	}
	return s.approvers(ctx, l.Route, requester)
}

// requester 从花名册取出请假单 l 的请假人；不在花名册时只有请假单上的姓名和网点（角色不明，按员工算）。
func (s *Service) requester(ctx context.Context, l model.Leave) (model.Staff, error) {
	st, err := s.Staff.Staff(ctx, l.StaffID)
	switch model.ErrorCode(err) {
	case "":
		return st, nil
	case model.ENOTFOUND:
		return model.Staff{UserID: l.StaffID, Name: l.StaffName, Branch: l.Branch}, nil
	}
	return model.Staff{}, err
}

// Decision 是一次审批的结果。
type Decision struct {
	Leave     model.Leave
	Duplicate bool          // 这条消息先前已处理过，本次什么也没写
	StandIns  []model.Staff // 被告知要顶岗的 B 岗（只在批准时）
}

// Decide 批准（approve 为 true）或驳回请假单 id。谁能审批由 model.May 判断（该路线上的角色，不是请假人本人，
// 不在请假人之下），每张请假单只审批一次。请假人收到结果；批准时 B 岗收到顶岗通知。驳回时不告诉 B 岗：
// 提交请假时 B 岗没有收到过什么，没有要收回的。
func (s *Service) Decide(ctx context.Context, actor model.Staff, msg model.Message, id int64, approve bool, note string) (Decision, error) {
	if err := model.CheckNote("理由", note, 0); err != nil {
		return Decision{}, err
	}
	l, err := s.Leaves.Leave(ctx, id)
	if err != nil {
		return Decision{}, err
	}
	requester, err := s.requester(ctx, l)
	if err != nil {
		return Decision{}, err
	}
	if err := model.May(actor, l.Route.Action(), requester); err != nil {
		return Decision{}, model.Errorf(model.EFORBIDDEN, "请假 #%d 共 %s，%s", l.ID, model.DaysLabel(l.HalfDays), model.ErrorMessage(err))
	}
	if l.Status != model.LeavePending {
		return Decision{}, s.decidedErr(l)
	}
	status := model.LeaveRejected
	if approve {
		status = model.LeaveApproved
	}
	var standIns []model.Staff
	if approve {
		if standIns, err = s.standIns(ctx, l.StaffID); err != nil {
			return Decision{}, err
		}
	}
	decided := l
	decided.Status, decided.DeciderName, decided.DecideNote = status, actor.Name, note
	notices := []model.Notice{resultNotice(decided)}
	if len(standIns) > 0 {
		notices = append(notices, standInNotice(decided, standIns))
	}
	done := "已驳回"
	if approve {
		done = "已批准"
	}
	notices = append(notices, s.cardUpdate(ctx, l, requester, model.CardOutcome(done, actor.Name), actor.UserID))
	out, err := s.Leaves.DecideLeave(ctx, model.LeaveDecision{
		Msg: msg, LeaveID: id, From: model.LeavePending, Status: status,
		By: actor.UserID, ByName: actor.Name, Note: note, At: s.now(), Notices: notices,
	})
	switch model.ErrorCode(err) {
	case "":
		return Decision{Leave: out, StandIns: standIns}, nil
	case model.EDUPLICATE:
		return Decision{Leave: out, Duplicate: true, StandIns: standIns}, nil
	case model.ECONFLICT:
		return Decision{}, s.decidedErr(out)
	}
	return Decision{}, err
}

// cardUpdate 是把请假单 l 的审批卡片换成 outcome 的通知（不论在哪里审批的：点按钮、聊天命令、网页），
// 发给这条路线上的审批人（收到卡片的人；发卡片时记下的接收人优先，见 wecom）；一个也找不到时发给 fallback。
func (s *Service) cardUpdate(ctx context.Context, l model.Leave, requester model.Staff, outcome, fallback string) model.Notice {
	ids := []string{fallback}
	if as, err := s.approvers(ctx, l.Route, requester); err == nil {
		ids = ids[:0]
		for _, a := range as {
			ids = append(ids, a.UserID)
		}
	}
	return model.CardUpdateNotice(CardTaskID(l.ID), outcome, model.ToUsers(ids...))
}

// CardTaskID 是请假单 id 的审批卡片的 task_id。
func CardTaskID(id int64) string { return "leave-" + strconv.FormatInt(id, 10) }

// decidedErr 说明请假单已被谁、何时处理过。
func (s *Service) decidedErr(l model.Leave) error {
	when := ""
	if l.DecidedAt != nil {
		when = "于 " + l.DecidedAt.In(s.loc()).Format("1月2日 15:04") + " "
	}
	switch l.Status {
	case model.LeaveApproved:
		return model.Errorf(model.ECONFLICT, "请假 #%d 已%s由%s批准，不用再审批。", l.ID, when, l.DeciderName)
	case model.LeaveRejected:
		return model.Errorf(model.ECONFLICT, "请假 #%d 已%s由%s驳回，不能再审批。", l.ID, when, l.DeciderName)
	}
	return model.Errorf(model.ECONFLICT, "请假 #%d 已由本人撤回，不用再审批。", l.ID)
}

// standIns 返回 userID 担任 A 岗的各窗口的 B 岗（去重，不含本人）。
func (s *Service) standIns(ctx context.Context, userID string) ([]model.Staff, error) {
	ps, err := s.Posts.PostsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []model.Staff
	seen := map[string]bool{userID: true}
	for _, p := range ps {
		if !strings.EqualFold(p.A, userID) {
			continue
		}
		for _, b := range p.B {
			if seen[b] {
				continue
			}
			seen[b] = true
			st, err := s.Staff.Staff(ctx, b)
			if err != nil {
				if model.ErrorCode(err) == model.ENOTFOUND {
					continue
				}
				return nil, err
			}
			out = append(out, st)
		}
	}
	return out, nil
}

// End 为 actor 销假：正在休的假提前到昨天结束；尚未开始或还在审批的请假撤回。
// 告诉先前被告知过这张请假单的人：已批准的告诉 B 岗（批准时收到了顶岗通知）和审批人；
// 还在审批的告诉收到过审批卡片的审批人，不告诉 B 岗（他们没有收到过什么）。
func (s *Service) End(ctx context.Context, actor model.Staff, msg model.Message) (model.Leave, error) {
	today := s.Today()
	ls, err := s.Leaves.Leaves(ctx, model.LeaveFilter{StaffID: actor.UserID, Statuses: []model.LeaveStatus{model.LeavePending, model.LeaveApproved}, From: today})
	if err != nil {
		return model.Leave{}, err
	}
	if len(ls) == 0 {
		return model.Leave{}, model.Errorf(model.ENOTFOUND, "您今天及以后没有在请或待批的假，不用销假。")
	}
	l := ls[0] // 按开始日期排序：正在休的或最近的一张
	d := model.LeaveDecision{Msg: msg, LeaveID: l.ID, From: l.Status, At: s.now(), By: actor.UserID, ByName: actor.Name}
	switch {
	case l.Status == model.LeaveApproved && l.Start.Before(today):
		d.Status, d.End, d.EndedEarly = model.LeaveApproved, today.AddDays(-1), true
	case l.Status == model.LeaveApproved:
		d.Status, d.EndedEarly = model.LeaveWithdrawn, true
	default:
		d.Status = model.LeaveWithdrawn
	}
	after := l
	after.Status = d.Status
	if !d.End.IsZero() {
		after.End = d.End
	}
	var to []string
	if l.Status == model.LeaveApproved {
		standIns, err := s.standIns(ctx, actor.UserID)
		if err != nil {
			return model.Leave{}, err
		}
		for _, b := range standIns {
			to = append(to, b.UserID)
		}
	}
	if l.DecidedBy != "" {
		to = append(to, l.DecidedBy)
	} else if l.Status == model.LeavePending {
		as, err := s.approvers(ctx, l.Route, actor)
		if err != nil && model.ErrorCode(err) != model.EINVALID { // EINVALID：已没有审批人，不用告诉谁
			return model.Leave{}, err
		}
		for _, a := range as {
			to = append(to, a.UserID)
		}
	}
	if len(to) > 0 {
		d.Notices = []model.Notice{endNotice(l, after, model.ToUsers(to...))}
	}
	if l.Status == model.LeavePending {
		// 还在审批的请假撤回了：审批人卡片上的按钮换成“已撤回”。
		d.Notices = append(d.Notices, s.cardUpdate(ctx, l, actor, "已撤回", actor.UserID))
	}
	out, err := s.Leaves.DecideLeave(ctx, d)
	switch model.ErrorCode(err) {
	case "", model.EDUPLICATE:
		return out, nil
	case model.ECONFLICT:
		return model.Leave{}, model.Errorf(model.ECONFLICT, "请假 #%d 刚刚有了变化（%s），请再发一次“销假”。", out.ID, out.Status.Label())
	}
	return model.Leave{}, err
}

// Absence 是一次缺岗检查的结果。
type Absence struct {
	Duty    Duty
	Result  ledger.Result
	Excused []Holder // 当天请假、未扣款的人
}

// absentNote 是缺岗扣款记录的备注开头，同一窗口同一天有没有记过缺岗也按它找。
func absentNote(window string) string { return "缺岗检查：" + window }

// Absent 记录检查发现窗口 window 无人：A、B 各扣“不按规定在窗口坐班”，当天请假的人除外。
// note 是备注。谁都在请假时什么也不写。同一窗口今天已记过缺岗（未撤销）时不再扣，
// 说明先前那次的编号；确实又一次无人时 again 为真（“缺岗 窗口 再次”）。
func (s *Service) Absent(ctx context.Context, actor model.Staff, msg model.Message, window, note string, again bool) (Absence, error) {
	d, err := s.Duty(ctx, window, s.Today())
	if err != nil {
		return Absence{}, err
	}
	prefix := absentNote(d.Post.Window)
	if err := model.CheckNote("备注", note, model.MaxNoteRunes-utf8.RuneCountInString(prefix)-1); err != nil {
		return Absence{}, err
	}
	if !again {
		if err := s.absentBefore(ctx, d.Post.Window, prefix, msg.Key); err != nil {
			return Absence{}, err
		}
	}
	a := Absence{Duty: d}
	var people []string
	for _, h := range d.Holders {
		if h.Leave != nil {
			a.Excused = append(a.Excused, h)
			continue
		}
		people = append(people, h.Staff.UserID)
	}
	if len(people) == 0 {
		return Absence{}, model.Errorf(model.EINVALID, "%s的 A 岗和 B 岗今天都在请假，没有人应被扣款，本次没有记录。请联系中心安排人员。", d.Post.Window)
	}
	words := []string{"window_absent", prefix}
	if note != "" {
		words = append(words, note)
	}
	res, err := s.Ledger.Record(ctx, actor, msg, model.Deduction, people, words)
	if err != nil {
		return Absence{}, err
	}
	a.Result = res
	return a, nil
}

// absentBefore 在窗口今天已由别的消息记过缺岗（未撤销）时返回 ECONFLICT，列出那次的编号、谁记的、几点。
func (s *Service) absentBefore(ctx context.Context, window, prefix, msgKey string) error {
	today := s.Today()
	since := time.Date(today.Year, today.Month, today.Day, 0, 0, 0, 0, s.loc())
	list, err := s.Ledger.RecordedSince(ctx, "window_absent", since)
	if err != nil {
		return err
	}
	var ids []string
	var first model.Entry
	for _, e := range list {
		if e.MsgKey == msgKey || (e.Note != prefix && !strings.HasPrefix(e.Note, prefix+" ")) {
			continue
		}
		if len(ids) == 0 {
			first = e
		}
		ids = append(ids, fmt.Sprintf("#%d %s", e.ID, e.StaffName))
	}
	if len(ids) == 0 {
		return nil
	}
	return model.Errorf(model.ECONFLICT, "%s今天 %s 已由%s记过缺岗（%s），本次没有再扣。如果又一次发现窗口无人，请发“缺岗 %s 再次 备注”。",
		window, first.CreatedAt.In(s.loc()).Format("15:04"), first.ActorName, strings.Join(ids, "、"), window)
}

// LinkFalseLeave 是“虚假请假”扣款的 ledger.LinkFunc：备注的第一个词是请假编号，
// 请假单须存在、属于被扣款人且已获批准；返回 Entry.Ref（"leave:<编号>"）。
func (s *Service) LinkFalseLeave(ctx context.Context, target model.Staff, note []string) (string, error) {
	note = strings.Fields(strings.Join(note, " ")) // 备注可能是一段原文
	example := fmt.Sprintf("扣 %s 虚假请假 12", target.Name)
	// 编号的写法与“撤销”相同（model.ParseSerial：12、#12、12号、编号：12）。
	id, _, err := model.ParseSerial(note, example)
	if err != nil {
		return "", model.Errorf(model.EINVALID, "“%s”不是请假编号。虚假请假要写明请假编号，例如：%s。", note[0], example)
	}
	if id == 0 {
		return "", model.Errorf(model.EINVALID, "虚假请假要写明请假编号，例如：%s。", example)
	}
	l, err := s.Leaves.Leave(ctx, id)
	if err != nil {
		return "", err
	}
	if l.StaffID != target.UserID {
		return "", model.Errorf(model.EINVALID, "请假 #%d 是%s的，不是%s（%s）的，请核对编号。", id, l.StaffName, target.Name, target.UserID)
	}
	if l.Status != model.LeaveApproved {
		return "", model.Errorf(model.EINVALID, "请假 #%d %s，没有休成假，不能按虚假请假扣款。", id, l.Status.Label())
	}
	return model.LeaveRef(id), nil
}

// MonthNote 是“查”的 ledger.NoteFunc：列出此人该月已批准的请假和天数。
func (s *Service) MonthNote(ctx context.Context, who model.Staff, m model.Month) ([]string, error) {
	first := model.MakeDate(m.Year, m.Month, 1)
	last := model.MakeDate(m.Year, m.Month+1, 0)
	ls, err := s.Leaves.Leaves(ctx, model.LeaveFilter{StaffID: who.UserID, Statuses: []model.LeaveStatus{model.LeaveApproved}, From: first, To: last})
	if err != nil || len(ls) == 0 {
		return nil, err
	}
	total := 0
	var lines []string
	for _, l := range ls {
		n := MonthHalfDays(l, m)
		total += n
		line := fmt.Sprintf("请假 #%d %s %s", l.ID, l.Span(), l.Reason)
		if l.EndedEarly {
			line += "（已销假）"
		}
		lines = append(lines, line)
	}
	return append([]string{fmt.Sprintf("%s请假 %s：", m.Label(), model.DaysLabel(total))}, lines...), nil
}

// MonthHalfDays 返回请假单落在月份 m 里的半天数。
func MonthHalfDays(l model.Leave, m model.Month) int {
	first := model.MakeDate(m.Year, m.Month, 1)
	last := model.MakeDate(m.Year, m.Month+1, 0)
	start, end := l.Start, l.End
	if start.Before(first) {
		start = first
	}
	if end.After(last) {
		end = last
	}
	if end.Before(start) {
		return 0
	}
	if l.HalfDays == 1 {
		return 1
	}
	return 2 * (start.DaysUntil(end) + 1)
}

// md 把用户文字（事由、理由、姓名、网点名）转成 markdown 里的字面文字，见 model.MarkdownText。
// 卡片不解析 markdown，卡片上的用户文字用 model.PlainText（一行、没有控制字符）。
func md(s string) string { return model.MarkdownText(s) }

// askNotice 是给审批人的按钮卡片：请假人、时间、时长、事由和怎样审批都在卡片上，不另发文字。
// 收不到卡片的地方（只写日志时）得到卡片文字。
func askNotice(l model.Leave, to model.Recipient) model.Notice {
	return model.Notice{
		Key: "leave:{id}:ask", To: to, Title: "请假审批 #{id}",
		Card: &model.Card{
			Source:      "红旗考核 · 请假审批",
			Subtitle:    model.PlainText(l.StaffName + "（" + l.Branch + "）"),
			Description: "点“批准”或“驳回”；也可以回复“批准 {id}”同意，或“驳回 {id} 理由”。",
			Lines: []model.CardLine{
				{Key: "时间", Value: l.Span()},
				{Key: "时长", Value: model.DaysLabel(l.HalfDays)},
				{Key: "事由", Value: model.PlainText(l.Reason)},
			},
			Buttons: []model.Button{
				{Text: "批准", Key: "leave:approve:{id}", Style: model.ButtonPrimary},
				{Text: "驳回", Key: "leave:reject:{id}", Style: model.ButtonSecondary},
			},
			TaskID: "leave-{id}",
		},
	}
}

// resultNotice 告诉请假人审批结果。
func resultNotice(l model.Leave) model.Notice {
	var b strings.Builder
	title := "请假已批准"
	if l.Status == model.LeaveApproved {
		fmt.Fprintf(&b, "> #{id} %s（%s）%s\n> 审批人：%s\n\n提前回岗请发“销假”。", l.Span(), model.DaysLabel(l.HalfDays), md(l.Reason), md(l.DeciderName))
	} else {
		title = "请假未获批准"
		fmt.Fprintf(&b, "> #{id} %s（%s）%s\n> 审批人：%s\n", l.Span(), model.DaysLabel(l.HalfDays), md(l.Reason), md(l.DeciderName))
		if l.DecideNote != "" {
			fmt.Fprintf(&b, "> 理由：%s\n", md(l.DecideNote))
		}
		b.WriteString("\n请按时到岗；如有疑问请联系审批人。")
	}
	return model.Notice{Key: "leave:{id}:result", To: model.ToUsers(l.StaffID), Title: title, Body: b.String()}
}

// standInNotice 告诉 B 岗：A 的请假批准了，要顶岗（只在批准时发）。
func standInNotice(l model.Leave, standIns []model.Staff) model.Notice {
	ids := make([]string, len(standIns))
	for i, st := range standIns {
		ids[i] = st.UserID
	}
	body := fmt.Sprintf("> %s %s 请假已批准（#{id}）。\n\n请在此期间顶岗，保证窗口不空岗。", md(l.StaffName), l.Span())
	return model.Notice{Key: "leave:{id}:standin", To: model.ToUsers(ids...), Title: "顶岗通知", Body: body}
}

// endNotice 告诉 B 岗和审批人：请假人销假了。
func endNotice(before, after model.Leave, to model.Recipient) model.Notice {
	body := fmt.Sprintf("> %s 已销假，原请假 #{id} %s（%s）。", md(before.StaffName), before.Span(), md(before.Reason))
	if after.Status == model.LeaveApproved {
		body += fmt.Sprintf("\n> 实际休到 %s，今天起回岗。", after.End.Label())
	} else {
		body += "\n> 这张请假单已撤回。"
	}
	return model.Notice{Key: "leave:{id}:end", To: to, Title: "销假通知", Body: body}
}

// LeavesOf 返回 who 的全部请假单（按开始日期、编号排序）；本人总能看自己的，管理者看管理范围内的人。
func (s *Service) LeavesOf(ctx context.Context, actor, who model.Staff) ([]model.Leave, error) {
	if !actor.CanView(who) {
		return nil, model.Errorf(model.EFORBIDDEN, "%s（%s）不在您的管理范围内，不能查看。", who.Name, who.Branch)
	}
	return s.Leaves.Leaves(ctx, model.LeaveFilter{StaffID: who.UserID})
}

// CanApprove 表示 actor 是否是某条审批路线上的审批人（model.MayAny：中心主任、副主任、分管领导）。
// 某一张请假单能不能批由 Decide 按 model.May 判断。
func CanApprove(actor model.Staff) bool { return model.MayAny(actor, model.ActApproveLeave) == nil }

// Pending 返回 actor 可以审批的待审批请假单（与 Decide 同一个判断：model.May）。
func (s *Service) Pending(ctx context.Context, actor model.Staff) ([]model.Leave, error) {
	if err := model.MayAny(actor, model.ActApproveLeave); err != nil {
		return nil, err
	}
	all, err := s.Leaves.Leaves(ctx, model.LeaveFilter{Statuses: []model.LeaveStatus{model.LeavePending}})
	if err != nil {
		return nil, err
	}
	roster, err := s.Staff.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]model.Staff, len(roster))
	for _, st := range roster {
		byID[st.UserID] = st
	}
	var out []model.Leave
	for _, l := range all {
		requester, ok := byID[l.StaffID]
		if !ok {
			requester = model.Staff{UserID: l.StaffID, Name: l.StaffName, Branch: l.Branch}
		}
		if model.May(actor, l.Route.Action(), requester) == nil {
			out = append(out, l)
		}
	}
	return out, nil
}
