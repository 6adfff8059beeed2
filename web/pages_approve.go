package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/model"
)

// Approvals 是审批页上的一类待办：请假（leaveApprovals）和申诉（appealApprovals）；别的种类用 Server.AddApprovals
// 加进来，页面、表单、校验码和“同一表单只生效一次”都不用再写。
type Approvals interface {
	// Kind 是表单里区分待办种类的短名，如 "leave"（只含小写字母）。
	Kind() string
	// Title 是页上这一节的标题，如“请假”。
	Title() string
	// Allowed 表示 actor 能否审批这一类（决定导航和这一节是否出现）；服务里还会再判断。
	Allowed(actor model.Staff) bool
	// Pending 返回 actor 可以处理的待办。
	Pending(ctx context.Context, actor model.Staff) ([]ApprovalItem, error)
	// Decide 批准（approve 为 true）或驳回编号为 id 的待办，返回给人看的结果。
	Decide(ctx context.Context, actor model.Staff, msg model.Message, id int64, approve bool, note string) (string, error)
}

// ApprovalItem 是一条待办。
type ApprovalItem struct {
	ID      int64
	Title   string   // 如“张三（城关所）请假 11月28日–11月30日（3 天）”
	Lines   []string // 说明，如事由、提交时间
	Approve string   // 批准按钮的字，如“批准”
	Reject  string   // 驳回按钮的字，如“驳回”
}

// approvalSection 是审批页的一节。
type approvalSection struct {
	Kind, Title string
	Items       []ApprovalItem
}

// canApprove 表示 actor 能否处理任何一类待办（导航里是否显示“审批”）。
func (s *Server) canApprove(a model.Staff) bool {
	for _, ap := range s.approvals {
		if ap.Allowed(a) {
			return true
		}
	}
	return false
}

// approvePage 是“审批”：每一类待办一节，逐条批准或驳回。
func (s *Server) approvePage(w http.ResponseWriter, r *http.Request, v *visit) {
	if !s.canApprove(v.Actor) {
		s.fail(w, r, http.StatusForbidden, "您没有需要审批的事项：请假由中心主任、副主任和分管领导审批，申诉由所长和中心领导处理。")
		return
	}
	var secs []approvalSection
	for _, ap := range s.approvals {
		if !ap.Allowed(v.Actor) {
			continue
		}
		items, err := ap.Pending(r.Context(), v.Actor)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		secs = append(secs, approvalSection{Kind: ap.Kind(), Title: ap.Title(), Items: items})
	}
	s.render(w, r, "approve", v, secs)
}

// approveSubmit 处理批准或驳回。
func (s *Server) approveSubmit(w http.ResponseWriter, r *http.Request, v *visit) {
	kind := r.PostFormValue("kind")
	var ap Approvals
	for _, a := range s.approvals {
		if a.Kind() == kind {
			ap = a
		}
	}
	if ap == nil {
		s.fail(w, r, http.StatusBadRequest, "不知道要审批的是什么，这次没有提交。")
		return
	}
	if !ap.Allowed(v.Actor) {
		s.fail(w, r, http.StatusForbidden, "您不能审批"+ap.Title()+"，这次没有提交。")
		return
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, http.StatusBadRequest, "没有写审批哪一条，这次没有提交。")
		return
	}
	approve := r.PostFormValue("decision") == "approve"
	if !approve && r.PostFormValue("decision") != "reject" {
		s.fail(w, r, http.StatusBadRequest, "请点“批准”或“驳回”，这次没有提交。")
		return
	}
	note := formText(r, "note")
	verb := "驳回"
	if approve {
		verb = "批准"
	}
	msg, err := s.message(r, v, fmt.Sprintf("%s %s %d %s", verb, ap.Title(), id, note))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	text, err := ap.Decide(r.Context(), v.Actor, msg, id, approve, note)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.flash(w, r, true, text)
	http.Redirect(w, r, "/app/approve", http.StatusSeeOther)
}

// leaveApprovals 是请假审批：待办来自 leave.Service.Pending，审批经 leave.Service.Decide（与“批准”“驳回”命令相同）。
type leaveApprovals struct {
	svc *leave.Service
	loc *time.Location
}

func (leaveApprovals) Kind() string                   { return "leave" }
func (leaveApprovals) Title() string                  { return "请假" }
func (leaveApprovals) Allowed(actor model.Staff) bool { return canApproveLeave(actor) }
func (a leaveApprovals) when(t time.Time) string      { return t.In(a.loc).Format("1月2日 15:04") }
func (a leaveApprovals) span(l model.Leave) string {
	return l.Span() + "（" + model.DaysLabel(l.HalfDays) + "）"
}
func (a leaveApprovals) who(l model.Leave) string       { return l.StaffName + "（" + l.Branch + "）" }
func (a leaveApprovals) titleOf(l model.Leave) string   { return a.who(l) + "请假 " + a.span(l) }
func (a leaveApprovals) reasonOf(l model.Leave) string  { return "事由：" + l.Reason }
func (a leaveApprovals) createdOf(l model.Leave) string { return "提交于 " + a.when(l.CreatedAt) }

func (a leaveApprovals) Pending(ctx context.Context, actor model.Staff) ([]ApprovalItem, error) {
	ls, err := a.svc.Pending(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := make([]ApprovalItem, len(ls))
	for i, l := range ls {
		out[i] = ApprovalItem{ID: l.ID, Title: a.titleOf(l), Lines: []string{a.reasonOf(l), a.createdOf(l), "审批：" + l.Route.Label()},
			Approve: "批准", Reject: "驳回"}
	}
	return out, nil
}

func (a leaveApprovals) Decide(ctx context.Context, actor model.Staff, msg model.Message, id int64, approve bool, note string) (string, error) {
	res, err := a.svc.Decide(ctx, actor, msg, id, approve, note)
	if err != nil {
		return "", err
	}
	l := res.Leave
	done := "驳回"
	if l.Status == model.LeaveApproved {
		done = "批准"
	}
	text := fmt.Sprintf("已%s请假 #%d：%s %s。", done, l.ID, a.who(l), a.span(l))
	if res.Duplicate {
		text = "这张表单已经提交过。" + text
	}
	if l.DecideNote != "" {
		text += "理由：" + l.DecideNote + "。"
	}
	return text + "已通知" + l.StaffName + "。", nil
}
