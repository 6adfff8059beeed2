package model

import "strings"

// Role 是人员在考核中的角色。
type Role string

const (
	RoleStaff      Role = "staff"      // 员工（窗口营业人员）
	RoleSupervisor Role = "supervisor" // 主管
	RoleHead       Role = "head"       // 所长
	RoleAdmin      Role = "admin"      // 管理员
	RoleDirector   Role = "director"   // 中心主任
	RoleDeputy     Role = "deputy"     // 中心副主任
	RoleLeader     Role = "leader"     // 分管领导
)

// ParseRole 接受英文或中文角色名。
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "staff", "员工":
		return RoleStaff, nil
	case "supervisor", "主管":
		return RoleSupervisor, nil
	case "head", "所长":
		return RoleHead, nil
	case "admin", "管理员":
		return RoleAdmin, nil
	case "director", "主任", "中心主任":
		return RoleDirector, nil
	case "deputy", "副主任", "中心副主任":
		return RoleDeputy, nil
	case "leader", "分管领导":
		return RoleLeader, nil
	}
	return "", Errorf(EINVALID, "角色“%s”无法识别，应为 员工/主管/所长/管理员/主任/副主任/分管领导 之一", s)
}

// Label 返回角色的中文名。
func (r Role) Label() string {
	switch r {
	case RoleStaff:
		return "员工"
	case RoleSupervisor:
		return "主管"
	case RoleHead:
		return "所长"
	case RoleAdmin:
		return "管理员"
	case RoleDirector:
		return "中心主任"
	case RoleDeputy:
		return "副主任"
	case RoleLeader:
		return "分管领导"
	}
	return string(r)
}

// BranchKind 是网点类型：县城或农村。
type BranchKind string

const (
	BranchCounty BranchKind = "county" // 县城网点
	BranchRural  BranchKind = "rural"  // 农村网点
)

// ParseBranchKind 接受英文或中文网点类型。
func ParseBranchKind(s string) (BranchKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "county", "县城":
		return BranchCounty, nil
	case "rural", "农村":
		return BranchRural, nil
	}
	return "", Errorf(EINVALID, "网点类型“%s”无法识别，应为 县城 或 农村", s)
}

// Label 返回网点类型的中文名。
func (k BranchKind) Label() string {
	switch k {
	case BranchCounty:
		return "县城"
	case BranchRural:
		return "农村"
	}
	return string(k)
}

// Branch 是一个网点（营业所）。
type Branch struct {
	Name string
	Kind BranchKind
}

// ScopeAll 出现在 Staff.Scope 中表示可管理全部网点。
const ScopeAll = "*"

// Staff 是花名册中的一个人。UserID（企业微信账号）是身份，Name 只是称呼，可重名。
type Staff struct {
	UserID     string
	Name       string
	Branch     string
	BranchKind BranchKind
	Role       Role
	// Scope 是花名册额外授予的可管理网点（主管、所长）；含 ScopeAll 表示全部。
	Scope []string
	// Active 为 false 表示已不在花名册（离职或调出），历史记录仍保留。
	Active bool
	// Joined 是入职（上花名册）的日期；花名册没写时为第一次导入的那天（由存储记下）。
	Joined Date
	// Left 是离职的日期（离职当天仍在花名册上）；在职时为零。
	Left Date
}

// OnRosterIn 表示此人在 [from, to] 这段日子里是否有一天在花名册上：入职不晚于 to，且在职或离职不早于 from。
// 已停用而没有离职日期的人（早先的花名册）不算在任何一段里。
func (s Staff) OnRosterIn(from, to Date) bool {
	if !s.Joined.IsZero() && s.Joined.After(to) {
		return false
	}
	switch {
	case !s.Left.IsZero():
		return !s.Left.Before(from)
	case !s.Active:
		return false
	}
	return true
}

// OnRosterAll 表示此人在 [from, to] 每一天都在花名册上：入职不晚于 from，且在职或离职不早于 to。
// 两个方法里入职日期为零（不知道）都当作一直在花名册上；存储总会记下入职日期。
func (s Staff) OnRosterAll(from, to Date) bool {
	if !s.Joined.IsZero() && s.Joined.After(from) {
		return false
	}
	switch {
	case !s.Left.IsZero():
		return !s.Left.Before(to)
	case !s.Active:
		return false
	}
	return true
}

// LeftBefore 表示此人是否在 d 之前已经离职（离职日期早于 d）。
func (s Staff) LeftBefore(d Date) bool { return !s.Left.IsZero() && s.Left.Before(d) }

// Dates 写出此人在花名册上的日子，如“2026年11月10日入职”“2026年6月30日离职”，两者都有时用“，”连接。
func (s Staff) Dates() string {
	var parts []string
	if !s.Joined.IsZero() {
		parts = append(parts, s.Joined.LongLabel()+"入职")
	}
	if !s.Left.IsZero() {
		parts = append(parts, s.Left.LongLabel()+"离职")
	}
	return strings.Join(parts, "，")
}

// StatusLabel 返回花名册上的状态：在职或离职。
func (s Staff) StatusLabel() string {
	if s.Active {
		return "在职"
	}
	return "离职"
}

// Display 返回“姓名(账号)”形式的称呼，用于需要区分重名时。
func (s Staff) Display() string { return s.Name + "(" + s.UserID + ")" }

// IsLeadership 表示是否是中心领导（管理员、主任、副主任、分管领导）：管理范围是全部网点。
func (s Staff) IsLeadership() bool {
	switch s.Role {
	case RoleAdmin, RoleDirector, RoleDeputy, RoleLeader:
		return true
	}
	return false
}

// IsApprover 表示此人能否审批请假（中心主任、副主任、分管领导；具体哪一级由请假时长决定，见 LeaveRoute）。
func (s Staff) IsApprover() bool {
	switch s.Role {
	case RoleDirector, RoleDeputy, RoleLeader:
		return true
	}
	return false
}

// CanRecord 表示此人能否使用记扣分、奖励、撤销这类命令（对谁能用由 May 判断）。
func (s Staff) CanRecord() bool {
	return s.Role == RoleSupervisor || s.Role == RoleHead || s.IsLeadership()
}

// Manages 表示 target 是否在 s 的网点范围内（查看台账用，见 CanView）：中心领导是全部；主管、所长是本网点及
// 花名册授予的网点；员工没有。它不看角色的上下：能不能给 target 记录、撤销、评分由 May、MayRevoke 判断
// （主管看得到本所所长的记录，却不能给他记）。
func (s Staff) Manages(target Staff) bool {
	if s.UserID == target.UserID {
		return s.CanRecord()
	}
	if s.IsLeadership() {
		return true
	}
	switch s.Role {
	case RoleSupervisor, RoleHead:
		return s.InScope(target.Branch)
	}
	return false
}

// InScope 表示网点 branch 是否在 s 的管理范围内。
func (s Staff) InScope(branch string) bool {
	if s.IsLeadership() {
		return true
	}
	if !s.CanRecord() {
		return false
	}
	if s.Branch == branch {
		return true
	}
	for _, b := range s.Scope {
		if b == ScopeAll || b == branch {
			return true
		}
	}
	return false
}

// CanView 表示 s 能否查看 target 的记录：本人总能看自己，管理者看管理范围内的人。
func (s Staff) CanView(target Staff) bool {
	return s.UserID == target.UserID || s.Manages(target)
}

// Validate 检查一条花名册记录是否完整。
func (s Staff) Validate() error {
	switch {
	case strings.TrimSpace(s.UserID) == "":
		return Errorf(EINVALID, "工号（userid）不能为空")
	case strings.TrimSpace(s.Name) == "":
		return Errorf(EINVALID, "姓名不能为空")
	case strings.TrimSpace(s.Branch) == "":
		return Errorf(EINVALID, "网点不能为空")
	}
	if _, err := ParseBranchKind(string(s.BranchKind)); err != nil {
		return err
	}
	if _, err := ParseRole(string(s.Role)); err != nil {
		return err
	}
	switch {
	case s.Active && !s.Left.IsZero():
		return Errorf(EINVALID, "在职的人不能有离职日期")
	case !s.Left.IsZero() && !s.Joined.IsZero() && s.Left.Before(s.Joined):
		return Errorf(EINVALID, "离职日期 %s 早于入职日期 %s", s.Left, s.Joined)
	}
	return nil
}
