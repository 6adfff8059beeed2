package settlement

import (
	"context"
	"fmt"
	"time"

	"github.com/hongqi-dev/hongqi/model"
)

// SystemActor 是定时任务以系统身份发布时的“发布人”。
var SystemActor = model.Staff{UserID: "system", Name: "系统", Role: model.RoleAdmin, Active: true}

// MonthArg 是写在命令示例里的月份：今年的写“11月”，别的年份写“2025年12月”（ParseMonth 都认）。
func MonthArg(m model.Month, now time.Time, loc *time.Location) string {
	if m.Year == now.In(loc).Year() {
		return fmt.Sprintf("%d月", int(m.Month))
	}
	return m.Label()
}

// DraftText 是“结算”草稿的文字：汇总，加上已发布的说明或如何发布的提示。
func (s *Service) DraftText(d Draft, month model.Month) string {
	text := "【草稿】" + SummaryText(d.Result)
	if p := d.Published; p != nil {
		return text + fmt.Sprintf("\n\n该月已于 %s 由%s发布，已结账；之后的更正记在下一个月。",
			p.At.In(s.Loc()).Format("1月2日 15:04"), cmpOr(p.ActorName, p.ActorID))
	}
	if s.BeforeGoLive(month) {
		return text + "\n\n" + s.beforeGoLiveText(month)
	}
	return text + fmt.Sprintf("\n\n核对无误后，发送“发布 %s”，结算单私信给每个人。", MonthArg(month, s.now(), s.Loc()))
}

// SendDraft 把 month 的结算草稿经发件箱发给每位在职中心领导（Key "draft:<月份>:<userid>"，
// 重复调用不重复发送），返回入队的条数。
func (s *Service) SendDraft(ctx context.Context, month model.Month, publishBy time.Time) (int, error) {
	if s.Outbox == nil {
		return 0, model.Errorf(model.EUNAVAILABLE, "结算服务没有配置发件箱，草稿没有发送。")
	}
	d, err := s.Draft(ctx, month)
	if err != nil {
		return 0, err
	}
	body := s.DraftText(d, month)
	if d.Published == nil && !publishBy.IsZero() {
		body += fmt.Sprintf("\n%s前没有发布的，系统将自动发布。", publishBy.In(s.Loc()).Format("1月2日 15:04"))
	}
	staff, err := s.Ledger.Staff.ListStaff(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range staff {
		if !p.Active || !p.IsLeadership() {
			continue
		}
		err := s.Outbox.Enqueue(ctx, model.Notice{
			Key: "draft:" + month.String() + ":" + p.UserID, To: model.ToUsers(p.UserID), Plain: true,
			Title: month.Label() + "结算草稿", Body: body,
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// AutoPublish 在发布期限到时发布 month（发布人为“系统”）；已经发布过时什么也不做，返回 false。
// 每人的结算单注明是到期由系统自动发布的。
func (s *Service) AutoPublish(ctx context.Context, month model.Month) (PublishResult, bool, error) {
	closed, err := s.Closed(ctx, month)
	if err != nil || closed {
		return PublishResult{}, false, err
	}
	r, err := s.publish(ctx, SystemActor, model.Message{Key: "auto-publish:" + month.String()}, month, AutoNote)
	if model.ErrorCode(err) == model.ECONFLICT {
		return r, false, nil // 另一处（人或副本）刚好先发布了
	}
	if err != nil {
		return r, false, err
	}
	return r, true, nil
}

// AutoNote 是系统到期自动发布时结算单和汇总上的说明。
const AutoNote = "到发布期限仍未发布，已由系统自动发布。"
