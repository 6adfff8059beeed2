package model

import (
	"context"
	"fmt"
	"time"
)

// DefaultAppealWithin 是默认的申诉期限：记录写入（通知发出）后 3 天内可以申诉。
const DefaultAppealWithin = 72 * time.Hour

// AppealStatus 是申诉的状态。
type AppealStatus string

// 申诉的状态。
const (
	AppealOpen    AppealStatus = "open"    // 申诉中：等上级处理，记录照常计入
	AppealRevoked AppealStatus = "revoked" // 申诉后撤销：记录撤销（已结账的月份记一笔调整）
	AppealKept    AppealStatus = "kept"    // 申诉维持：记录不变
)

// Label 返回给人看的状态：申诉中、申诉后撤销、申诉维持。
func (s AppealStatus) Label() string {
	switch s {
	case AppealOpen:
		return "申诉中"
	case AppealRevoked:
		return "申诉后撤销"
	case AppealKept:
		return "申诉维持"
	}
	return ""
}

// AppealRoute 是申诉交给谁裁决：记录人所在网点的所长，或中心领导。
type AppealRoute string

// 申诉的去处。
const (
	RouteHead       AppealRoute = "head"       // 记录人所在网点的所长
	RouteLeadership AppealRoute = "leadership" // 中心领导
)

// Label 返回去处的称呼，如“城关所所长”“中心领导”。
func (r AppealRoute) Label(branch string) string {
	if r == RouteHead {
		return branch + "所长"
	}
	return "中心领导"
}

// Appeal 是一条申诉：被记录人认为某条记录有误，请记录人的上级裁决。每条记录只能申诉一次；
// 裁决（维持或撤销）之后不再改。
type Appeal struct {
	ID      int64
	EntryID int64
	// Entry 是申诉所指的记录（读取申诉时一并给出，含撤销信息）。
	Entry     Entry
	StaffID   string // 申诉人（记录所指的人）
	StaffName string
	Reason    string
	MsgKey    string // 提出申诉的消息
	// Route、RouteBranch 是提出时定下的去处：RouteHead 时是 RouteBranch 的所长。
	Route       AppealRoute
	RouteBranch string
	Status      AppealStatus
	// 裁决：谁、何时、理由、来自哪条消息。
	DecidedBy     string
	DecidedByName string
	DecisionNote  string
	DecisionMsg   string
	DecidedAt     *time.Time
	// AdjustID 是撤销时因月份已结账而记的调整的编号，没有为 0。
	AdjustID  int64
	CreatedAt time.Time
}

// AppealDeciders 是申诉的路由（唯一的一处）：appellant 对 recorder 记的记录 e 提出的申诉交给谁裁决。
// 能裁决的人由 MayDecideAppeal 判断（在申诉人和记录人之上、都不是他们本人）；这里只挑出先交给谁：
// 记录人是主管（或其他非所长、非中心领导的人）时，交给记录人所在网点里能裁决的在职所长；记录人是所长或
// 中心领导、不在花名册上（recorder.Role 为空，如系统生成的记录），或那个网点没有能裁决的所长时，交给能裁决的
// 在职中心领导。没有任何人可以裁决时 deciders 为空。
//
// 中心领导在任何申诉上都在记录人之上：交给所长的申诉，中心领导也可以裁决（所长不在、或需要时）。
func AppealDeciders(e Entry, appellant, recorder Staff, roster []Staff) (deciders []Staff, route AppealRoute, branch string) {
	probe := Appeal{Entry: e, StaffID: appellant.UserID}
	may := func(s Staff) bool { return s.Active && MayDecideAppeal(s, probe, appellant, recorder) == nil }
	if recorder.Role != "" && recorder.Role != RoleHead && !recorder.IsLeadership() {
		for _, s := range roster {
			if s.Role == RoleHead && s.Branch == recorder.Branch && may(s) {
				deciders = append(deciders, s)
			}
		}
		if len(deciders) > 0 {
			return deciders, RouteHead, recorder.Branch
		}
	}
	for _, s := range roster {
		if s.IsLeadership() && may(s) {
			deciders = append(deciders, s)
		}
	}
	return deciders, RouteLeadership, ""
}

// MayDecideAppeals 表示 actor 是否可能裁决申诉（所长或中心领导）：决定“审批”页是否有申诉一节。
// 每条申诉能不能裁决由 MayDecideAppeal 判断。
func MayDecideAppeals(actor Staff) bool { return actor.Role == RoleHead || actor.IsLeadership() }

// AppealDecision 是一次裁决，与撤销（或调整）、通知在同一事务里写入：只有申诉仍是“申诉中”时生效。
type AppealDecision struct {
	AppealID int64
	Status   AppealStatus // AppealRevoked 或 AppealKept
	By       string
	ByName   string
	Note     string
	At       time.Time
	Msg      Message
	// Notices 是告诉申诉人和记录人的通知（Key 中的 "{id}" 换成申诉编号）。
	Notices []Notice
}

// AppealFilter 是列出申诉的条件；零值字段不作限制。
type AppealFilter struct {
	Status  AppealStatus
	StaffID string
	EntryID int64
}

// AppealStore 保存申诉。
type AppealStore interface {
	// CreateAppeal 在一个事务里登记消息、写入申诉和通知（"{id}" 换成申诉编号）。该记录已有申诉时返回
	// ECONFLICT 和已有的申诉；消息重复返回 EDUPLICATE 和先前写入的申诉。
	CreateAppeal(ctx context.Context, msg Message, a Appeal, notices []Notice) (Appeal, error)
	// Appeal 按编号取申诉（含所指的记录）；找不到返回 ENOTFOUND。
	Appeal(ctx context.Context, id int64) (Appeal, error)
	// Appeals 按条件列出申诉（含所指的记录），按编号升序。
	Appeals(ctx context.Context, f AppealFilter) ([]Appeal, error)
	// DecideAppeal 在一个事务里登记消息、写入“维持”的裁决和通知；申诉已裁决返回 ECONFLICT 和它的现状，
	// 消息重复返回 EDUPLICATE 和现状。“撤销”的裁决随撤销写入（RevokeRequest.Appeal、RecordRequest.Appeal）。
	DecideAppeal(ctx context.Context, d AppealDecision) (Appeal, error)
}

// DurationLabel 把期限写成人们说的“3 日”“36 小时”“30 分钟”。
func DurationLabel(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d 日", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d 小时", d/time.Hour)
	}
	return fmt.Sprintf("%d 分钟", max(1, d/time.Minute))
}

// StatusLabel 是记录在列表里的状态（“查”、我的、台账、结算单、结算表同一种说法）：申诉后撤销、已撤销、
// 申诉中、申诉维持；普通的记录为空。申诉后撤销的记录若所在月份已结账，原记录仍计入该月，调整记在下一个月。
func (e Entry) StatusLabel() string {
	switch {
	case e.Appeal == AppealRevoked:
		return AppealRevoked.Label()
	case e.Revoked():
		return "已撤销"
	}
	return e.Appeal.Label()
}
