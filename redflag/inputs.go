package redflag

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hongqi-dev/hongqi/config"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
	"github.com/hongqi-dev/hongqi/redflag/rank"
)

// Inputs 是流动红旗评分依据的录入：测评（测评仪没记上的一天）、抽查、表扬、投诉、投诉无效、农村网点检查。
// 它核对被录入的人或网点在录入人的管理范围内、人还在花名册上、数值在范围内，再写入存储；
// 聊天命令和以后的网页都经过它。同一条消息再次到达时返回存储的 EDUPLICATE 错误，什么也不新写。
type Inputs struct {
	Store  model.FlagInputStore
	Ledger *ledger.Service // 按姓名或工号找人（Resolve）和花名册
	Items  []config.InspectionItem
	Clock  *model.Clock // 全系统唯一的时钟，也给出考核时区
}

// ItemNames 返回检查项的叫法（每项的第一个别名，没有别名时用名称），用顿号连接。
func (s *Inputs) ItemNames() string {
	var names []string
	for _, it := range s.Items {
		w := it.Name
		if len(it.Words) > 0 {
			w = it.Words[0]
		}
		names = append(names, w)
	}
	return strings.Join(names, "、")
}

// Today 返回考核时区的今天。
func (s *Inputs) Today() model.Date { return model.DateOf(s.Clock.Now(), s.Clock.Location()) }

// target 找出被录入的人，并确认此人在花名册上、录入人可以对他做 act（model.May：在录入人之下，不是本人）。
func (s *Inputs) target(ctx context.Context, actor model.Staff, who string, act model.Action) (model.Staff, error) {
	if strings.TrimSpace(who) == "" {
		return model.Staff{}, model.Errorf(model.EINVALID, "请写上是谁。")
	}
	st, err := s.Ledger.Resolve(ctx, actor, who)
	if err != nil {
		return model.Staff{}, err
	}
	if !st.Active {
		return model.Staff{}, model.Errorf(model.EINVALID, "%s 已不在花名册中，不能录入。", st.Name)
	}
	if err := model.May(actor, act, st); err != nil {
		return model.Staff{}, err
	}
	return st, nil
}

func checkScore(score int) error {
	if score < 0 || score > model.MaxScore {
		return model.Errorf(model.EINVALID, "分数 %d 应为 0 到 %d 的整数。", score, model.MaxScore)
	}
	return nil
}

// MeterCounts 是“测评”写的一天的三项次数；nil 表示没有写这一项。
type MeterCounts struct {
	Day                           model.Date // 零值为今天
	Satisfied, Basic, Unsatisfied *int
}

// MeterResult 是一次测评录入的结果。
type MeterResult struct {
	Staff model.Staff
	Day   model.MeterDay // 存下的计数
	// Replaced 非空表示这次覆盖了此人这一天先前手工录入的计数（发的是另一条消息）。
	Replaced *model.MeterDay
}

// RecordMeterDay 登记 who 在 c.Day 的测评计数（测评仪没记上的一天）：满意、基本满意、不满意三项都要写
// （没有的写 0；缺哪几项就说哪几项，免得只写一项把当天的计数换成别的都是 0），每项 0 到 model.MaxMeterCount 次，
// 日期不能晚于今天。同一人同一天再录会覆盖先前的手工录入，结果里说明覆盖了什么。
func (s *Inputs) RecordMeterDay(ctx context.Context, actor model.Staff, msg model.Message, who string, c MeterCounts) (MeterResult, error) {
	var missing []string
	for _, f := range []struct {
		name string
		n    *int
	}{{"满意", c.Satisfied}, {"基本满意", c.Basic}, {"不满意", c.Unsatisfied}} {
		if f.n == nil {
			missing = append(missing, f.name)
			continue
		}
		if *f.n < 0 || *f.n > model.MaxMeterCount {
			return MeterResult{}, model.Errorf(model.EINVALID, "满意、基本满意、不满意的次数应为 0 到 %d 的整数，这次没有记录。", model.MaxMeterCount)
		}
	}
	if len(missing) > 0 {
		return MeterResult{}, model.Errorf(model.EINVALID, "还缺“%s”的次数，这次没有记录。三项都要写，没有的写 0，例如：测评 张三 满意 38 基本满意 2 不满意 0",
			strings.Join(missing, "”“"))
	}
	st, err := s.target(ctx, actor, who, model.ActMeter)
	if err != nil {
		return MeterResult{}, err
	}
	d := model.MeterDay{Day: c.Day, Satisfied: *c.Satisfied, Basic: *c.Basic, Unsatisfied: *c.Unsatisfied}
	if d.Day.IsZero() {
		d.Day = s.Today()
	}
	if d.Day.After(s.Today()) {
		return MeterResult{}, model.Errorf(model.EINVALID, "%s 还没到，不能录入测评。", d.Day.Label())
	}
	res := MeterResult{Staff: st}
	prev, err := s.Store.MeterDays(ctx, st.UserID, d.Day, d.Day)
	if err != nil {
		return MeterResult{}, err
	}
	for _, p := range prev {
		if p.Source != model.MeterTyped || p.MsgKey == msg.Key {
			continue
		}
		rec, err := s.Store.Input(ctx, model.InputMeter, p.ID)
		if err != nil {
			return MeterResult{}, err
		}
		if rec.Revoked == nil { // 已撤销的不算被替换
			p := p
			res.Replaced = &p
		}
	}
	d.StaffID, d.Source, d.ActorID = st.UserID, model.MeterTyped, actor.UserID
	got, err := s.Store.RecordMeterDay(ctx, msg, d)
	res.Day = got
	if err != nil {
		res.Replaced = nil
	}
	return res, err
}

// RecordSpotCheck 登记对 who 的一次视频监控抽查（0 到 100 分）。
func (s *Inputs) RecordSpotCheck(ctx context.Context, actor model.Staff, msg model.Message, who string, score int, note string) (model.SpotCheck, error) {
	st, err := s.target(ctx, actor, who, model.ActSpotCheck)
	if err != nil {
		return model.SpotCheck{}, err
	}
	if err := checkScore(score); err != nil {
		return model.SpotCheck{}, err
	}
	if err := model.CheckNote("备注", note, 0); err != nil {
		return model.SpotCheck{}, err
	}
	return s.Store.RecordSpotCheck(ctx, msg, model.SpotCheck{
		StaffID: st.UserID, StaffName: st.Name, Branch: st.Branch, Score: score, Note: note,
		ActorID: actor.UserID, ActorName: actor.Name, CreatedAt: s.Clock.Now(),
	})
}

// RecordFeedback 登记对 who 的一次客户表扬或投诉。
func (s *Inputs) RecordFeedback(ctx context.Context, actor model.Staff, msg model.Message, who string, kind model.FeedbackKind, note string) (model.Feedback, error) {
	st, err := s.target(ctx, actor, who, model.FeedbackAction(kind))
	if err != nil {
		return model.Feedback{}, err
	}
	if err := model.CheckNote(kind.Label()+"的内容", note, 0); err != nil {
		return model.Feedback{}, err
	}
	return s.Store.RecordFeedback(ctx, msg, model.Feedback{
		StaffID: st.UserID, StaffName: st.Name, Branch: st.Branch, Kind: kind, Note: note,
		ActorID: actor.UserID, ActorName: actor.Name, CreatedAt: s.Clock.Now(),
	})
}

// InvalidateComplaint 认定编号为 id 的投诉不成立：记录保留，不再计分。被投诉的人须在认定人之下
// （model.May；已不在花名册的按投诉时的网点算）：不能认定对自己或上级的投诉无效。
func (s *Inputs) InvalidateComplaint(ctx context.Context, actor model.Staff, msg model.Message, id int64, reason string) (model.Feedback, error) {
	if err := model.CheckNote("理由", reason, 0); err != nil {
		return model.Feedback{}, err
	}
	f, err := s.Store.Feedback(ctx, id)
	if err != nil {
		return model.Feedback{}, err
	}
	st, err := s.person(ctx, f.StaffID, f.StaffName, f.Branch)
	if err != nil {
		return model.Feedback{}, err
	}
	if err := model.May(actor, model.ActInvalidate, st); err != nil {
		return model.Feedback{}, model.Errorf(model.EFORBIDDEN, "投诉 %d 是对%s（%s）的：%s", id, f.StaffName, f.Branch, model.ErrorMessage(err))
	}
	return s.Store.InvalidateComplaint(ctx, msg, id, model.FeedbackInvalid{
		ActorID: actor.UserID, ActorName: actor.Name, Reason: reason,
	})
}

// Item 按编码、名称或别名找检查项。
func (s *Inputs) Item(word string) (config.InspectionItem, bool) {
	for _, it := range s.Items {
		if it.Code == word || it.Name == word || slices.Contains(it.Words, word) {
			return it, true
		}
	}
	return config.InspectionItem{}, false
}

// RecordInspection 登记对农村网点 branch 一个检查项（编码、名称或别名）的打分（0 到 100）。
// 网点须是花名册里的农村网点、在录入人的管理范围内。返回记录和检查项。
func (s *Inputs) RecordInspection(ctx context.Context, actor model.Staff, msg model.Message, branch, item string, score int, note string) (model.Inspection, config.InspectionItem, error) {
	all, err := s.Ledger.Staff.ListStaff(ctx)
	if err != nil {
		return model.Inspection{}, config.InspectionItem{}, err
	}
	rural := rank.RuralBranches(all)
	if !slices.Contains(rural, branch) {
		return model.Inspection{}, config.InspectionItem{}, model.Errorf(model.ENOTFOUND, "“%s”不是花名册里的农村网点。农村网点有：%s。", branch, shortList(rural, 12))
	}
	// 检查给整个网点打分，关系到所长的旬红旗奖励：须在网点的所长之上（不能检查自己所在的网点）。
	if err := model.May(actor, model.ActInspect, model.BranchTarget(branch, branchHead(all, branch))); err != nil {
		return model.Inspection{}, config.InspectionItem{}, err
	}
	it, ok := s.Item(item)
	if !ok {
		return model.Inspection{}, config.InspectionItem{}, model.Errorf(model.EINVALID, "检查项目“%s”看不懂，应为 %s 之一。", item, s.ItemNames())
	}
	if err := checkScore(score); err != nil {
		return model.Inspection{}, it, err
	}
	if err := model.CheckNote("备注", note, 0); err != nil {
		return model.Inspection{}, it, err
	}
	got, err := s.Store.RecordInspection(ctx, msg, model.Inspection{
		Branch: branch, Item: it.Code, Score: score, Note: note,
		ActorID: actor.UserID, ActorName: actor.Name, CreatedAt: s.Clock.Now(),
	})
	return got, it, err
}

// Revoked 是一次评分依据撤销的结果：撤销的那条录入和撤销记录。
type Revoked struct {
	Input      model.InputRecord
	Revocation model.InputRevocation
	Duplicate  bool // 这条消息先前已处理过，本次什么也没写
}

// Revoke 撤销一条手工录入的评分依据（kind 的编号 id）：原录入保留、标明已撤销，不再计分。
// 与撤销台账记录同一个判断（model.MayRevokeInput）：被录入的人（检查是网点，看它的所长）须在撤销人之下，
// 录入人须是撤销人本人或在其之下；测评仪导入的测评不能撤销。
func (s *Inputs) Revoke(ctx context.Context, actor model.Staff, msg model.Message, kind model.InputKind, id int64, reason string) (Revoked, error) {
	if !actor.CanRecord() {
		return Revoked{}, model.Errorf(model.EFORBIDDEN, "只有主管、所长和中心领导可以撤销评分依据。")
	}
	if err := model.CheckNote("理由", reason, 0); err != nil {
		return Revoked{}, err
	}
	in, err := s.Store.Input(ctx, kind, id)
	if err != nil {
		return Revoked{}, err
	}
	var target model.Staff
	if kind == model.InputInspection {
		all, err := s.Ledger.Staff.ListStaff(ctx)
		if err != nil {
			return Revoked{}, err
		}
		target = model.BranchTarget(in.Branch, branchHead(all, in.Branch))
	} else {
		if target, err = s.person(ctx, in.StaffID, in.StaffName, in.Branch); err != nil {
			return Revoked{}, err
		}
		if in.StaffName == "" {
			in.StaffName, in.Branch = target.Name, target.Branch
		}
	}
	recorder, err := s.person(ctx, in.ActorID, in.ActorName, "")
	if err != nil {
		return Revoked{}, err
	}
	if err := model.MayRevokeInput(actor, fmt.Sprintf("%s %d", kind.Label(), id), target, recorder); err != nil {
		return Revoked{}, err
	}
	if in.ActorName == "" {
		in.ActorName = recorder.Name
	}
	rev, err := s.Store.RevokeInput(ctx, msg, model.InputRevocation{
		Kind: kind, InputID: id, InputMsgKey: in.MsgKey, ActorID: actor.UserID, ActorName: actor.Name, Reason: reason,
	})
	switch model.ErrorCode(err) {
	case "":
		in.Revoked = &rev
		return Revoked{Input: in, Revocation: rev}, nil
	case model.EDUPLICATE:
		in.Revoked = &rev
		return Revoked{Input: in, Revocation: rev, Duplicate: true}, nil
	}
	return Revoked{}, err
}

func shortList(ss []string, n int) string {
	if len(ss) > n {
		return strings.Join(ss[:n], "、") + fmt.Sprintf(" 等 %d 个", len(ss))
	}
	if len(ss) == 0 {
		return "（无）"
	}
	return strings.Join(ss, "、")
}

// person 从花名册取出 userID；不在花名册时只有录入上的姓名和网点，角色不明。
func (s *Inputs) person(ctx context.Context, userID, name, branch string) (model.Staff, error) {
	st, err := s.Ledger.Staff.Staff(ctx, userID)
	switch model.ErrorCode(err) {
	case "":
		return st, nil
	case model.ENOTFOUND:
		return model.Staff{UserID: userID, Name: name, Branch: branch}, nil
	}
	return model.Staff{}, err
}

// branchHead 返回花名册上 branch 的在职所长（有几位时取工号最小的，与红旗的所长相同）；没有时为零值。
func branchHead(all []model.Staff, branch string) model.Staff {
	var head model.Staff
	for _, st := range all {
		if st.Active && st.Role == model.RoleHead && st.Branch == branch && (head.UserID == "" || st.UserID < head.UserID) {
			head = st
		}
	}
	return head
}
