package model

import (
	"strings"
	"testing"
)

// 一个小花名册：城关所的所长、两位主管、员工；东街所的主管和员工；中心的主任和副主任。
var (
	zhuren     = Staff{UserID: "dir", Name: "林主任", Branch: "中心", Role: RoleDirector, Active: true}
	fuzhuren   = Staff{UserID: "dep", Name: "高副主任", Branch: "中心", Role: RoleDeputy, Active: true}
	suozhang   = Staff{UserID: "cg_head", Name: "刘强", Branch: "城关所", Role: RoleHead, Scope: []string{"东街所"}, Active: true}
	zhuguan    = Staff{UserID: "cg_sup", Name: "王芳", Branch: "城关所", Role: RoleSupervisor, Active: true}
	zhuguan2   = Staff{UserID: "cg_sup2", Name: "赵敏", Branch: "城关所", Role: RoleSupervisor, Active: true}
	yuangong   = Staff{UserID: "cg01", Name: "张三", Branch: "城关所", Role: RoleStaff, Active: true}
	djZhuguan  = Staff{UserID: "dj_sup", Name: "孙丽", Branch: "东街所", Role: RoleSupervisor, Active: true}
	djYuan     = Staff{UserID: "dj01", Name: "王五", Branch: "东街所", Role: RoleStaff, Active: true}
	hkYuan     = Staff{UserID: "hk01", Name: "吴明", Branch: "河口所", Role: RoleStaff, Active: true}
	fenguan    = Staff{UserID: "lead", Name: "郑分管", Branch: "中心", Role: RoleLeader, Active: true}
	hkSuozhang = Staff{UserID: "hk_head", Name: "何平", Branch: "河口所", Role: RoleHead, Active: true}
)

// TestMay：角色 × 与对象的关系（本人、上级或同级、下级、范围外）× 操作。
func TestMay(t *testing.T) {
	tests := []struct {
		name   string
		actor  Staff
		act    Action
		target Staff
		want   string // 空表示允许；否则是提示里应有的一段
	}{
		{"supervisor records on own staff", zhuguan, ActRecord, yuangong, ""},
		{"supervisor rewards herself", zhuguan, ActRecord, zhuguan, "您不能给自己记扣款或奖励，应由城关所的所长或中心领导处理。"},
		{"supervisor deducts her head", zhuguan, ActRecord, suozhang, "您不能给所长刘强记扣款或奖励，应由中心领导处理。"},
		{"supervisor rates a fellow supervisor", zhuguan, ActSpotCheck, zhuguan2, "您不能给主管赵敏记抽查，应由城关所的所长或中心领导处理。"},
		{"supervisor praises herself", zhuguan, ActPraise, zhuguan, "您不能给自己记表扬"},
		{"supervisor outside her branches", zhuguan, ActMeter, djYuan, "王五（东街所）不在您的管理范围内，应由东街所的主管、所长或中心领导处理。"},
		{"supervisor invalidates a complaint against herself", zhuguan, ActInvalidate, zhuguan, "您不能认定对自己的投诉无效"},
		{"head records on a supervisor of her branch", suozhang, ActRecord, zhuguan, ""},
		{"head records in a granted branch", suozhang, ActComplaint, djZhuguan, ""},
		{"head records on herself", suozhang, ActRecord, suozhang, "应由中心领导处理"},
		{"head records on the director", suozhang, ActRecord, zhuren, "林主任（中心）不在您的管理范围内，应由其他中心领导处理。"},
		{"head outside her branches", suozhang, ActRecord, hkYuan, "吴明（河口所）不在您的管理范围内"},
		{"head inspects her own branch", suozhang, ActInspect, BranchTarget("城关所", suozhang), "您不能检查自己所在的城关所，应由中心领导处理。"},
		{"supervisor inspects her own branch", zhuguan, ActInspect, BranchTarget("城关所", suozhang), "您不能检查自己所在的城关所"},
		{"head inspects a granted branch with its own head", suozhang, ActInspect, BranchTarget("东街所", Staff{UserID: "dj_head"}), "您不能检查东街所，应由中心领导处理。"},
		{"head inspects outside", suozhang, ActInspect, BranchTarget("河口所", Staff{}), "河口所不在您的管理范围内，应由中心领导处理。"},
		{"director inspects", zhuren, ActInspect, BranchTarget("城关所", suozhang), ""},
		{"director records on a deputy", zhuren, ActRecord, fuzhuren, ""},
		{"director stars herself", zhuren, ActStar, zhuren, "您不能把自己评为服务明星，应由其他中心领导处理。"},
		{"director stars a staff member", zhuren, ActStar, yuangong, ""},
		{"staff records", yuangong, ActRecord, djYuan, "只有主管、所长和中心领导可以"},
		{"unknown role counts as staff", zhuguan, ActRecord, Staff{UserID: "gone", Name: "离职者", Branch: "城关所"}, ""},
		{"judge on someone else's nomination", fuzhuren, ActJudge, yuangong, ""},
		{"nominee judges", yuangong, ActJudge, yuangong, "人选有您本人"},
		{"head judges own branch", suozhang, ActJudge, BranchTarget("城关所", Staff{}), "人选有您所在的城关所"},
		{"judge on another branch", suozhang, ActJudge, BranchTarget("河口所", Staff{}), ""},
		// 请假：审批链 副主任 < 中心主任 < 分管领导。
		{"deputy approves a staff member's short leave", fuzhuren, ActApproveLeave, yuangong, ""},
		{"director approves the deputy's leave", zhuren, ActApproveLeave, fuzhuren, ""},
		{"deputy approves the director's leave", fuzhuren, ActApproveLeave, zhuren, "这是中心主任林主任的请假，中心主任在您之上，您不能审批，应由分管领导审批。"},
		{"deputy approves a fellow deputy's leave", fuzhuren, ActApproveLeave, Staff{UserID: "dep2", Name: "钱副主任", Role: RoleDeputy}, ""},
		{"director approves her own leave", zhuren, ActApproveLeave, zhuren, "您不能审批自己的请假，应由分管领导审批。"},
		{"deputy approves her own leave", fuzhuren, ActApproveLeave, fuzhuren, "您不能审批自己的请假，应由其他中心主任或副主任审批。"},
		{"leader approves a short leave", fenguan, ActApproveLeave, yuangong, "应由中心主任或副主任审批；您是分管领导，不能审批。"},
		{"leader approves a long leave", fenguan, ActApproveLongLeave, yuangong, ""},
		{"leader approves the director's leave", fenguan, ActApproveLongLeave, zhuren, ""},
		{"leader approves her own leave", fenguan, ActApproveLongLeave, fenguan, "您不能审批自己的请假，应由其他分管领导审批。"},
		{"director approves a long leave", zhuren, ActApproveLongLeave, yuangong, "应由分管领导审批；您是中心主任，不能审批。"},
		{"head approves leave", suozhang, ActApproveLeave, yuangong, "只有中心主任、副主任和分管领导可以审批请假。"},
		// 撤销红旗：中心领导；红旗的获旗人和要被扣款的所长都须在其下。
		{"director cancels a flag", zhuren, ActCancelFlag, yuangong, ""},
		{"director cancels a flag charged to herself", zhuren, ActCancelFlag, zhuren, "您不能撤销涉及自己的红旗，应由其他中心领导处理。"},
		{"head cancels a flag", suozhang, ActCancelFlag, yuangong, "只有中心领导可以撤销红旗。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := May(tt.actor, tt.act, tt.target)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("May = %v，应允许", err)
				}
				return
			}
			if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), tt.want) {
				t.Fatalf("May = %v，应拒绝并说“%s”", err, tt.want)
			}
		})
	}
}

// TestMayRevoke：被记录人的关系 × 记录人的关系 × 记录的种类（人记的、系统生成的）。
func TestMayRevoke(t *testing.T) {
	entry := func(on, by Staff, ref string) Entry {
		return Entry{ID: 4, StaffID: on.UserID, StaffName: on.Name, Branch: on.Branch, ActorID: by.UserID, ActorName: by.Name,
			RuleName: "旷工", Amount: -100, Ref: ref}
	}
	star := Entry{ID: 9, StaffID: yuangong.UserID, Branch: "城关所", ActorID: zhuren.UserID, RuleName: "政务服务明星", Amount: 200, Ref: "star:2026-11"}
	adj := Entry{ID: 12, StaffID: yuangong.UserID, Branch: "城关所", ActorID: zhuguan.UserID, RuleName: "迟到", Amount: 10, Ref: "adjusts:#3", Adjusts: 3}
	gone := Staff{UserID: "gone", Name: "老主管"}
	tests := []struct {
		name             string
		actor            Staff
		e                Entry
		target, recorder Staff
		want             string
	}{
		{"recorder revokes her own record", zhuguan, entry(yuangong, zhuguan, ""), yuangong, zhuguan, ""},
		{"head revokes her supervisor's record", suozhang, entry(yuangong, zhuguan, ""), yuangong, zhuguan, ""},
		{"director revokes a deputy's record", zhuren, entry(yuangong, fuzhuren, ""), yuangong, fuzhuren, ""},
		{"supervisor revokes what the director recorded on her", zhuguan, entry(zhuguan, zhuren, ""), zhuguan, zhuren,
			"#4 记的是您本人，您不能撤销，应由记录人林主任及其上级（其他中心领导）处理。"},
		{"supervisor revokes what was recorded on her head", zhuguan, entry(suozhang, zhuren, ""), suozhang, zhuren, "#4 记的是所长刘强，您不能撤销"},
		{"supervisor revokes her head's record", zhuguan, entry(yuangong, suozhang, ""), yuangong, suozhang,
			"#4 是所长刘强记的，您不能撤销，应由记录人刘强及其上级（中心领导）处理。"},
		{"supervisor revokes a fellow supervisor's record", zhuguan, entry(yuangong, zhuguan2, ""), yuangong, zhuguan2,
			"#4 是主管赵敏记的，您不能撤销，应由记录人赵敏及其上级（城关所的所长或中心领导）处理。"},
		{"supervisor revokes outside", zhuguan, entry(djYuan, djZhuguan, ""), djYuan, djZhuguan, "#4 是王五（东街所）的记录，不在您的管理范围内，不能撤销"},
		{"head revokes the penalty charged to her", suozhang, entry(suozhang, zhuren, "flag:7:false-info"), suozhang, zhuren, "#4 记的是您本人"},
		{"supervisor revokes a star", zhuguan, star, yuangong, zhuren, "#9 是系统生成的记录（政务服务明星 +200 元），只有中心领导可以撤销。"},
		{"head revokes an adjustment", suozhang, adj, yuangong, zhuguan, "只有中心领导可以撤销"},
		{"director revokes a star", zhuren, star, yuangong, zhuren, ""},
		{"director revokes what was recorded on her", zhuren, entry(zhuren, fuzhuren, ""), zhuren, fuzhuren, "应由记录人高副主任及其上级（其他中心领导）处理"},
		{"recorder has left the roster", zhuguan, entry(yuangong, gone, ""), yuangong, gone, "#4 是老主管记的，您不能撤销，应由中心领导处理。"},
		{"director revokes a record of someone who left", zhuren, entry(yuangong, gone, ""), yuangong, gone, ""},
		{"leave link is not generated", zhuguan, entry(yuangong, zhuguan, "leave:3"), yuangong, zhuguan, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := MayRevoke(tt.actor, tt.e, tt.target, tt.recorder)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("MayRevoke = %v，应允许", err)
				}
				return
			}
			if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), tt.want) {
				t.Fatalf("MayRevoke = %v，应拒绝并说“%s”", err, tt.want)
			}
		})
	}
}

func TestGenerated(t *testing.T) {
	for ref, want := range map[string]bool{
		"flags:weekly:2026-11": true, "flags:dekad:2026-11:河口所": true, "flags:year:2026": true, "star:2026-11": true,
		"flag:12:false-info": true, "adjusts:#88": true, "leave:12": false, "": false,
	} {
		if got := (Entry{Ref: ref}).Generated(); got != want {
			t.Errorf("Ref %q：Generated = %v，应为 %v", ref, got, want)
		}
	}
	if !(Entry{Adjusts: 3}).Generated() {
		t.Error("调整（Adjusts 非零）应是系统生成的")
	}
}

// TestRouteFor：1 天以内归主任、副主任，超过 1 天归分管领导；主任和分管领导本人的请假，主任、副主任都不在其上，归分管领导。
func TestRouteFor(t *testing.T) {
	tests := []struct {
		halfDays  int
		requester Role
		want      LeaveRoute
	}{
		{1, RoleStaff, RouteDirector}, {2, RoleHead, RouteDirector}, {3, RoleStaff, RouteLeader},
		{1, RoleDeputy, RouteDirector}, {1, RoleDirector, RouteLeader}, {2, RoleLeader, RouteLeader}, {1, RoleAdmin, RouteDirector},
	}
	for _, tt := range tests {
		if got := RouteFor(tt.halfDays, tt.requester); got != tt.want {
			t.Errorf("RouteFor(%d, %s) = %s，应为 %s", tt.halfDays, tt.requester, got, tt.want)
		}
	}
}

// TestMayDecideAppeal：裁决人与申诉人、记录人的关系 × 记录的种类。
func TestMayDecideAppeal(t *testing.T) {
	gone := Staff{UserID: "old_sup", Name: "老主管"} // 不在花名册上：角色不明
	appeal := func(on, by Staff, ref string, route AppealRoute) Appeal {
		return Appeal{ID: 3, StaffID: on.UserID, StaffName: on.Name, Route: route, RouteBranch: by.Branch,
			Entry: Entry{ID: 12, StaffID: on.UserID, Branch: on.Branch, ActorID: by.UserID, ActorName: by.Name, RuleName: "迟到", Amount: -10, Ref: ref}}
	}
	bySup := appeal(yuangong, zhuguan, "", RouteHead)
	byHead := appeal(zhuguan, suozhang, "", RouteLeadership)
	byDir := appeal(suozhang, zhuren, "", RouteLeadership)
	penalty := appeal(suozhang, zhuren, "flag:7:false-info", RouteLeadership)
	tests := []struct {
		name                string
		actor               Staff
		a                   Appeal
		appellant, recorder Staff
		want                string
	}{
		{"head of the recorder's branch", suozhang, bySup, yuangong, zhuguan, ""},
		{"leadership on a head's appeal", fuzhuren, bySup, yuangong, zhuguan, ""},
		{"the appellant", yuangong, bySup, yuangong, zhuguan, "申诉 #3 是您自己提出的，由城关所所长或中心领导处理，您不能处理自己的申诉。"},
		{"the recorder", zhuguan, bySup, yuangong, zhuguan, "申诉 #3 针对的是您记的 #12，由城关所所长或中心领导处理，记录人不能处理。"},
		{"a fellow supervisor", zhuguan2, bySup, yuangong, zhuguan, "申诉 #3 由城关所所长或中心领导处理，您不能处理。"},
		{"another branch's head", hkSuozhang, bySup, yuangong, zhuguan, "您不能处理"},
		{"the head who recorded", suozhang, byHead, zhuguan, suozhang, "记录人不能处理"},
		{"leadership on a head's record", zhuren, byHead, zhuguan, suozhang, ""},
		{"the director who recorded", zhuren, byDir, suozhang, zhuren, "记录人不能处理"},
		{"another leader on the director's record", fuzhuren, byDir, suozhang, zhuren, ""},
		{"the head appealing decides", suozhang, byDir, suozhang, zhuren, "不能处理自己的申诉"},
		{"a head on a generated entry", hkSuozhang, penalty, suozhang, zhuren, "由中心领导处理"},
		{"a head on a record by someone who left", suozhang, appeal(yuangong, gone, "", RouteLeadership), yuangong, gone, "由中心领导处理"},
		{"leadership on a record by someone who left", zhuren, appeal(yuangong, gone, "", RouteLeadership), yuangong, gone, ""},
		{"staff", djYuan, bySup, yuangong, zhuguan, "您不能处理"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := MayDecideAppeal(tt.actor, tt.a, tt.appellant, tt.recorder)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("MayDecideAppeal = %v，应允许", err)
				}
				return
			}
			if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), tt.want) {
				t.Fatalf("MayDecideAppeal = %v，应拒绝并说“%s”", err, tt.want)
			}
		})
	}
}

// TestAppealDeciders：主管记的交本所所长（不含申诉人、记录人）；所长、中心领导记的和记录人不在花名册上的交中心领导；
// 谁都不在名单上裁决自己的事。
func TestAppealDeciders(t *testing.T) {
	roster := []Staff{zhuren, fuzhuren, suozhang, zhuguan, zhuguan2, yuangong, djZhuguan, djYuan, hkSuozhang}
	ids := func(ss []Staff) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.UserID)
		}
		return strings.Join(out, ",")
	}
	e := Entry{ID: 12}
	tests := []struct {
		name                string
		appellant, recorder Staff
		want                string
		route               AppealRoute
	}{
		{"a supervisor's record goes to the branch head", yuangong, zhuguan, "cg_head", RouteHead},
		{"a head's record goes to leadership", zhuguan, suozhang, "dir,dep", RouteLeadership},
		{"the director's record goes to the other leaders", suozhang, zhuren, "dep", RouteLeadership},
		{"a record by someone who left goes to leadership", yuangong, Staff{UserID: "old", Name: "老主管"}, "dir,dep", RouteLeadership},
		{"a branch without a head goes to leadership", djYuan, djZhuguan, "dir,dep", RouteLeadership},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, route, _ := AppealDeciders(e, tt.appellant, tt.recorder, roster)
			if ids(got) != tt.want || route != tt.route {
				t.Errorf("AppealDeciders = %s（%s），应为 %s（%s）", ids(got), route, tt.want, tt.route)
			}
		})
	}
}
