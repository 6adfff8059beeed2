package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// appealSubmit 是“我的”上的“申诉”（与聊天的“申诉 编号 理由”同一个服务）：只有本人、在期限内、未申诉过。
func (s *Server) appealSubmit(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, http.StatusBadRequest, "没有写要申诉的记录编号，这次没有提交。")
		return
	}
	reason := formText(r, "reason")
	if reason == "" {
		s.fail(w, r, http.StatusBadRequest, "请写明申诉的理由，这次没有提交。")
		return
	}
	msg, err := s.message(r, v, fmt.Sprintf("申诉 %d %s", id, reason))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	res, err := s.d.Ledger.Appeal(r.Context(), v.Actor, msg, id, reason)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.flash(w, r, true, res.Reply())
	http.Redirect(w, r, safeNext(r.PostFormValue("back")), http.StatusSeeOther)
}

// appealApprovals 是审批页的申诉：待办来自 ledger.Service.PendingAppeals，裁决经 ledger.Service.DecideAppeal
// （与卡片按钮、“申诉 撤销|维持”命令相同）。“批准”是撤销记录（申诉成立），“驳回”是维持。
type appealApprovals struct {
	svc *ledger.Service
	loc *time.Location
}

func (appealApprovals) Kind() string                   { return "appeal" }
func (appealApprovals) Title() string                  { return "申诉" }
func (appealApprovals) Allowed(actor model.Staff) bool { return canDecideAppeals(actor) }

func (a appealApprovals) Pending(ctx context.Context, actor model.Staff) ([]ApprovalItem, error) {
	as, err := a.svc.PendingAppeals(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := make([]ApprovalItem, len(as))
	for i, ap := range as {
		e := ap.Entry
		out[i] = ApprovalItem{
			ID:    ap.ID,
			Title: fmt.Sprintf("%s（%s）申诉 #%d %s %s", ap.StaffName, e.Branch, e.ID, e.RuleName, ledger.Yuan(e.Amount)),
			Lines: []string{
				"申诉理由：" + ap.Reason,
				"记录人：" + e.ActorName + " " + e.CreatedAt.In(a.loc).Format("1月2日 15:04"),
				"申诉于 " + ap.CreatedAt.In(a.loc).Format("1月2日 15:04") + "，交" + ap.Route.Label(ap.RouteBranch) + "处理",
			},
			Approve: "撤销记录", Reject: "维持",
		}
	}
	return out, nil
}

func (a appealApprovals) Decide(ctx context.Context, actor model.Staff, msg model.Message, id int64, approve bool, note string) (string, error) {
	res, err := a.svc.DecideAppeal(ctx, actor, msg, id, approve, note)
	if err != nil {
		return "", err
	}
	return res.Reply(), nil
}
