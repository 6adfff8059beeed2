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

// target 找出被录入的人，并确认此人在花名册上、在录入人的管理范围内。
func (s *Inputs) target(ctx context.Context, actor model.Staff, who string) (model.Staff, error) {
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
	if !actor.Manages(st) {
		return model.Staff{}, model.Errorf(model.EFORBIDDEN, "%s（%s）不在您的管理范围内，不能录入。", st.Name, st.Branch)
	}
	return st, nil
}

func checkScore(score int) error {
	if score < 0 || score > model.MaxScore {
		return model.Errorf(model.EINVALID, "分数 %d 应为 0 到 %d 的整数。", score, model.MaxScore)
	}
	return nil
}

// RecordMeterDay 登记 who 在 d.Day 的测评计数（d 里的满意、基本满意、不满意；测评仪没记上的一天）：
// 每项 0 到 model.MaxMeterCount 次，日期不能晚于今天。同一人同一天再录会覆盖先前的手工录入。
// 返回被录入的人和存下的计数。
func (s *Inputs) RecordMeterDay(ctx context.Context, actor model.Staff, msg model.Message, who string, d model.MeterDay) (model.Staff, model.MeterDay, error) {
	st, err := s.target(ctx, actor, who)
	if err != nil {
		return model.Staff{}, model.MeterDay{}, err
	}
	for _, n := range []int{d.Satisfied, d.Basic, d.Unsatisfied} {
		if n < 0 || n > model.MaxMeterCount {
			return st, model.MeterDay{}, model.Errorf(model.EINVALID, "满意、基本满意、不满意的次数应为 0 到 %d 的整数。", model.MaxMeterCount)
		}
	}
	if d.Day.IsZero() {
		d.Day = s.Today()
	}
	if d.Day.After(s.Today()) {
		return st, model.MeterDay{}, model.Errorf(model.EINVALID, "%s 还没到，不能录入测评。", d.Day.Label())
	}
	d.StaffID, d.Source, d.ActorID = st.UserID, model.MeterTyped, actor.UserID
	got, err := s.Store.RecordMeterDay(ctx, msg, d)
	return st, got, err
}

// RecordSpotCheck 登记对 who 的一次视频监控抽查（0 到 100 分）。
func (s *Inputs) RecordSpotCheck(ctx context.Context, actor model.Staff, msg model.Message, who string, score int, note string) (model.SpotCheck, error) {
	st, err := s.target(ctx, actor, who)
	if err != nil {
		return model.SpotCheck{}, err
	}
	if err := checkScore(score); err != nil {
		return model.SpotCheck{}, err
	}
	return s.Store.RecordSpotCheck(ctx, msg, model.SpotCheck{
		StaffID: st.UserID, StaffName: st.Name, Branch: st.Branch, Score: score, Note: note,
		ActorID: actor.UserID, ActorName: actor.Name, CreatedAt: s.Clock.Now(),
	})
}

// RecordFeedback 登记对 who 的一次客户表扬或投诉。
func (s *Inputs) RecordFeedback(ctx context.Context, actor model.Staff, msg model.Message, who string, kind model.FeedbackKind, note string) (model.Feedback, error) {
	st, err := s.target(ctx, actor, who)
	if err != nil {
		return model.Feedback{}, err
	}
	return s.Store.RecordFeedback(ctx, msg, model.Feedback{
		StaffID: st.UserID, StaffName: st.Name, Branch: st.Branch, Kind: kind, Note: note,
		ActorID: actor.UserID, ActorName: actor.Name, CreatedAt: s.Clock.Now(),
	})
}

// InvalidateComplaint 认定编号为 id 的投诉不成立：记录保留，不再计分。被投诉的人须在认定人的管理范围内
// （已不在花名册的按投诉时的网点算）。
func (s *Inputs) InvalidateComplaint(ctx context.Context, actor model.Staff, msg model.Message, id int64, reason string) (model.Feedback, error) {
	f, err := s.Store.Feedback(ctx, id)
	if err != nil {
		return model.Feedback{}, err
	}
	st, err := s.Ledger.Staff.Staff(ctx, f.StaffID)
	if err != nil {
		st = model.Staff{UserID: f.StaffID, Name: f.StaffName, Branch: f.Branch}
	}
	if !actor.Manages(st) {
		return model.Feedback{}, model.Errorf(model.EFORBIDDEN, "投诉 %d 是对 %s（%s）的，不在您的管理范围内。", id, f.StaffName, f.Branch)
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
	if !actor.InScope(branch) {
		return model.Inspection{}, config.InspectionItem{}, model.Errorf(model.EFORBIDDEN, "%s 不在您的管理范围内，不能录入检查。", branch)
	}
	it, ok := s.Item(item)
	if !ok {
		return model.Inspection{}, config.InspectionItem{}, model.Errorf(model.EINVALID, "检查项目“%s”看不懂，应为 %s 之一。", item, s.ItemNames())
	}
	if err := checkScore(score); err != nil {
		return model.Inspection{}, it, err
	}
	got, err := s.Store.RecordInspection(ctx, msg, model.Inspection{
		Branch: branch, Item: it.Code, Score: score, Note: note,
		ActorID: actor.UserID, ActorName: actor.Name, CreatedAt: s.Clock.Now(),
	})
	return got, it, err
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
