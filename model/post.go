package model

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Post 是一个窗口（岗位）：一名 A 岗（主办）和一名或多名 B 岗（协办）。A 不在时由 B 顶岗。
type Post struct {
	Window string   // 窗口名，如“社保窗口”“3号窗口”
	A      string   // A 岗（主办）的 userid
	B      []string // B 岗（协办）的 userid，按文件中的顺序
}

// Holds 返回 userID 在该窗口的岗位："A"、"B"，不在岗返回空串。
func (p Post) Holds(userID string) string {
	if strings.EqualFold(p.A, userID) {
		return "A"
	}
	for _, b := range p.B {
		if strings.EqualFold(b, userID) {
			return "B"
		}
	}
	return ""
}

// LeaveStatus 是请假单的状态。
type LeaveStatus string

const (
	LeavePending   LeaveStatus = "pending"   // 待审批
	LeaveApproved  LeaveStatus = "approved"  // 已批准
	LeaveRejected  LeaveStatus = "rejected"  // 已驳回
	LeaveWithdrawn LeaveStatus = "withdrawn" // 审批前本人撤回，或批准后尚未开始就销假
)

// Label 返回中文名。
func (s LeaveStatus) Label() string {
	switch s {
	case LeavePending:
		return "待审批"
	case LeaveApproved:
		return "已批准"
	case LeaveRejected:
		return "已驳回"
	case LeaveWithdrawn:
		return "已撤回"
	}
	return string(s)
}

// LeaveRoute 是请假单的审批路线，由请假时长决定。
type LeaveRoute string

const (
	// RouteDirector：1 天以内（含），由中心主任或副主任审批。
	RouteDirector LeaveRoute = "director"
	// RouteLeader：超过 1 天，由分管领导审批。
	RouteLeader LeaveRoute = "leader"
)

// RouteFor 按时长（半天数）和请假人给出审批路线：不超过 1 天（2 个半天）归主任、副主任，否则归分管领导。
// 规定的审批链是副主任 < 中心主任 < 分管领导，谁也不批在自己之上的人的假：中心主任（和分管领导）本人的请假
// 即使不到 1 天，也没有主任、副主任可批，归分管领导（见 model.May 的 ActApproveLeave）。
func RouteFor(halfDays int, requester Role) LeaveRoute {
	if halfDays <= 2 && leaveRank(requester) < leaveRank(RoleDirector) {
		return RouteDirector
	}
	return RouteLeader
}

// Action 是审批这条路线上的请假这件事（model.May 判断谁能做）。
func (r LeaveRoute) Action() Action {
	if r == RouteLeader {
		return ActApproveLongLeave
	}
	return ActApproveLeave
}

// Approvers 返回该路线上可以审批的角色。
func (r LeaveRoute) Approvers() []Role {
	if r == RouteLeader {
		return []Role{RoleLeader}
	}
	return []Role{RoleDirector, RoleDeputy}
}

// Label 返回审批人的中文称呼。
func (r LeaveRoute) Label() string {
	if r == RouteLeader {
		return "分管领导"
	}
	return "中心主任或副主任"
}

// Leave 是一张请假单。Start、End 都含在内；HalfDays 是请假时长（半天数，半天为 1）。
// 销假后 End 改为销假前一天（尚未开始的请假改为撤回），EndedEarly 为 true。
type Leave struct {
	ID        int64
	StaffID   string
	StaffName string
	Branch    string
	Start     Date
	End       Date
	HalfDays  int
	// Half 是半天假在上午还是下午（HalfAM、HalfPM）；整天的假和没有说明上下午的半天假为空。
	Half        HalfDay
	Reason      string
	Route       LeaveRoute
	Status      LeaveStatus
	DecidedBy   string // 审批人 userid
	DeciderName string
	DecideNote  string // 驳回理由
	DecidedAt   *time.Time
	EndedEarly  bool
	MsgKey      string // 提出请假的消息
	CreatedAt   time.Time
}

// Covers 表示请假单是否覆盖日期 d（不看状态）。
func (l Leave) Covers(d Date) bool { return !d.Before(l.Start) && !d.After(l.End) }

// OnLeave 表示此人 d 当天是否在已批准的假中。
func (l Leave) OnLeave(d Date) bool { return l.Status == LeaveApproved && l.Covers(d) }

// HalfDay 是半天假的上午或下午。
type HalfDay string

// 上午、下午。
const (
	HalfAM HalfDay = "am"
	HalfPM HalfDay = "pm"
)

// Label 返回“上午”“下午”；空值为空串。
func (h HalfDay) Label() string {
	switch h {
	case HalfAM:
		return "上午"
	case HalfPM:
		return "下午"
	}
	return ""
}

// ParseHalfDay 读“上午”（或“早上”）、“下午”。
func ParseHalfDay(s string) (HalfDay, bool) {
	switch s {
	case "上午", "早上":
		return HalfAM, true
	case "下午":
		return HalfPM, true
	}
	return "", false
}

// Span 返回“11月28日–11月30日”、“11月28日”（单日）或“12月20日下午”（半天）。
func (l Leave) Span() string {
	if l.Start == l.End {
		return l.Start.Label() + l.Half.Label()
	}
	return l.Start.Label() + "–" + l.End.Label()
}

// DaysLabel 把时长写成“半天”“1 天”“2.5 天”。
func DaysLabel(halfDays int) string {
	if halfDays == 1 {
		return "半天"
	}
	if halfDays%2 == 0 {
		return fmt.Sprintf("%d 天", halfDays/2)
	}
	return fmt.Sprintf("%d.5 天", halfDays/2)
}

// LeaveRef 是虚假请假扣款记录上的 Entry.Ref。
func LeaveRef(id int64) string { return fmt.Sprintf("leave:%d", id) }

// LeaveFilter 是查询请假单的条件；零值字段不作限制。
type LeaveFilter struct {
	StaffID  string
	Statuses []LeaveStatus
	// From、To 非零时只返回与 [From, To] 有交集的请假单。
	From, To Date
}

// LeaveDecision 是一次审批或销假：在一个事务里登记消息、改状态、入队通知。
type LeaveDecision struct {
	Msg     Message
	LeaveID int64
	// From 是期望的当前状态（如审批时为待审批）；不符时返回 ECONFLICT 和请假单现状。
	From   LeaveStatus
	Status LeaveStatus
	// End 非零时改写结束日期（销假）。
	End        Date
	EndedEarly bool
	By, ByName string
	Note       string
	At         time.Time
	Notices    []Notice
}

// PostStore 保存窗口的 A/B 岗。
type PostStore interface {
	// ReplacePosts 在一个事务里替换文件中各窗口的 A/B 岗；不在文件中的窗口保持原样。
	// 返回新增和更新的窗口数。
	ReplacePosts(ctx context.Context, posts []Post) (added, updated int, err error)
	// Posts 返回全部窗口，按窗口名排序。
	Posts(ctx context.Context) ([]Post, error)
	// Post 按窗口名取岗位；没有返回 ENOTFOUND。
	Post(ctx context.Context, window string) (Post, error)
	// PostsOf 返回 userID 担任 A 岗或 B 岗的窗口。
	PostsOf(ctx context.Context, userID string) ([]Post, error)
}

// LeaveStore 保存请假单。
type LeaveStore interface {
	// CreateLeave 在一个事务里登记消息、写入请假单和通知（通知的 Key、Title、Body 中的 "{id}"
	// 换成请假单编号）。与此人待审批或已批准的请假日期重叠时返回 ECONFLICT（LeaveOverlap），
	// 消息重复时返回 EDUPLICATE 和先前写入的请假单，什么也不写。
	CreateLeave(ctx context.Context, msg Message, l Leave, notices []Notice) (Leave, error)
	// Leave 按编号取请假单；没有返回 ENOTFOUND。
	Leave(ctx context.Context, id int64) (Leave, error)
	// Leaves 按条件列出请假单，按开始日期、编号排序。
	Leaves(ctx context.Context, f LeaveFilter) ([]Leave, error)
	// DecideLeave 审批、驳回或销假。状态不是 d.From 时返回 ECONFLICT 和现状；
	// 消息重复时返回 EDUPLICATE 和现状；什么也不写。
	DecideLeave(ctx context.Context, d LeaveDecision) (Leave, error)
}

// LeaveOverlap 是请假日期与已有请假单重叠时的错误。
func LeaveOverlap(prev Leave) *Error {
	return Errorf(ECONFLICT, "您 %s 已有请假 #%d（%s，%s），日期重叠，这次没有提交。如要改期，请先发“销假”撤回原请假。",
		prev.Span(), prev.ID, prev.Reason, prev.Status.Label())
}

// LeaveNotFound 是请假单不存在时的错误。
func LeaveNotFound(id int64) *Error {
	return Errorf(ENOTFOUND, "没有编号为 %d 的请假单。请核对编号（审批通知里有）。", id)
}

// UnknownWindow 是窗口不存在时的错误；suggest 是最接近的窗口名。
func UnknownWindow(window string, suggest []string) *Error {
	msg := fmt.Sprintf("没有“%s”这个窗口。", window)
	if len(suggest) > 0 {
		msg += "您是不是要找：" + strings.Join(suggest, "、") + "？"
	}
	return Errorf(ENOTFOUND, "%s发“岗位”查看全部窗口。", msg)
}
