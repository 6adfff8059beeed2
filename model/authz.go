package model

import (
	"fmt"
	"slices"
	"strings"
)

// 谁能对谁做什么，只在这个文件里判断。
//
// 规则只有一条：谁也不处理自己的事，也不处理在自己之上的人的事。对某人记录、撤销、评分（测评、抽查、表扬、
// 投诉、投诉无效）、检查网点、评服务明星、撤销红旗或裁决申诉，这个人必须在操作人之下（Staff.Over）：
//   - 主管之下是其网点（本网点和花名册授予的网点）的员工；
//   - 所长之下再加这些网点的主管；
//   - 中心领导（管理员、主任、副主任、分管领导）之下是除本人以外的所有人；
//   - 员工之下没有人；谁也不在自己之下。
//
// 涉及一条记录的事另看记录人（MayRevoke、MayDecideAppeal）：撤销要是记录人本人或在记录人之上，裁决申诉要在
// 记录人之上（记录人是当事人，不能裁决）；系统生成的记录只有中心领导能撤、能裁决。
//
// 请假审批看规定的审批链（mayApproveLeave）：1 天以内由中心主任或副主任批，超过 1 天由分管领导批；
// 审批人不能在请假人之下（副主任 < 中心主任 < 分管领导），所以中心主任本人的请假交分管领导（RouteFor）。
// 评选小组对红旗的决定（ActJudge）看小组身份，只拦住涉及本人的。
//
// 聊天命令、网页和各服务都调用这里的函数（May、MayRevoke、MayDecideAppeal），所以处处答复相同；
// 拒绝时说明应由谁处理。e2e.TestNobodySettlesTheirOwnCase 是它们的表。

// Action 是对某人（或某个网点）做的一件有后果的事。谁能做由 May 统一判断，
// Action 只决定拒绝时怎么说（以及 ActJudge、ActInspect 的对象是什么）。
type Action int

// 各种操作。
const (
	ActRecord           Action = iota + 1 // 扣、奖（缺岗也是“扣”）
	ActRevoke                             // 撤销（完整的判断见 MayRevoke）
	ActMeter                              // 测评
	ActSpotCheck                          // 抽查
	ActPraise                             // 表扬
	ActComplaint                          // 投诉
	ActInvalidate                         // 投诉无效：对象是被投诉的人
	ActInspect                            // 检查：对象是网点，见 BranchTarget
	ActStar                               // 评服务明星
	ActJudge                              // 评选小组确认、改选红旗：对象是一位人选（旬红旗是网点，见 BranchTarget）
	ActApproveLeave                       // 批准、驳回 1 天以内的请假：对象是请假人（见 LeaveRoute.Action）
	ActApproveLongLeave                   // 批准、驳回超过 1 天的请假：对象是请假人
	ActCancelFlag                         // 撤销红旗：对象是获旗人（旬红旗是网点）和要扣“提供虚假信息”的所长
	ActDecideAppeal                       // 裁决申诉（维持或撤销）：完整的判断见 MayDecideAppeal
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
	case ActApproveLeave, ActApproveLongLeave:
		return "审批%s的请假"
	case ActCancelFlag:
		return "撤销涉及%s的红旗"
	case ActDecideAppeal:
		return "处理%s的申诉"
	}
	return "对%s这样做"
}

// MayAny 判断 actor 的角色能否做 act 这类事（不看对象）：能时返回 nil，不能时返回 EFORBIDDEN，
// 说明哪些人可以。May 先做这一步；命令在读取对象之前也可以先问它，免得向无权的人透露情况。
func MayAny(actor Staff, act Action) error {
	switch act {
	case ActJudge:
		return nil // 评选小组的身份由红旗服务核对
	case ActStar, ActCancelFlag:
		if !actor.IsLeadership() {
			return Errorf(EFORBIDDEN, "只有中心领导可以%s。", act.what())
		}
	case ActApproveLeave, ActApproveLongLeave:
		if !actor.IsApprover() {
			return Errorf(EFORBIDDEN, "只有中心主任、副主任和分管领导可以审批请假。")
		}
	case ActDecideAppeal:
		if !MayDecideAppeals(actor) {
			return Errorf(EFORBIDDEN, "申诉由所长和中心领导处理。")
		}
	default:
		if !actor.CanRecord() {
			return Errorf(EFORBIDDEN, "只有主管、所长和中心领导可以%s。", act.on("人"))
		}
	}
	return nil
}

// what 是不带对象的说法，如“撤销红旗”“评定服务明星”（MayAny 的提示）。
func (a Action) what() string {
	switch a {
	case ActStar:
		return "评定服务明星"
	case ActCancelFlag:
		return "撤销红旗"
	}
	return strings.ReplaceAll(a.phrase(), "%s", "")
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
	switch act {
	case ActJudge:
		return mayJudge(actor, target)
	case ActApproveLeave, ActApproveLongLeave:
		return mayApproveLeave(actor, act, target)
	}
	if err := MayAny(actor, act); err != nil {
		return err
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

// leaveRank 是审批链上的上下：副主任 < 中心主任 < 分管领导（分管领导是县里分管中心的领导，在中心主任之上）。
// 其余角色不在审批链上，为 0。只用于请假审批：记录、撤销等事上，中心领导之间互不在上下（见 Over）。
func leaveRank(r Role) int {
	switch r {
	case RoleDeputy:
		return 1
	case RoleDirector:
		return 2
	case RoleLeader:
		return 3
	}
	return 0
}

// mayApproveLeave 是请假审批（ActApproveLeave、ActApproveLongLeave）：actor 是这条审批路线上的角色，不是请假人
// 本人，也不在请假人之下（leaveRank）。同级可以：一位副主任可以批另一位副主任的假。
func mayApproveLeave(actor Staff, act Action, requester Staff) error {
	if err := MayAny(actor, act); err != nil {
		return err
	}
	route := RouteDirector
	if act == ActApproveLongLeave {
		route = RouteLeader
	}
	if actor.UserID != "" && actor.UserID == requester.UserID {
		return Errorf(EFORBIDDEN, "您不能审批自己的请假，应由%s审批。", leaveApprovers(requester, route))
	}
	if !slices.Contains(route.Approvers(), actor.Role) {
		return Errorf(EFORBIDDEN, "应由%s审批；您是%s，不能审批。", route.Label(), actor.Role.Label())
	}
	if leaveRank(requester.Role) > leaveRank(actor.Role) {
		return Errorf(EFORBIDDEN, "这是%s的请假，%s在您之上，您不能审批，应由%s审批。",
			titled(requester), requester.Role.Label(), leaveApprovers(requester, RouteLeader))
	}
	return nil
}

// leaveApprovers 是拒绝时说的“应由谁审批”：requester 的请假按 route 该由谁批（中心主任本人的请假归分管领导，
// 见 RouteFor）；请假人本人在那条路线上时是“其他……”。
func leaveApprovers(requester Staff, route LeaveRoute) string {
	if route == RouteDirector && leaveRank(requester.Role) >= leaveRank(RoleDirector) {
		route = RouteLeader
	}
	if slices.Contains(route.Approvers(), requester.Role) {
		return "其他" + route.Label()
	}
	return route.Label()
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

// MayDecideAppeal 判断 actor 能否裁决申诉 a（维持或撤销）：appellant 是申诉人（记录所指的人），recorder 是
// 记录人（不在花名册时只填 UserID 和 Name，角色留空）。能时返回 nil，不能时返回 EFORBIDDEN，说明应由谁处理。
//
// 裁决是对记录人所记之事的决定，撤销时就是撤销那条记录，所以与 MayRevoke 同一个判断，只是更严一步：
// 记录人是当事人，不能裁决（撤销自己记的可以，裁决对它的申诉不行）。按顺序：申诉人本人不能；记录人不能；
// 只有所长和中心领导裁决；系统生成的记录和记录人不在花名册上的，只有中心领导；申诉人和记录人都须在 actor 之下。
func MayDecideAppeal(actor Staff, a Appeal, appellant, recorder Staff) error {
	who := a.Route.Label(a.RouteBranch)
	if a.Route == RouteHead {
		who += "或中心领导"
	}
	switch {
	case isSelf(actor, appellant) || (actor.UserID != "" && actor.UserID == a.StaffID):
		return Errorf(EFORBIDDEN, "申诉 #%d 是您自己提出的，由%s处理，您不能处理自己的申诉。", a.ID, who)
	case actor.UserID != "" && (actor.UserID == a.Entry.ActorID || actor.UserID == recorder.UserID):
		return Errorf(EFORBIDDEN, "申诉 #%d 针对的是您记的 #%d，由%s处理，记录人不能处理。", a.ID, a.Entry.ID, who)
	case !actor.Active || MayAny(actor, ActDecideAppeal) != nil:
		return Errorf(EFORBIDDEN, "申诉 #%d 由%s处理，您不能处理。", a.ID, who)
	case (a.Entry.Generated() || recorder.Role == "") && !actor.IsLeadership():
		return Errorf(EFORBIDDEN, "申诉 #%d 针对的是系统生成或记录人已不在花名册上的记录，由中心领导处理，您不能处理。", a.ID)
	case !actor.Over(appellant) || !actor.Over(recorder):
		return Errorf(EFORBIDDEN, "申诉 #%d 由%s处理，您不能处理。", a.ID, who)
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
