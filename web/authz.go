package web

import (
	"github.com/hongqi-dev/hongqi/leave"
	"github.com/hongqi-dev/hongqi/ledger"
	"github.com/hongqi-dev/hongqi/model"
)

// 这几个小函数是网页用到的全部权限判断，都只是转述 model 和服务里已有的判断（聊天命令用的也是它们），
// 决定导航里显示哪些页、哪些按钮。真正的把关在服务里：即使绕过这里，服务也会拒绝（403）。

// canBrowseLedger：台账页——能记录的人（主管、所长、中心领导），与 ledger.Service.Browse 一致。
func canBrowseLedger(a model.Staff) bool { return a.CanRecord() }

// canSettle：结算页——中心领导，与 settlement.Service.DraftFor 一致。
func canSettle(a model.Staff) bool { return a.IsLeadership() }

// canApproveLeave：审批页的请假——请假审批路线上的角色（model.MayAny）；每张请假单由 leave.Service.Decide
// 按 model.May 再判断（路线上的角色、不是本人、不在请假人之下）。
func canApproveLeave(a model.Staff) bool { return leave.CanApprove(a) }

// mayRevoke：台账上某条记录是否显示“撤销”——ledger.Service.Browse 按 model.MayRevoke 算好的，
// 与聊天的“撤销”同一个判断（记录人或其上级；不能撤销记在自己或上级名下的；系统生成的只有中心领导）。
func mayRevoke(b ledger.Browse, e model.Entry) bool { return b.Revocable[e.ID] }

// canDecideAppeals：审批页的申诉——所长和中心领导（model.MayDecideAppeals），每条申诉由
// ledger.Service.DecideAppeal 按 model.MayDecideAppeal 再判断（在申诉人和记录人之上、不是他们本人）。
func canDecideAppeals(a model.Staff) bool { return model.MayDecideAppeals(a) }
