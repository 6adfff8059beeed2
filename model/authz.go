package model

import (
	"fmt"
	"strings"
)

// 谁能对谁做什么，只在这个文件里判断。
//
// 规则只有一条：对某人记录、撤销、评分（测评、抽查、表扬、投诉、投诉无效）、检查网点或作决定，
// 这个人必须在操作人之下（Staff.Over）：
//   - 主管之下是其网点（本网点和花名册授予的网点）的员工；
//   - 所长之下再加这些网点的主管；
//   - 中心领导（管理员、主任、副主任、分管领导）之下是除本人以外的所有人；
//   - 员工之下没有人；谁也不在自己之下。
//
// 撤销另看记录人（MayRevoke）：记录人本人或记录人之上的人才能撤；系统生成的记录只有中心领导能撤。
// 聊天命令、网页和各服务都调用 May 或 MayRevoke，所以处处答复相同；拒绝时说明应由谁处理。

// Action 是对某人（或某个网点）做的一件有后果的事。谁能做由 May 统一判断，
// Action 只决定拒绝时怎么说（以及 ActJudge、ActInspect 的对象是什么）。
type Action int

// 各种操作。
const (
	ActRecord     Action = iota + 1 // 扣、奖（缺岗也是“扣”）
	ActRevoke                       // 撤销（完整的判断见 MayRevoke）
	ActMeter                        // 测评
	ActSpotCheck                    // 抽查
	ActPraise                       // 表扬
	ActComplaint                    // 投诉
	ActInvalidate                   // 投诉无效：对象是被投诉的人
	ActInspect                      // 检查：对象是网点，见 BranchTarget
	ActStar                         // 评服务明星
	ActJudge                        // 评选小组确认、改选红旗：对象是一位人选（旬红旗是网点，见 BranchTarget）
)

// phrase 是操作的说法，%s 是对象。
func (a Action) phrase() string {
	switch a {
	case ActRecord:
		return "给%s记扣款或奖励"
	case ActRevoke:
		return "撤销记在%s名下的记录"
	case ActMeter:
		return "给%s录入测评"
	case ActSpotCheck:
		return "给%s记抽查"
	case ActPraise:
		return "给%s记表扬"
	case ActComplaint:
		return "给%s记投诉"
	case ActInvalidate:
		return "认定对%s的投诉无效"
	case ActInspect:
		return "检查%s"
	case ActStar:
		return "把%s评为服务明星"
	case ActJudge:
		return "确认或改选涉及%s的红旗"
	}
	return "对%s这样做"
}

func (a Action) on(object string) string { return fmt.Sprintf(a.phrase(), object) }

// FeedbackAction 返回记一次客户反映所对应的操作（表扬或投诉）。
func FeedbackAction(k FeedbackKind) Action {
	if k == FeedbackComplaint {
		return ActComplaint
	}
	return ActPraise
}

// BranchTarget 是以网点为对象的操作（检查、旬红旗）的 target：网点 branch，由所长 head 负责
// （花名册上没有所长时 head 为零值）。检查和旬红旗关系到所长的奖励，所以对网点做事须在它的所长之上。
func BranchTarget(branch string, head Staff) Staff {
	return Staff{UserID: head.UserID, Name: branch, Branch: branch, Role: RoleHead, Active: true}
}

// isBranch 表示 t 是 BranchTarget 给出的网点。
func (t Staff) isBranch() bool { return t.Role == RoleHead && t.Name == t.Branch && t.Branch != "" }

// Over 表示 target 在 s 之下（见本文件开头的规则）。target 的角色不明（已不在花名册）时按员工算。
func (s Staff) Over(target Staff) bool {
	if s.UserID != "" && s.UserID == target.UserID {
		return false
	}
	if s.IsLeadership() {
		return true
	}
	if !s.InScope(target.Branch) {
		return false
	}
	switch s.Role {
	case RoleSupervisor:
		return target.Role == RoleStaff || target.Role == ""
	case RoleHead:
		return target.Role == RoleStaff || target.Role == "" || target.Role == RoleSupervisor
	}
	return false
}

// Overseers 说明谁可以对 t 记录、撤销、评分、作决定，用在拒绝的提示里，如“城关所的所长或中心领导”。
func Overseers(t Staff) string {
	at := ""
	if t.Branch != "" {
		at = t.Branch + "的"
	}
	switch {
	case t.IsLeadership():
		return "其他中心领导"
	case t.Role == RoleHead:
		return "中心领导"
	case t.Role == RoleSupervisor:
		return at + "所长或中心领导"
	}
	return at + "主管、所长或中心领导"
}

// titled 是提示里对人的称呼：角色和姓名，如“所长刘强”；网点就是网点名。
func titled(t Staff) string {
	if t.isBranch() {
		return t.Branch
	}
	if t.Role == "" || t.Role == RoleStaff {
		return t.Name
	}
	return t.Role.Label() + t.Name
}

// where 是“不在您的管理范围内”前面的称呼，如“王五（河口所）”。
func where(t Staff) string {
	if t.isBranch() || t.Branch == "" {
		return cmpOr(t.Branch, t.Name)
	}
	return t.Name + "（" + t.Branch + "）"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// isSelf 表示 target 就是 actor 本人；以网点为对象时，actor 所在的网点也算本人（中心领导除外）。
func isSelf(actor, target Staff) bool {
	if actor.UserID != "" && actor.UserID == target.UserID {
		return true
	}
	return target.isBranch() && !actor.IsLeadership() && actor.Branch == target.Branch
}

// May 判断 actor 能否对 target 做 act：能时返回 nil，不能时返回 EFORBIDDEN，提示说明应由谁处理。
// 规则见本文件开头：target 须在 actor 之下（Over）。以网点为对象的操作（检查）用 BranchTarget 给出 target。
//
// ActJudge 例外：评选小组成员凭小组身份（由红旗服务核对）对任何人的红旗作决定，不看管理范围；
// 这里只拦住涉及本人的——本人是人选（被提名或被改选上），或人选是本人所在的网点（旬红旗）。
func May(actor Staff, act Action, target Staff) error {
	if act == ActJudge {
		return mayJudge(actor, target)
	}
	if !actor.CanRecord() {
		return Errorf(EFORBIDDEN, "只有主管、所长和中心领导可以%s。", act.on("人"))
	}
	if isSelf(actor, target) {
		obj := "自己"
		if target.isBranch() {
			obj = "自己所在的" + target.Branch
		}
		return Errorf(EFORBIDDEN, "您不能%s，应由%s处理。", act.on(obj), Overseers(target))
	}
	if actor.Over(target) {
		return nil
	}
	if actor.InScope(target.Branch) {
		// 在管理范围内，但与自己同级或在自己之上。
		return Errorf(EFORBIDDEN, "您不能%s，应由%s处理。", act.on(titled(target)), Overseers(target))
	}
	return Errorf(EFORBIDDEN, "%s不在您的管理范围内，应由%s处理。", where(target), Overseers(target))
}

func mayJudge(judge, subject Staff) error {
	const who = "应由评选小组其他成员处理（期限内没人处理时按提名自动生效）"
	switch {
	case judge.UserID != "" && judge.UserID == subject.UserID && !subject.isBranch():
		return Errorf(EFORBIDDEN, "这一期红旗的人选有您本人，您不能确认或改选，%s。", who)
	case subject.isBranch() && (subject.Branch == judge.Branch || (judge.UserID != "" && judge.UserID == subject.UserID)):
		return Errorf(EFORBIDDEN, "这一期红旗的人选有您所在的%s，您不能确认或改选，%s。", subject.Branch, who)
	}
	return nil
}

// MayRevoke 判断 actor 能否撤销记录 e：target 是被记录人，recorder 是记录人（不在花名册时只填
// UserID 和 Name，角色留空）。能时返回 nil，不能时返回 EFORBIDDEN，提示说明应由谁撤销。
//
// 按顺序：记在本人名下的不能撤；系统生成的记录（Entry.Generated：红旗奖惩、服务明星、年度奖惩、
// 提供虚假信息扣款、结账后的调整）只有中心领导能撤；被记录人须在 actor 之下（与 May 相同）；
// 记录人须是 actor 本人或在 actor 之下——同级的主管不能撤别人记的。
func MayRevoke(actor Staff, e Entry, target, recorder Staff) error {
	return mayRevoke(actor, fmt.Sprintf("#%d", e.ID), e, target, recorder)
}

// MayRevokeInput 是评分依据（测评、抽查、表扬、投诉、检查）的 MayRevoke：label 是提示里的称呼，如“抽查 12”；
// target 是被录入的人（检查是 BranchTarget），recorder 是录入人。评分依据都是人录入的，没有系统生成的。
func MayRevokeInput(actor Staff, label string, target, recorder Staff) error {
	return mayRevoke(actor, label, Entry{StaffID: target.UserID, ActorID: recorder.UserID}, target, recorder)
}

func mayRevoke(actor Staff, label string, e Entry, target, recorder Staff) error {
	if !actor.CanRecord() {
		return Errorf(EFORBIDDEN, "只有主管、所长和中心领导可以撤销记录。")
	}
	if isSelf(actor, target) {
		if target.isBranch() {
			return Errorf(EFORBIDDEN, "%s 是对您所在的%s的检查，您不能撤销，应由%s处理。", label, target.Branch, revokers(e, actor, recorder))
		}
		return Errorf(EFORBIDDEN, "%s 记的是您本人，您不能撤销，应由%s处理。", label, revokers(e, actor, recorder))
	}
	if e.Generated() && !actor.IsLeadership() {
		return Errorf(EFORBIDDEN, "%s 是系统生成的记录（%s %s），只有中心领导可以撤销。", label, e.RuleName, signedYuan(e.Amount))
	}
	if !actor.Over(target) {
		if actor.InScope(target.Branch) {
			return Errorf(EFORBIDDEN, "%s 记的是%s，您不能撤销，应由%s处理。", label, titled(target), revokers(e, actor, recorder))
		}
		return Errorf(EFORBIDDEN, "%s 是%s的记录，不在您的管理范围内，不能撤销，应由%s处理。", label, where(target), revokers(e, actor, recorder))
	}
	if actor.UserID != e.ActorID && !actor.Over(recorder) {
		return Errorf(EFORBIDDEN, "%s 是%s记的，您不能撤销，应由%s处理。", label, titled(recorder), revokers(e, actor, recorder))
	}
	return nil
}

// revokers 说明谁能撤销 e（提示用）：系统生成的、记录人不明的由中心领导；其余由记录人及其上级。
func revokers(e Entry, actor, recorder Staff) string {
	leaders := "中心领导"
	if actor.IsLeadership() {
		leaders = "其他中心领导"
	}
	switch {
	case e.Generated(), recorder.Role == "", recorder.Role == RoleStaff:
		return leaders
	case recorder.UserID == actor.UserID:
		return Overseers(actor)
	}
	return "记录人" + recorder.Name + "及其上级（" + Overseers(recorder) + "）"
}

// signedYuan 与 ledger.Yuan 相同（model 不依赖 ledger）。
func signedYuan(n int64) string {
	switch {
	case n < 0:
		return fmt.Sprintf("−%d 元", -n)
	case n > 0:
		return fmt.Sprintf("+%d 元", n)
	}
	return "0 元"
}

// generatedRefPrefixes 是系统生成的记录的 Ref 前缀：结算写入的红旗奖惩（"flags:weekly:"、"flags:dekad:"、
// "flags:year:"）和服务明星（"star:"），撤销红旗时所长“提供虚假信息”的扣款（"flag:<编号>:false-info"），
// 结账后的调整（"adjusts:#<编号>"）。人用“扣”“奖”记的记录的 Ref（如虚假请假的 "leave:<编号>"）不在其中。
var generatedRefPrefixes = []string{"flags:", "flag:", "star:", "adjusts:"}

// IsGeneratedRef 表示 ref 是否是系统生成的记录的 Ref（见 generatedRefPrefixes）。
func IsGeneratedRef(ref string) bool {
	for _, p := range generatedRefPrefixes {
		if strings.HasPrefix(ref, p) {
			return true
		}
	}
	return false
}
